import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { HashingEmbedder } from '../src/search/embedder.js';
import { SqliteGraphStore } from '../src/store/sqlite/sqlite-graph-store.js';
import { describeGraphStoreConformance } from './conformance/graph-store-conformance.js';

async function openTemp() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'forge-sqlite-'));
  const store = await SqliteGraphStore.open({ file: path.join(dir, 'forge.db') });
  return { store, dir, destroy: async () => (await store.close(), rmSync(dir, { recursive: true, force: true })) };
}

describeGraphStoreConformance('sqlite', openTemp);

it('detects an audit entry edited after the fact', async () => {
  const { store, destroy } = await openTemp();
  for (let i = 0; i < 3; i++) await store.appendAudit({ actor_id: 'a', action: `act.${i}`, entity_type: 't', entity_id: String(i) });
  expect((await store.verifyAudit()).ok).toBe(true);
  store.tamperAuditForTest(2, { forged: true });
  expect(await store.verifyAudit()).toEqual({ ok: false, checked: 1, broken_at: 2 });
  await destroy();
});

it('keeps data across reopen and migrates a fresh file once', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'forge-sqlite-'));
  const file = path.join(dir, 'forge.db');
  const embedder = new HashingEmbedder(64);
  const first = await SqliteGraphStore.open({ file });
  const c = await first.createCapsule({ content: 'persisted', type: 'knowledge', owner_id: 'o', trust_level: 10, embedding: embedder.embedOne('persisted') }, { actor_id: 'a' });
  await first.close();
  const second = await SqliteGraphStore.open({ file });
  expect((await second.getCapsule(c.id))?.content).toBe('persisted');
  await second.close();
  rmSync(dir, { recursive: true, force: true });
});

it('commits writes issued together in one group: each answered after the commit, a failing one rejected alone', async () => {
  const { store, dir, destroy } = await openTemp();
  const caller = { id: 'u', roles: [], trust_level: 10 };
  const request = (id: string) => ({ id, correlation_id: id, caller, query: 'q', required_trust: 0, save_as_capsule: false, metadata: {}, idempotency_key: null });
  const writes = [
    ...Array.from({ length: 20 }, (_, i) => store.appendAudit({ actor_id: 'a', action: 'act', entity_type: 't', entity_id: String(i) })),
    store.createRequest(request('r1')),
    store.finishRequest('no-such-request', { status: 'failed' }),
    store.createRequest(request('r2')),
  ];
  const settled = await Promise.allSettled(writes);
  expect(settled.map((s) => s.status)).toEqual([...Array(21).fill('fulfilled'), 'rejected', 'fulfilled']);
  expect((settled[21] as PromiseRejectedResult).reason).toMatchObject({ name: 'NotFoundError' });
  // Answered means committed: another connection to the same file sees every accepted write.
  const other = await SqliteGraphStore.open({ file: path.join(dir, 'forge.db') });
  expect((await other.listAudit({ limit: 100 })).length).toBe(20);
  expect(await other.getRequest('r1')).not.toBeNull();
  expect(await other.getRequest('r2')).not.toBeNull();
  expect((await other.verifyAudit()).ok).toBe(true);
  await other.close();
  await destroy();
});

it('commits writes still waiting for their group when the store closes', async () => {
  const { store, dir } = await openTemp();
  const pending = store.appendAudit({ actor_id: 'a', action: 'last', entity_type: 't', entity_id: 'x' });
  await store.close();
  await expect(pending).resolves.toMatchObject({ action: 'last' });
  const reopened = await SqliteGraphStore.open({ file: path.join(dir, 'forge.db') });
  expect((await reopened.listAudit({ limit: 10 })).map((e) => e.action)).toEqual(['last']);
  await reopened.close();
  rmSync(dir, { recursive: true, force: true });
});

it("search sees capsule changes made through another connection (the search cache follows the store's generation)", async () => {
  const { store, dir, destroy } = await openTemp();
  const embedder = new HashingEmbedder(64);
  const add = (s: SqliteGraphStore, content: string) =>
    s.createCapsule({ content, type: 'knowledge', owner_id: 'o', trust_level: 10, embedding: embedder.embedOne(content) }, { actor_id: 'a' });
  const search = async (text: string) =>
    (await store.searchCapsules({ text, embedding: embedder.embedOne(text), limit: 5, filter: { max_trust: 10 } })).map((h) => h.capsule.content);
  await add(store, 'settlement runs nightly');
  expect(await search('settlement nightly')).toEqual(['settlement runs nightly']);
  const other = await SqliteGraphStore.open({ file: path.join(dir, 'forge.db') });
  const second = await add(other, 'settlement window is locked nightly');
  expect(await search('settlement nightly')).toContain('settlement window is locked nightly');
  await other.archiveCapsule(second.id, { actor_id: 'a' });
  expect(await search('settlement nightly')).toEqual(['settlement runs nightly']);
  await other.close();
  await destroy();
});

