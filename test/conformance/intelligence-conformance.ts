import { describe, expect, it } from 'vitest';
import { withFresh } from './fresh.js';
import type { Intelligence } from '../../src/intelligence/intelligence.js';

const CAPSULES = [
  { id: 'a', version: '1.0.0', trust_level: 60, score: 0.03, content: 'Fraud screening blocks a payment above a risk score of 0.8. Review holds expire after 12 hours.' },
  { id: 'b', version: '1.0.0', trust_level: 60, score: 0.02, content: 'The cafeteria opens at eight. Lunch is served at noon.' },
  { id: 'c', version: '2.0.0', trust_level: 60, score: 0.01, content: 'A risk score between 0.55 and 0.8 holds the payment for review.' },
];

/**
 * What every Intelligence adapter must do (the extractive answerer, an OpenAI-compatible chat endpoint,
 * …): answer from the capsules given, cite only those, within the limits asked.
 */
export function describeIntelligenceConformance(name: string, open: () => Promise<{ intelligence: Intelligence; destroy(): Promise<void> }>): void {
  describe(`Intelligence conformance: ${name}`, () => {
    const withIntelligence = withFresh(open);

    it(
      'answers with citations drawn only from the capsules given, within max_citations, and names its model',
      withIntelligence(async ({ intelligence }) => {
        const answer = await intelligence.answer({ query: 'What risk score blocks a payment?', capsules: CAPSULES, parameters: { max_sentences: 3, max_citations: 2 } });
        expect(answer.text.trim().length).toBeGreaterThan(0);
        expect(answer.model.length).toBeGreaterThan(0);
        expect(answer.citations.length).toBeGreaterThan(0);
        expect(answer.citations.length).toBeLessThanOrEqual(2);
        expect(new Set(answer.citations).size).toBe(answer.citations.length);
        for (const id of answer.citations) expect(CAPSULES.map((c) => c.id)).toContain(id);
        // Markers [n] in the text point into the citations.
        for (const m of answer.text.matchAll(/\[(\d+)\]/g)) expect(Number(m[1])).toBeLessThanOrEqual(answer.citations.length);
      }),
    );

    it(
      'cites nothing when given nothing',
      withIntelligence(async ({ intelligence }) => {
        const answer = await intelligence.answer({ query: 'What risk score blocks a payment?', capsules: [], parameters: { max_sentences: 3, max_citations: 3 } });
        expect(answer.citations).toEqual([]);
        expect(answer.text.trim().length).toBeGreaterThan(0);
      }),
    );
  });
}
