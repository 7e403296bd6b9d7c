import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, expect, inject, it } from 'vitest';
import { createForge } from '../src/app.js';
import { builtOverlays, installOverlays } from '../src/cli/core-overlays.js';
import { loadSampleKnowledge, readSampleFile } from '../src/cli/sample.js';
import { loadConfig } from '../src/config/index.js';
import { OUTBOX_CURSOR } from '../src/events/outbox.js';
import { HashingEmbedder } from '../src/search/embedder.js';
import type { Caller, GraphStore } from '../src/store/graph-store.js';
import { Neo4jGraphStore } from '../src/store/neo4j/neo4j-graph-store.js';
import { SqliteGraphStore } from '../src/store/sqlite/sqlite-graph-store.js';
import { TRANSFER_KINDS } from '../src/store/transfer.js';
import { packageRoot } from '../src/util/package-root.js';
import { callJson, createTestForge, deleteKeys, eventually, serve, submitAndWait, TEST_SETUP } from './helpers/forge.js';
import { neo4jEnv, testNeo4j, wipeNeo4j } from './helpers/neo4j.js';
import { CLI } from './helpers/processes.js';

const run = promisify(execFile);
const ROOT: Caller = { id: 'system', roles: ['admin'], trust_level: 100 };

/** Runs `forge migrate` and gives its exit code, its JSON report (with --json) and what it said on stderr. */
async function migrate(env: Record<string, string>, args: string[] = []): Promise<{ code: number; report: Record<string, unknown> | null; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, 'migrate', '--to', 'neo4j', '--json', ...args], { env: { PATH: process.env.PATH ?? '', ...env } });
    return { code: 0, report: JSON.parse(stdout) as Record<string, unknown>, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, report: null, stderr: e.stderr };
  }
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function scratchDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'forge-migrate-'));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Everything a store answers about its records, read through the store interface, for comparing two stores. */
async function contents(store: GraphStore) {
  const capsules = (await store.listCapsules({ include_archived: true, include_superseded: true, include_stale: true }, { limit: 10_000 })).items;
  const users = await store.listUsers();
  const events = await store.listEvents({ limit: 10_000 });
  const proposals = await store.listProposals({ limit: 1000 });
  return {
    capsules,
    lineage: await Promise.all(capsules.map((c) => store.getLineage(c.id))),
    users,
    trust: await Promise.all(users.map((u) => store.getTrustHistory(u.id))),
    keys: await Promise.all(users.map((u) => store.listApiKeys(u.id))),
    credentials: await Promise.all(users.map((u) => store.getUserCredentials(u.name))),
    requests: await store.listRequests({ limit: 1000 }),
    audit: await store.listAudit({ limit: 10_000 }),
    events,
    links: await Promise.all([...new Set(events.map((e) => e.cascade_id))].map((id) => store.listCascadeLinks(id))),
    delivered: await Promise.all(events.map((e) => store.wasDelivered(e.id, 'audit-log'))),
    proposals,
    votes: await Promise.all(proposals.map((p) => store.listVotes(p.id))),
    delegations: await store.listDelegations(),
    settings: await store.getSettings(),
    cursor: await store.getCursor(OUTBOX_CURSOR),
  };
}

