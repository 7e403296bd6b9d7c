import { describe, expect, it } from 'vitest';
import { cosine, HashingEmbedder } from '../src/search/embedder.js';
import { ANSWER_WEIGHT, THREAD_WINDOW, threadPlaceOf, weightedFusion, withThreadContext, type ThreadPlace } from '../src/search/fusion.js';
import { normalizeQuery, sentences, stem } from '../src/search/text.js';
import { describeEmbedderConformance } from './conformance/embedder-conformance.js';

describeEmbedderConformance('hashing (256)', async () => ({ embedder: new HashingEmbedder(256), destroy: async () => undefined }));

describe('feature-hashing embedder', () => {
  const e = new HashingEmbedder(256);

  it('is deterministic and unit length', () => {
    const a = e.embedOne('Redis keeps queued jobs in memory');
    expect(Array.from(a)).toEqual(Array.from(e.embedOne('Redis keeps queued jobs in memory')));
    expect(cosine(a, a)).toBeCloseTo(1, 5);
    expect(a).toHaveLength(256);
    expect(Array.from(e.embedOne(''))).toEqual(new Array(256).fill(0));
  });

  it('scores related texts above unrelated ones', () => {
    const pairs: Array<[string, string, string]> = [
      ['How do we deploy the payments service?', 'Deploying the payments service: merge, canary, promote.', 'The cafeteria opens at eight with fresh bread.'],
      ['redis persistence after a crash', 'Redis AOF persistence loses one second of writes on a crash.', 'Quarterly marketing budget for the EU region.'],
      ['fraud risk score threshold', 'Fraud screening blocks payments above a risk score of 0.8.', 'Onboarding checklist for new hires and laptops.'],
    ];
    for (const [query, related, unrelated] of pairs) {
      const q = e.embedOne(query);
      expect(cosine(q, e.embedOne(related))).toBeGreaterThan(cosine(q, e.embedOne(unrelated)) + 0.1);
    }
  });

  it('embeds a long text in slices, yielding to the event loop, to the same vector', async () => {
    const e = new HashingEmbedder(256);
    const long = Array.from({ length: 9000 }, (_, i) => `term${i % 700} the settlement of batch ${i % 13}`).join(' ');
    let turns = 0;
    const ticking = setInterval(() => turns++, 0);
    const [sliced] = await e.embed([long]);
    clearInterval(ticking);
    expect(Array.from(sliced as Float32Array)).toEqual(Array.from(e.embedOne(long)));
    expect(turns).toBeGreaterThan(0);
  });

  it('shares features between word forms', () => {
    expect(stem('deploying')).toBe(stem('deployed'));
    expect(cosine(e.embedOne('deployments'), e.embedOne('deployment'))).toBeGreaterThan(0.5);
  });
});

describe('text helpers', () => {
  it('splits sentences without breaking decimals', () => {
    expect(sentences('Block above 0.8. Hold between 0.55 and 0.8! Done')).toEqual(['Block above 0.8.', 'Hold between 0.55 and 0.8!', 'Done']);
  });
  it('normalises queries for cache keys', () => {
    expect(normalizeQuery('  How  does REDIS work?? ')).toBe(normalizeQuery('how does redis work'));
  });
});

describe('weighted score fusion', () => {
  it('scales each side to [0, 1] over its candidates and sums them with the weights', () => {
    const fused = weightedFusion(
      {
        vector: [
          ['a', 0.9],
          ['b', 0.5],
          ['c', 0.1],
        ],
        text: [
          ['b', 12],
          ['c', 2],
        ],
      },
      { vector: 0.4, text: 0.6 },
    );
    expect(fused.get('a')).toBeCloseTo(0.4, 10); // best vector, no text match
    expect(fused.get('b')).toBeCloseTo(0.4 * 0.5 + 0.6, 10); // middle vector, best text
    expect(fused.get('c')).toBeCloseTo(0, 10); // worst on both sides
  });

  it('gives every candidate of a side whose scores are all alike the whole weight, and nothing for an empty side', () => {
    const fused = weightedFusion({ vector: [], text: [['only', 3]] }, { vector: 0.4, text: 0.6 });
    expect([...fused]).toEqual([['only', 0.6]]);
  });
});