it('reads more capsules by id than its cache holds, losing none when the cache is cleared while it fills', async () => {
  const { store, destroy } = await openTemp();
  const embedding = new HashingEmbedder(16).embedOne('note');
  const ids: string[] = [];
  for (let i = 0; i < 10_010; i++)
    ids.push((await store.createCapsule({ content: `note ${i}`, type: 'knowledge', owner_id: 'o', trust_level: 10, embedding }, { actor_id: 'a' })).id);
  expect((await store.getCapsules(ids.slice(0, 5))).length).toBe(5);
  const all = await store.getCapsules([...ids].reverse());
  expect(all.length).toBe(ids.length);
  expect(all.map((c) => c.id)).toEqual([...ids].reverse());
  await destroy();
});

it('refills past a selective filter on both sides: 5,000 hidden close matches, two visible, one tagged', async () => {
  const { store, destroy } = await openTemp();
  const embedder = new HashingEmbedder(64);
  const add = (content: string, trust: number, tags: string[] = []) =>
    store.createCapsule({ content, type: 'knowledge', owner_id: 'o', trust_level: trust, tags, embedding: embedder.embedOne(content) }, { actor_id: 'a' });
  // 5,000 close matches the reader may not see, and a few it may.
  for (let i = 0; i < 5000; i++) await add(`ledger reconciliation runbook step ${i}`, 90);
  const visible = [await add('ledger reconciliation for the sandbox', 20, ['sandbox']), await add('ledger reconciliation in staging', 30)];
  const q = 'ledger reconciliation runbook';
  const ids = (hits: Array<{ capsule: { id: string } }>) => hits.map((h) => h.capsule.id).sort();
  // The vector side alone (no text), and the text side alone (a vector nothing is similar enough to):
  // each finds the two the reader may see among 5,002.
  const vectorOnly = await store.searchCapsules({ text: '', embedding: embedder.embedOne(q), limit: 5, filter: { max_trust: 40 }, min_similarity: -1 });
  expect(ids(vectorOnly)).toEqual(ids(visible.map((capsule) => ({ capsule }))));
  const textOnly = await store.searchCapsules({ text: q, embedding: embedder.embedOne('unrelated'), limit: 5, filter: { max_trust: 40 }, min_similarity: 0.99 });
  expect(ids(textOnly)).toEqual(ids(visible.map((capsule) => ({ capsule }))));
  expect(textOnly.every((h) => h.vector_score === null && h.text_score !== null)).toBe(true);
  for (const text of ['', q]) {
    const tagged = await store.searchCapsules({
      text,
      embedding: embedder.embedOne(text ? 'unrelated' : q),
      limit: 5,
      filter: { tag: 'sandbox' },
      min_similarity: text ? 0.99 : -1,
    });
    expect(tagged.map((h) => h.capsule.id)).toEqual([visible[0]?.id]);
  }
  await destroy();
}, 60_000);

it('searches a store whose capsules were embedded at different dimensions (part-way through re-embedding)', async () => {
  const { store, destroy } = await openTemp();
  const small = new HashingEmbedder(64);
  const large = new HashingEmbedder(128);
  const add = (content: string, embedder: HashingEmbedder) =>
    store.createCapsule({ content, type: 'knowledge', owner_id: 'o', trust_level: 10, embedding: embedder.embedOne(content) }, { actor_id: 'a' });
  const old = await add('settlement runs nightly', small);
  const fresh = await add('settlement window is locked nightly', large);
  const q = 'settlement nightly';
  const byLarge = await store.searchCapsules({ text: q, embedding: large.embedOne(q), limit: 5 });
  expect(byLarge.find((h) => h.capsule.id === fresh.id)?.vector_score).toBeGreaterThan(0);
  // The capsule still at the old dimensions is found by its words alone.
  expect(byLarge.find((h) => h.capsule.id === old.id)).toMatchObject({ vector_score: null });
  expect(byLarge.find((h) => h.capsule.id === old.id)?.text_score).not.toBeNull();
  const bySmall = await store.searchCapsules({ text: '', embedding: small.embedOne(q), limit: 5 });
  expect(bySmall.map((h) => h.capsule.id)).toEqual([old.id]);
  await destroy();
});
