import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { QueueEvents } from 'bullmq';
import { expect, it } from 'vitest';
import { embeddingModelOf, HashingEmbedder, type Embedder } from '../src/search/embedder.js';
import { Reembedding, REEMBED_QUEUE, type ReembedProgress } from '../src/services/reembedding.js';
import { SqliteGraphStore } from '../src/store/sqlite/sqlite-graph-store.js';
import { createTestForge, eventually } from './helpers/forge.js';

async function storeWith(count: number, embedder: HashingEmbedder) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'forge-reembed-'));
  const store = await SqliteGraphStore.open({ file: path.join(dir, 'forge.db') });
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const content = `runbook ${i}: settlement step ${i % 9} for region ${i % 5}`;
    ids.push(
      (
        await store.createCapsule(
          { content, type: 'knowledge', owner_id: 'o', trust_level: 10, embedding: embedder.embedOne(content), embedding_model: embeddingModelOf(embedder) },
          { actor_id: 'a' },
        )
      ).id,
    );
  }
  return { store, ids, destroy: async () => (await store.close(), rmSync(dir, { recursive: true, force: true })) };
}

async function storeWithTwoSentences(store: SqliteGraphStore, embedder: HashingEmbedder): Promise<string> {
  const content = 'Settlement runs nightly. The ledger is write-locked during settlement.';
  const c = await store.createCapsule(
    { content, type: 'knowledge', owner_id: 'o', trust_level: 10, tags: ['two'], embedding: embedder.embedOne(content), embedding_model: embeddingModelOf(embedder) },
    { actor_id: 'a' },
  );
  return c.id;
}

it('re-embeds every capsule another model made, batch by batch with progress, and search then compares them under the new model', async () => {
  const old = new HashingEmbedder(64);
  const next = new HashingEmbedder(128);
  const { store, destroy } = await storeWith(150, old);
  const q = 'settlement step 3 for region 2';
  const vectorSide = (e: HashingEmbedder) => store.searchCapsules({ text: '', embedding: e.embedOne(q), embedding_model: embeddingModelOf(e), limit: 5 });
  expect(await vectorSide(next)).toEqual([]);
  const reembedding = new Reembedding({ store, embedder: next, batchSize: 64 });
  expect(await reembedding.backlog()).toBe(150);
  const seen: ReembedProgress[] = [];
  expect(await reembedding.run((p) => void seen.push(p))).toEqual({ model: 'feature-hashing-v1@128', reembedded: 150 });
  expect(seen.map((p) => [p.done, p.remaining, p.percent])).toEqual([
    [64, 86, 42],
    [128, 22, 85],
    [150, 0, 100],
  ]);
  expect(await reembedding.backlog()).toBe(0);
  expect((await vectorSide(next)).length).toBe(5);
  expect(await vectorSide(old)).toEqual([]);
  // Passages are re-embedded too: a capsule of two sentences scores as its nearer sentence.
  const two = await storeWithTwoSentences(store, old);
  await reembedding.run(() => undefined);
  const sentence = 'the ledger is write-locked during settlement';
  const [hit] = await store.searchCapsules({ text: '', embedding: next.embedOne(sentence), embedding_model: embeddingModelOf(next), limit: 1, filter: { tag: 'two' } });
  expect(hit?.capsule.id).toBe(two);
  expect(hit?.vector_score).toBeCloseTo(1, 5);
  // Re-embedding is not a new version: the capsules and their audit trail are as they were.
  expect((await store.listAudit({ limit: 500 })).filter((e) => e.action !== 'capsule.create')).toEqual([]);
  await destroy();
});

it('resumes after a failure where it stopped: nothing done is redone', async () => {
  const old = new HashingEmbedder(64);
  const { store, destroy } = await storeWith(100, old);
  const inner = new HashingEmbedder(32);
  let calls = 0;
  let embedded = 0;
  const flaky: Embedder = {
    name: inner.name,
    dimensions: inner.dimensions,
    async embed(texts) {
      if (++calls === 3) throw new Error('provider outage');
      embedded += texts.length;
      return inner.embed(texts);
    },
  };
  const reembedding = new Reembedding({ store, embedder: flaky, batchSize: 25 });
  await expect(reembedding.run(() => undefined)).rejects.toThrow('provider outage');
  expect(await reembedding.backlog()).toBe(50);
  expect(await reembedding.run(() => undefined)).toMatchObject({ reembedded: 50 });
  expect(embedded).toBe(100);
  await destroy();
});

it('a Forge restarted with another embedding size queues one re-embedding job for the fleet and its workers finish it, with progress', async () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'forge-reembed-'));
  const first = await createTestForge({ FORGE_DATA_DIR: dataDir, FORGE_EMBEDDER: 'hashing', FORGE_EMBEDDING_DIM: '64' });
  for (let i = 0; i < 40; i++) await first.forge.capsules.create(first.forge.localCaller, { content: `fact ${i} about settlement windows`, type: 'knowledge' });
  await first.forge.close();

  const second = await createTestForge({ FORGE_DATA_DIR: dataDir, FORGE_EMBEDDER: 'hashing', FORGE_EMBEDDING_DIM: '128', FORGE_QUEUE_PREFIX: first.config.queuePrefix });
  const events = new QueueEvents(REEMBED_QUEUE, { connection: { url: second.config.redisUrl as string }, prefix: second.config.queuePrefix });
  const progress: unknown[] = [];
  events.on('progress', ({ data }) => void progress.push(data));
  await events.waitUntilReady();
  try {
    second.forge.startWorkers();
    await eventually(async () => ((await second.forge.store.countStaleEmbeddings('feature-hashing-v1@128')) === 0 ? true : undefined), 20_000, 're-embedding');
    await eventually(async () => (progress.length > 0 ? true : undefined), 5000, 'progress event');
    expect(progress.at(-1)).toMatchObject({ model: 'feature-hashing-v1@128', remaining: 0, percent: 100 });
    const hits = await second.forge.capsules.search(second.forge.localCaller, { q: 'settlement windows', limit: 3 });
    expect(hits.every((h) => h.vector_score !== null)).toBe(true);
  } finally {
    await events.close();
    await second.cleanup();
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 60_000);
