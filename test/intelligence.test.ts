import { expect, it } from 'vitest';
import { ExtractiveIntelligence } from '../src/intelligence/intelligence.js';
import { describeIntelligenceConformance } from './conformance/intelligence-conformance.js';

describeIntelligenceConformance('extractive', async () => ({ intelligence: new ExtractiveIntelligence(), destroy: async () => undefined }));

const ai = new ExtractiveIntelligence();
const capsules = [
  { id: 'a', version: '1.0.0', trust_level: 60, score: 0.03, content: 'Fraud screening blocks a payment above a risk score of 0.8. Review holds expire after 12 hours.' },
  { id: 'b', version: '1.0.0', trust_level: 60, score: 0.02, content: 'The cafeteria opens at eight. Lunch is served at noon.' },
  { id: 'c', version: '2.0.0', trust_level: 60, score: 0.01, content: 'A risk score between 0.55 and 0.8 holds the payment for review [1].' },
];

it('answers from the sentences that match the query and cites only the capsules it used', async () => {
  const answer = await ai.answer({ query: 'What risk score blocks a payment?', capsules, parameters: { max_sentences: 3, max_citations: 3 } });
  expect(answer.text).toContain('blocks a payment above a risk score of 0.8. [1]');
  expect(answer.citations).toContain('a');
  expect(answer.citations).not.toContain('b');
  expect(answer.text).not.toMatch(/cafeteria/);
  expect(answer.text).not.toContain('review [1]. ['); // saved answers' markers are stripped
});

it('respects the citation and sentence limits', async () => {
  const answer = await ai.answer({ query: 'risk score payment review holds', capsules, parameters: { max_sentences: 1, max_citations: 1 } });
  expect(answer.citations).toHaveLength(1);
  expect(answer.text.match(/\[\d\]/g)).toHaveLength(1);
});

it('says so when nothing matches', async () => {
  const answer = await ai.answer({ query: 'kubernetes autoscaling', capsules, parameters: { max_sentences: 3, max_citations: 3 } });
  expect(answer.citations).toEqual([]);
  expect(answer.text).toMatch(/No capsule/);
});
