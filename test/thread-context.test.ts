/**
 * A capsule placed in a thread (`metadata.thread`, `metadata.position`) is embedded with the end of the one
 * before it, when that one is no higher than itself; search weighs the thread around a candidate.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cosine, embeddingModelOf, embedWithPassages, HashingEmbedder } from '../src/search/embedder.js';
import { CONTEXT_WORDS, contextPassageOf, passagesOf } from '../src/search/passages.js';
import { CapsuleService, textBefore } from '../src/services/capsules.js';
import { Reembedding } from '../src/services/reembedding.js';
import type { Caller, SearchHit } from '../src/store/graph-store.js';
import { SqliteGraphStore } from '../src/store/sqlite/sqlite-graph-store.js';

const WRITER: Caller = { id: 'writer', roles: ['writer'], trust_level: 100 };

describe('contextPassageOf', () => {
  it('reads the end of the text before (at most CONTEXT_WORDS words), then the text', () => {
    expect(contextPassageOf(' How long have you been married? ', '5 years already!')).toBe('How long have you been married? 5 years already!');
    const long = Array.from({ length: CONTEXT_WORDS + 20 }, (_, i) => `w${i}`).join(' ');
    const passage = contextPassageOf(long, 'Reply.');
    expect(passage.split(' ')).toHaveLength(CONTEXT_WORDS + 1);
    expect(passage.startsWith('w20 ')).toBe(true);
    expect(passage.endsWith(`w${CONTEXT_WORDS + 19} Reply.`)).toBe(true);
  });

  it('is one more passage, after the sentences, for a text given the one before it', async () => {
    const embedder = new HashingEmbedder(256);
    const text = 'Five years already. Time flies.';
    const [alone, placed] = await embedWithPassages(embedder, [text, text], [null, 'How long have you been married?']);
    expect(alone?.passage_embeddings).toHaveLength(passagesOf(text).length);
    expect(placed?.passage_embeddings).toHaveLength(passagesOf(text).length + 1);
    expect(placed?.passage_embeddings.at(-1)).toEqual(embedder.embedOne('How long have you been married? Five years already. Time flies.'));
  });
});

describe('a turn read with the one before it', () => {
  const embedder = new HashingEmbedder(256);
  let store: SqliteGraphStore;
  let capsules: CapsuleService;
  beforeEach(async () => {
    store = await SqliteGraphStore.open({ file: ':memory:' });
    capsules = new CapsuleService({ store, embedder, cache: { invalidate: async () => undefined } });
  });
  afterEach(async () => store.close());

  /** A question turn at `askTrust` and its reply at trust 0, in a thread of their own. */
  async function exchange(thread: string, askTrust: number): Promise<string> {
    await capsules.create(WRITER, {
      content: 'How long have you and your husband been married?',
      type: 'knowledge',
      trust_level: askTrust,
      tags: [thread],
      metadata: { thread, position: 1 },
    });
    const reply = await capsules.create(WRITER, { content: 'Five years already!', type: 'knowledge', trust_level: 0, tags: [thread], metadata: { thread, position: 2 } });
    return reply.id;
  }
  const vectorScore = (hits: readonly SearchHit[], id: string) => hits.find((h) => h.capsule.id === id)?.vector_score ?? null;

  it('finds the current capsule at a place in a thread: not a superseded or archived one, the latest of several, none elsewhere', async () => {
    const first = await capsules.create(WRITER, { content: 'one', type: 'knowledge', metadata: { thread: 't', position: 1 } });
    expect((await store.capsuleInThread('t', 1))?.id).toBe(first.id);
    const next = await capsules.update(WRITER, first.id, { content: 'one, again' });
    expect((await store.capsuleInThread('t', 1))?.id).toBe(next.id);
    await capsules.archive(WRITER, next.id);
    expect(await store.capsuleInThread('t', 1)).toBeNull();
    const a = await capsules.create(WRITER, { content: 'a', type: 'knowledge', metadata: { thread: 't', position: 2 } });
    const b = await capsules.create(WRITER, { content: 'b', type: 'knowledge', metadata: { thread: 't', position: 2 } });
    expect((await store.capsuleInThread('t', 2))?.id).toBe(b.id);
    expect(a.id).not.toBe(b.id);
    expect(await store.capsuleInThread('t', 3)).toBeNull();
    expect(await store.capsuleInThread('u', 2)).toBeNull();
    // b was written at the writer's trust (100): a capsule below it is not embedded with it.
    expect(await textBefore(store, { thread: 't', position: 3 }, 100)).toBe('b');
    expect(await textBefore(store, { thread: 't', position: 3 }, 99)).toBeNull();
    // A capsule above the new one's trust at that place is passed over: what is below it is read instead.
    await capsules.create(WRITER, { content: 'c, below', type: 'knowledge', trust_level: 10, metadata: { thread: 't', position: 4 } });
    await capsules.create(WRITER, { content: 'c, above', type: 'knowledge', trust_level: 90, metadata: { thread: 't', position: 4 } });
    expect(await textBefore(store, { thread: 't', position: 5 }, 10)).toBe('c, below');
    expect(await textBefore(store, { thread: 't', position: 5 }, 90)).toBe('c, above');
    expect(await textBefore(store, { thread: 't', position: 1 }, 0)).toBeNull();
    expect(await textBefore(store, {}, 0)).toBeNull();
  });

  it('is found by the question it answers; not when the question is above its trust (nothing flows down through a vector)', async () => {
    const open = await exchange('open', 0);
    const secret = await exchange('secret', 80);
    const loose = (await capsules.create(WRITER, { content: 'Five years already!', type: 'knowledge', trust_level: 0, tags: ['loose'] })).id;
    // The vector side alone, every capsule scored (no floor): each reply's score is there to compare.
    const q = 'How long have you and your husband been married';
    const hits = await store.searchCapsules({ text: '', embedding: embedder.embedOne(q), embedding_model: embeddingModelOf(embedder), limit: 10, min_similarity: -1 });
    const [openScore, secretScore, looseScore] = [vectorScore(hits, open), vectorScore(hits, secret), vectorScore(hits, loose)].map((v) => {
      expect(v).not.toBeNull();
      return v as number;
    }) as [number, number, number];
    // The reply after a secret question scores as the reply alone: the secret's words are not in its vectors.
    expect(secretScore).toBeCloseTo(looseScore, 6);
    expect(openScore).toBeGreaterThan(secretScore + 0.2);
    expect(await textBefore(store, { thread: 'secret', position: 2 }, 0)).toBeNull();
    expect(await textBefore(store, { thread: 'secret', position: 2 }, 80)).toBe('How long have you and your husband been married?');
  });

  it('keeps the turn before when re-embedded under another model, under the same trust rule', async () => {
    const open = await exchange('open', 0);
    const secret = await exchange('secret', 80);
    const next = new HashingEmbedder(128);
    expect((await new Reembedding({ store, embedder: next, batchSize: 1 }).run(() => undefined)).reembedded).toBe(4);
    const q = 'How long have you and your husband been married';
    const hits = await store.searchCapsules({ text: '', embedding: next.embedOne(q), embedding_model: embeddingModelOf(next), limit: 10 });
    const plain = cosine(next.embedOne(q), next.embedOne('Five years already!'));
    expect(vectorScore(hits, open) as number).toBeGreaterThan(plain + 0.2);
    expect(vectorScore(hits, secret) ?? plain).toBeCloseTo(plain, 5);
  });

  it('weighs the reply after a question the search found above the same reply after a statement', async () => {
    const turns = async (thread: string, first: string) => {
      await capsules.create(WRITER, { content: first, type: 'knowledge', trust_level: 0, tags: ['chat'], metadata: { thread, position: 1 } });
      return (await capsules.create(WRITER, { content: 'Lisbon, for two weeks.', type: 'knowledge', trust_level: 0, tags: ['chat'], metadata: { thread, position: 2 } })).id;
    };
    const afterQuestion = await turns('asked', 'Did you go on your honeymoon after the wedding?');
    const afterStatement = await turns('told', 'You did go on your honeymoon after the wedding.');
    const scored = async (fusion?: { vector: number; text: number; answers: number }) => {
      const q = 'honeymoon after the wedding';
      const hits = await store.searchCapsules({ text: q, embedding: embedder.embedOne(q), embedding_model: embeddingModelOf(embedder), limit: 10, ...(fusion ? { fusion } : {}) });
      const score = (id: string) => hits.find((h) => h.capsule.id === id)?.score ?? 0;
      return score(afterQuestion) - score(afterStatement);
    };
    expect(await scored()).toBeGreaterThan(0.2);
    expect(Math.abs(await scored({ vector: 0.4, text: 0.6, answers: 0 }))).toBeLessThan(0.1);
  });
});