it('copies the quickstart store into Neo4j: every kind and every record the same, the audit chain verified, and Forge runs on the copy', async () => {
  const db = testNeo4j();
  await wipeNeo4j(db);
  // The quickstart's store: the sample knowledge, the core overlays, its questions asked; then a login,
  // a trust change, a proposal passed with votes and a delegation, and events delivered.
  const t = await createTestForge({ FORGE_OUTBOX_INTERVAL_MS: '50' });
  t.forge.startWorkers();
  const ingress = await serve(t.forge);
  let closed = false;
  cleanups.push(async () => {
    if (!closed) {
      await new Promise((r) => ingress.server.close(r));
      await t.forge.close();
    }
    await deleteKeys(inject('redisUrl'), t.config.queuePrefix);
    rmSync(t.dataDir, { recursive: true, force: true });
  });
  const sample = readSampleFile(path.join(packageRoot(), 'samples', 'knowledge.json'));
  await loadSampleKnowledge(t.forge, sample);
  await installOverlays(t.forge, { ...t.forge.localCaller, trust_level: 100 }, builtOverlays());
  for (const q of sample.questions) await submitAndWait(t.forge, q.query, { save_as_capsule: q.save_as_capsule ?? false });
  const tina = await t.forge.users.create(ROOT, { name: 'tina', role: 'reader', trust_level: 80, password: 'correct horse battery' }, TEST_SETUP);
  const vera = await t.forge.users.create(ROOT, { name: 'vera', role: 'reader', trust_level: 90 }, TEST_SETUP);
  await t.forge.users.update(ROOT, tina.id, { trust_level: 85, reason: 'a year on the rota' }, TEST_SETUP);
  const login = await callJson(ingress.url, 'POST', '/v2/auth/login', { name: 'tina', password: 'correct horse battery' }, { authorization: '' });
  expect(login.status).toBe(200);
  await t.forge.governance.delegate({ id: tina.id, roles: ['reader'], trust_level: 85 }, vera.id);
  const proposal = await t.forge.governance.propose(ROOT, {
    title: 'Lower the quorum',
    description: 'Fewer voters turn up than the rules assume.',
    kind: 'config_change',
    action: { key: 'governance.quorum', value: 0.3 },
    open: true,
    closes_at: new Date(Date.now() + 60_000).toISOString(),
  });
  await t.forge.governance.vote({ id: vera.id, roles: ['reader'], trust_level: 90 }, proposal.id, 'for');
  await t.forge.store.changeProposal(proposal.id, { from: ['voting'], closes_at: new Date(Date.now() - 1).toISOString() }, { actor_id: 'test' });
  expect(await t.forge.governance.close(proposal.id)).toMatchObject({ outcome: 'passed', execution: { state: 'done' } });
  // The outbox turns audit entries into events, delivered to the audit-log subscriber and the overlays.
  await eventually(async () => ((await t.forge.store.getCursor(OUTBOX_CURSOR)) > 0 ? true : undefined), 10_000, 'the outbox');
  await t.forge.audit.checkpoint();
  await new Promise((r) => ingress.server.close(r));
  await t.forge.close();
  closed = true;

  const env = { REDIS_URL: inject('redisUrl'), FORGE_QUEUE_PREFIX: t.config.queuePrefix, FORGE_DATA_DIR: t.dataDir, ...neo4jEnv(db) };
  const first = await migrate(env);
  expect(first.code, first.stderr).toBe(0);
  const report = first.report as {
    start: string;
    counts: Record<string, { source: number; target: number }>;
    audit: { ok: boolean; checked: number };
    checkpoint: { state: string; seq: number };
  };
  expect(report.start).toBe('fresh');
  for (const kind of TRANSFER_KINDS) {
    expect(report.counts[kind]?.target, kind).toBe(report.counts[kind]?.source);
    // The quickstart store has records of every kind.
    expect(report.counts[kind]?.source, kind).toBeGreaterThan(0);
  }
  expect(report.audit).toMatchObject({ ok: true });
  expect(report.checkpoint).toEqual({ state: 'signed', seq: report.audit.checked });
  expect(first.stderr).toMatch(/100% · cursors \d+\/\d+/);

  // The same records through the store interface, on either adapter.
  const source = await SqliteGraphStore.open({ file: path.join(t.dataDir, 'forge.db') });
  const target = await Neo4jGraphStore.open({ ...db, dimensions: 384 });
  try {
    expect(await contents(target)).toEqual(await contents(source));
    const query = { text: 'How is Redis persisted?', embedding: new Float32Array(384).fill(0.05), limit: 5 };
    expect((await target.searchCapsules(query)).map((h) => h.capsule.id)[0]).toBe((await source.searchCapsules(query)).map((h) => h.capsule.id)[0]);
  } finally {
    await source.close();
    await target.close();
  }

  // Again: nothing copied twice.
  const again = await migrate(env);
  expect(again.report).toMatchObject({ start: 'finished_before', copied: 0 });

  // Forge on the copy: the same keys and logins work, the audit log verifies from the command line.
  const onNeo4j = await createForge(loadConfig({ REDIS_URL: inject('redisUrl'), FORGE_QUEUE_PREFIX: t.config.queuePrefix, FORGE_DATA_DIR: t.dataDir, ...neo4jEnv(db) }));
  onNeo4j.startWorkers();
  const served = await serve(onNeo4j);
  cleanups.push(async () => {
    await new Promise((r) => served.server.close(r));
    await onNeo4j.close();
  });
  expect(onNeo4j.store.kind).toBe('neo4j');
  const refreshed = await callJson(served.url, 'POST', '/v2/auth/refresh', { refresh_token: login.body.refresh_token }, { authorization: '' });
  expect(refreshed.status).toBe(200);
  const verify = await run(process.execPath, [CLI, 'audit', 'verify', '--target', served.url, '--api-key', served.admin.apiKey], { env: { PATH: process.env.PATH ?? '' } });
  expect(verify.stderr).toMatch(/audit log intact: \d+ entries chained, checkpoint at entry \d+ .* matches/);
  const asked = await submitAndWait(onNeo4j, 'How is Redis persisted?');
  expect(asked.status).toBe('completed');
  expect(asked.citations.length).toBeGreaterThan(0);
}, 120_000);

