/**
 * Search shows a reader nothing of what it cannot read, not even through its scores: adding capsules above
 * a reader's trust changes nothing it sees — the ids, their order, and every score (fused, vector, text).
 * Property-based: two stores, one with a random visible knowledge base, the other with the same capsules
 * (same ids, same order among themselves) interleaved with random capsules above the reader, often
 * sharing its query's words.
 */
import fc from 'fast-check';
import { afterEach, expect, it } from 'vitest';
import { HashingEmbedder } from '../src/search/embedder.js';
import { CapsuleService } from '../src/services/capsules.js';
import type { Caller } from '../src/store/graph-store.js';
import { SqliteGraphStore } from '../src/store/sqlite/sqlite-graph-store.js';

const VOCABULARY = ['ledger', 'refund', 'settlement', 'card', 'vault', 'escrow', 'nightly', 'keys', 'rotate', 'backup', 'cache', 'merchant', 'queue', 'window', 'audit'];
const READER: Caller = { id: 'reader', roles: ['reader'], trust_level: 40 };
const ROOT: Caller = { id: 'root', roles: ['admin'], trust_level: 100 };
const stores: SqliteGraphStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

async function service(): Promise<CapsuleService> {
  const store = await SqliteGraphStore.open({ file: ':memory:' });
  stores.push(store);
  return new CapsuleService({ store, embedder: new HashingEmbedder(64), cache: { invalidate: async () => undefined } });
}

const text = fc.array(fc.constantFrom(...VOCABULARY), { minLength: 3, maxLength: 12 }).map((w) => w.join(' '));
const capsule = (trust: fc.Arbitrary<number>) => fc.record({ content: text, trust_level: trust });

it('adding capsules above a reader changes nothing it sees: ids, order, scores (property-based)', async () => {
  let searches = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.array(capsule(fc.integer({ min: 0, max: 40 })), { minLength: 1, maxLength: 30 }),
      fc.array(fc.tuple(fc.nat(), capsule(fc.integer({ min: 41, max: 100 }))), { minLength: 1, maxLength: 40 }),
      fc.array(text, { minLength: 1, maxLength: 4 }),
      async (visible, hidden, queries) => {
        const [alone, mixed] = [await service(), await service()];
        // The same visible capsules in the same order in both; the hidden ones slotted in between.
        const slots = new Map<number, typeof hidden>();
        for (const [at, h] of hidden) slots.set(at % (visible.length + 1), [...(slots.get(at % (visible.length + 1)) ?? []), [at, h]]);
        for (const [i, v] of visible.entries()) {
          for (const [, h] of slots.get(i) ?? []) await mixed.create(ROOT, { ...h, type: 'knowledge' });
          const id = `v-${i}`;
          await alone.create(ROOT, { id, ...v, type: 'knowledge' });
          await mixed.create(ROOT, { id, ...v, type: 'knowledge' });
        }
        for (const [, h] of slots.get(visible.length) ?? []) await mixed.create(ROOT, { ...h, type: 'knowledge' });
        for (const q of queries) {
          const seen = async (s: CapsuleService) => (await s.search(READER, { q, limit: 10 })).map((h) => [h.capsule.id, h.score, h.vector_score, h.text_score]);
          expect(await seen(mixed)).toEqual(await seen(alone));
          searches++;
        }
        for (const s of stores.splice(0)) await s.close();
      },
    ),
    { numRuns: 60, seed: 20261207 },
  );
  console.log(`search independence: ${searches} searches over 60 pairs of stores, identical with and without capsules above the reader`);
}, 120_000);
