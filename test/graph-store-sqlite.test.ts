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