it('resumes a copy killed mid-way, refuses a target holding other data, and with --replace copies over it', async () => {
  const db = testNeo4j();
  await wipeNeo4j(db);
  const embedder = new HashingEmbedder(256);
  const vector = async (text: string) => (await embedder.embed([text]))[0] as Float32Array;
  /** An embedded store of `n` capsules, each derived from the one before. */
  const storeOf = async (n: number, tag: string) => {
    const dir = scratchDir();
    const store = await SqliteGraphStore.open({ file: path.join(dir, 'forge.db') });
    let previous: string | null = null;
    for (let i = 0; i < n; i++) {
      const content = `${tag} note ${i}: the settlement run ${i % 7} reconciles ledger ${i % 13}`;
      const c = await store.createCapsule(
        {
          content,
          type: 'knowledge',
          owner_id: 'loader',
          trust_level: [40, 60, 80][i % 3] as number,
          embedding: await vector(content),
          ...(previous && i % 4 === 0 ? { derived_from: [{ parent_id: previous, reason: 'cites' }] } : {}),
        },
        { actor_id: 'loader' },
      );
      previous = c.id;
    }
    await store.close();
    return dir;
  };
  const big = await storeOf(2000, 'first');
  const env = (dir: string) => ({ FORGE_DATA_DIR: dir, FORGE_EMBEDDER: 'hashing', FORGE_EMBEDDING_DIM: '256', ...neo4jEnv(db) });

  // Killed while copying the capsules.
  const child = spawn(process.execPath, [CLI, 'migrate', '--to', 'neo4j', '--batch', '50'], { env: { PATH: process.env.PATH ?? '', ...env(big) } });
  const exited = new Promise((r) => child.on('exit', r));
  const target = await Neo4jGraphStore.open({ ...db, dimensions: 256 });
  cleanups.push(() => target.close());
  const copy = target.transferTarget();
  const atKill = await eventually(async () => {
    const p = await copy.progress();
    return (p?.done.capsules ?? 0) >= 300 ? p : undefined;
  }, 60_000);
  child.kill('SIGKILL');
  await exited;
  const stopped = await copy.progress();
  expect(stopped?.finished).toBe(false);
  expect(stopped?.done.capsules).toBeLessThan(2000);
  expect(stopped?.done.capsules).toBeGreaterThanOrEqual(atKill?.done.capsules ?? 0);

  // Run again: taken up where it stopped, each record once.
  const resumed = await migrate(env(big));
  expect(resumed.code, resumed.stderr).toBe(0);
  expect(resumed.report).toMatchObject({ start: 'resumed', audit: { ok: true, checked: 2000 }, counts: { capsules: { source: 2000, target: 2000 } } });
  expect(resumed.report?.copied).toBeLessThan(2000 + 2000 + 500);
  expect(await copy.counts()).toMatchObject({ capsules: 2000, audit: 2000, lineage: 499 });
  expect((await target.verifyAudit()).ok).toBe(true);

  // Another store into it: refused, nothing changed; with --replace, the other store is the copy.
  const small = await storeOf(30, 'second');
  const refused = await migrate(env(small));
  expect(refused.code).toBe(2);
  expect(refused.stderr).toMatch(/holds a copy of another store .* run again with --replace/);
  expect((await copy.counts()).capsules).toBe(2000);
  const replaced = await migrate(env(small), ['--replace']);
  expect(replaced.code, replaced.stderr).toBe(0);
  expect(replaced.report).toMatchObject({ start: 'fresh', counts: { capsules: { source: 30, target: 30 }, audit: { source: 30, target: 30 } } });
  expect((await target.searchCapsules({ text: 'second note 7', embedding: await vector('second note 7'), limit: 1 }))[0]?.capsule.content).toMatch(/^second note 7:/);

  // A target a Forge wrote to itself is not a copy: refused.
  await wipeNeo4j(db);
  const written = await Neo4jGraphStore.open({ ...db, dimensions: 256 });
  cleanups.push(() => written.close());
  await written.createCapsule({ content: 'written here', type: 'knowledge', owner_id: 'x', trust_level: 60, embedding: await vector('written here') }, { actor_id: 'x' });
  const notACopy = await migrate(env(small));
  expect(notACopy.code).toBe(2);
  expect(notACopy.stderr).toMatch(/already holds data that is not a copy of this store/);
  // Without NEO4J_URI the command says what to set.
  const unset = await migrate({ FORGE_DATA_DIR: small });
  expect(unset.stderr).toMatch(/NEO4J_URI/);
}, 180_000);
