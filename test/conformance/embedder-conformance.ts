import { describe, expect, it } from 'vitest';
import { withFresh } from './fresh.js';
import { cosine, type Embedder } from '../../src/search/embedder.js';

/** What every Embedder adapter must do (the built-in hashing embedder, an OpenAI-compatible endpoint, …). */
export function describeEmbedderConformance(name: string, open: () => Promise<{ embedder: Embedder; destroy(): Promise<void> }>): void {
  describe(`Embedder conformance: ${name}`, () => {
    const withEmbedder = withFresh(open);

    it(
      'gives one finite vector of its dimensions per text, in order, and nothing for no texts',
      withEmbedder(async ({ embedder }) => {
        expect(embedder.name.length).toBeGreaterThan(0);
        const texts = ['Redis keeps queued jobs in memory', 'Settlement runs at 23:00 UTC', 'ünïcödé and emoji 🚀'];
        const vectors = await embedder.embed(texts);
        expect(vectors).toHaveLength(texts.length);
        for (const v of vectors) {
          expect(v).toBeInstanceOf(Float32Array);
          expect(v).toHaveLength(embedder.dimensions);
          expect(v.every(Number.isFinite)).toBe(true);
        }
        expect(await embedder.embed([])).toEqual([]);
      }),
    );

    it(
      'embeds the same text the same way, alone or in a batch',
      withEmbedder(async ({ embedder }) => {
        const [alone] = await embedder.embed(['fraud risk score threshold']);
        const [, inBatch] = await embedder.embed(['something else entirely', 'fraud risk score threshold']);
        expect(cosine(alone as Float32Array, inBatch as Float32Array)).toBeCloseTo(1, 4);
      }),
    );

    it(
      'places related texts nearer than unrelated ones',
      withEmbedder(async ({ embedder }) => {
        const [q, related, unrelated] = await embedder.embed([
          'How do we deploy the payments service?',
          'Deploying the payments service: merge, canary, promote.',
          'The cafeteria opens at eight with fresh bread.',
        ]);
        expect(cosine(q as Float32Array, related as Float32Array)).toBeGreaterThan(cosine(q as Float32Array, unrelated as Float32Array));
      }),
    );
  });
}
