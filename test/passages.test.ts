/** The passages a capsule is embedded as besides its whole text (late interaction). */
import { describe, expect, it } from 'vitest';
import { cosine, embedWithPassages, HashingEmbedder, lateCosine } from '../src/search/embedder.js';
import { MAX_PASSAGES, passagesOf } from '../src/search/passages.js';

describe('passagesOf', () => {
  it('gives none for a text of one sentence: its whole is its only passage', () => {
    expect(passagesOf('Signing keys are rotated every 90 days.')).toEqual([]);
    expect(passagesOf('')).toEqual([]);
  });

  it('gives each sentence, carrying the label the text opens with', () => {
    expect(passagesOf('Caroline (8 May 2023): I went to a support group yesterday. It was so powerful!')).toEqual([
      'Caroline (8 May 2023): I went to a support group yesterday.',
      'Caroline (8 May 2023): It was so powerful!',
    ]);
    expect(passagesOf('Decision: switch to AOF. A crash then loses at most one second.')).toEqual(['Decision: switch to AOF.', 'Decision: A crash then loses at most one second.']);
    expect(passagesOf('Melanie (1:56 pm on 8 May, 2023): Hey! Good to see you.')).toEqual([
      'Melanie (1:56 pm on 8 May, 2023): Hey!',
      'Melanie (1:56 pm on 8 May, 2023): Good to see you.',
    ]);
    expect(passagesOf('Backups run hourly. They are kept for 30 days.')).toEqual(['Backups run hourly.', 'They are kept for 30 days.']);
  });

  it('keeps at most MAX_PASSAGES of a long text', () => {
    const long = Array.from({ length: MAX_PASSAGES + 10 }, (_, i) => `Sentence number ${i}.`).join(' ');
    expect(passagesOf(long)).toHaveLength(MAX_PASSAGES);
  });
});

describe('embedWithPassages and lateCosine', () => {
  it('embeds each text and its passages in one call, in order, and scores by the nearest', async () => {
    const embedder = new HashingEmbedder(256);
    let calls = 0;
    const counting = { embed: async (texts: readonly string[]) => (calls++, embedder.embed(texts)) };
    const texts = ['Redis keeps queued jobs in memory. A crash loses at most one second.', 'Settlement runs at 23:00 UTC.'];
    const [first, second] = await embedWithPassages(counting, texts);
    expect(calls).toBe(1);
    expect(first?.embedding).toEqual(embedder.embedOne(texts[0] as string));
    expect(first?.passage_embeddings).toEqual([embedder.embedOne('Redis keeps queued jobs in memory.'), embedder.embedOne('A crash loses at most one second.')]);
    expect(second?.passage_embeddings).toEqual([]);
    const q = embedder.embedOne('a crash loses at most one second');
    const late = lateCosine(q, first?.embedding as Float32Array, first?.passage_embeddings ?? []);
    expect(late).toBeCloseTo(cosine(q, first?.passage_embeddings[1] as Float32Array), 6);
    expect(late).toBeGreaterThan(cosine(q, first?.embedding as Float32Array));
  });
});