describe('thread context', () => {
  it('reads a place in a thread only from a string thread and an integer position, and whether it asks from the content', () => {
    expect(threadPlaceOf({ thread: 'chat-1', position: 3 })).toEqual({ thread: 'chat-1', position: 3 });
    expect(threadPlaceOf({ thread: 'chat-1', position: 3 }, 'Wow! How long have you been married? ')).toEqual({ thread: 'chat-1', position: 3, asks: true });
    expect(threadPlaceOf({ thread: 'chat-1', position: 3 }, 'Is it? Five years already.')).toEqual({ thread: 'chat-1', position: 3, asks: false });
    expect(threadPlaceOf({ thread: 'chat-1', position: 1.5 })).toBeNull();
    expect(threadPlaceOf({ thread: '', position: 1 })).toBeNull();
    expect(threadPlaceOf({ thread: 7, position: 1 })).toBeNull();
    expect(threadPlaceOf({})).toBeNull();
  });

  it('raises a capsule by its window of neighbours among the candidates (the better side at each distance), from the scores as they were', () => {
    const places: Record<string, ThreadPlace> = {
      q: { thread: 'a', position: 1 },
      answer: { thread: 'a', position: 2 },
      far: { thread: 'a', position: 7 },
      other: { thread: 'b', position: 3 },
    };
    const fused = new Map([
      ['q', 0.9],
      ['answer', 0.4],
      ['far', 0.5],
      ['other', 0.8],
      ['loose', 0.7],
    ]);
    const [d1, d2, d3, d4] = THREAD_WINDOW as [number, number, number, number];
    const out = withThreadContext(fused, (id) => places[id] ?? null);
    expect(out.get('answer')).toBeCloseTo(0.4 + d1 * 0.9, 9);
    expect(out.get('q')).toBeCloseTo(0.9 + d1 * 0.4, 9);
    // Five apart (past the window), another thread, no thread: unchanged.
    expect([out.get('far'), out.get('other'), out.get('loose')]).toEqual([0.5, 0.8, 0.7]);
    // Farther neighbours weigh less; the nearest weight scales the window.
    const spread = new Map([
      ['c', 1],
      ['n2', 0.5],
      ['n3', 0.25],
      ['n4', 0.125],
      ['n5', 2],
    ]);
    const at: Record<string, ThreadPlace> = {
      c: { thread: 't', position: 10 },
      n2: { thread: 't', position: 12 },
      n3: { thread: 't', position: 7 },
      n4: { thread: 't', position: 14 },
      n5: { thread: 't', position: 15 },
    };
    expect(withThreadContext(spread, (id) => at[id] ?? null).get('c')).toBeCloseTo(1 + d2 * 0.5 + d3 * 0.25 + d4 * 0.125, 9);
    expect(withThreadContext(spread, (id) => at[id] ?? null, { neighbours: d1 * 2 }).get('c')).toBeCloseTo(1 + 2 * (d2 * 0.5 + d3 * 0.25 + d4 * 0.125), 9);
    // Weights 0: the fused scores as they were.
    expect([...withThreadContext(fused, (id) => places[id] ?? null, { neighbours: 0, answers: 0 })]).toEqual([...fused]);
  });

  it('raises the capsule after one that asks a question by ANSWER_WEIGHT × the asker, and not the one after a statement', () => {
    const fused = new Map([
      ['asks', 0.8],
      ['reply', 0.2],
      ['says', 0.8],
      ['after', 0.2],
    ]);
    const places: Record<string, ThreadPlace> = {
      asks: { thread: 'a', position: 1, asks: true },
      reply: { thread: 'a', position: 2, asks: false },
      says: { thread: 'b', position: 1, asks: false },
      after: { thread: 'b', position: 2, asks: false },
    };
    const out = withThreadContext(fused, (id) => places[id] ?? null, { neighbours: 0 });
    expect(out.get('reply')).toBeCloseTo(0.2 + ANSWER_WEIGHT * 0.8, 9);
    expect(out.get('after')).toBe(0.2);
    // The asker gains nothing from its answer, and the answer nothing from the turn after it.
    expect(out.get('asks')).toBe(0.8);
  });
});
