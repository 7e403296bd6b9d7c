import { execFile } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import { afterEach, expect, it } from 'vitest';
import { auditHash } from '../src/store/records.js';
import { createServedForge, type ServedForge } from './helpers/forge.js';

let t: ServedForge | undefined;
afterEach(async () => {
  await t?.cleanup();
  t = undefined;
});

/** Direct access to the store's file, as someone with the graph store's host would have. */
function sqlite(served: ServedForge) {
  return new Database(path.join(served.dataDir, 'forge.db'));
}

async function withEntries(n: number): Promise<ServedForge> {
  const served = await createServedForge();
  for (let i = 0; i < n; i++) await served.forge.store.appendAudit({ actor_id: 'clerk', action: 'ledger.note', entity_type: 'ledger', entity_id: `e${i}` });
  const checkpoint = await served.forge.audit.checkpoint();
  expect(checkpoint).not.toBeNull();
  return served;
}

const lastSeq = async (served: ServedForge) => ((await served.forge.store.listAudit({ limit: 1 }))[0]?.seq ?? 0) as number;

it('verifies an intact log against its signed checkpoint', async () => {
  t = await withEntries(5);
  const v = await t.forge.audit.verify();
  expect(v).toMatchObject({ ok: true, broken_at: null, problems: [], checkpoint: { seq: await lastSeq(t), signature_valid: true } });
});

it('detects a truncated tail, which the hash chain alone cannot see, and keeps the evidence', async () => {
  t = await withEntries(6);
  const head = await lastSeq(t);
  const db = sqlite(t);
  db.prepare('DELETE FROM audit_log WHERE seq > ?').run(head - 2);
  db.close();
  expect((await t.forge.store.verifyAudit()).ok).toBe(true); // the chain itself still holds
  const v = await t.forge.audit.verify();
  expect(v.ok).toBe(false);
  expect(v.problems.join('\n')).toContain(`entry ${head}, checkpointed at`);
  expect(v.problems.join('\n')).toContain('the log was truncated');
  // New entries past the old head do not let the checkpoint move on and hide it.
  for (let i = 0; i < 5; i++) await t.forge.store.appendAudit({ actor_id: 'clerk', action: 'ledger.note', entity_type: 'ledger', entity_id: `again${i}` });
  expect(await t.forge.audit.checkpoint()).toBeNull();
  const after = await t.forge.audit.verify();
  expect(after.ok).toBe(false);
  expect(after.checkpoint?.seq).toBe(head);
});

it('detects an entry edited with every later hash recomputed', async () => {
  t = await withEntries(5);
  const db = sqlite(t);
  const rows = db.prepare('SELECT * FROM audit_log ORDER BY seq').all() as Array<Record<string, string | number>>;
  let prev = '0'.repeat(64);
  for (const row of rows) {
    const details = row.seq === 2 ? { forged: true } : JSON.parse(row.details as string);
    const entry = {
      id: row.id as string,
      at: row.at as string,
      actor_id: row.actor_id as string,
      action: row.action as string,
      entity_type: row.entity_type as string,
      entity_id: row.entity_id as string,
      details,
    };
    const hash = auditHash(prev, entry);
    db.prepare('UPDATE audit_log SET details = ?, prev_hash = ?, hash = ? WHERE seq = ?').run(JSON.stringify(details), prev, hash, row.seq);
    prev = hash;
  }
  db.close();
  expect((await t.forge.store.verifyAudit()).ok).toBe(true);
  const v = await t.forge.audit.verify();
  expect(v.ok).toBe(false);
  expect(v.problems.join('\n')).toContain('has a different hash than was checkpointed');
});

it('refuses a checkpoint not signed with the audit key, over HTTP and from the command line', async () => {
  t = await withEntries(3);
  const redis = new Redis(t.config.redisUrl as string);
  const key = `${t.config.queuePrefix}:audit:checkpoint`;
  const stored = JSON.parse((await redis.get(key)) as string) as Record<string, unknown>;
  await redis.set(key, JSON.stringify({ ...stored, signature: 'ab'.repeat(32) }));
  redis.disconnect();
  const res = await fetch(`${t.url}/v2/system/audit-log?verify=true&limit=1`, { headers: { authorization: `Bearer ${t.admin.apiKey}` } });
  const body = (await res.json()) as { verification: { ok: boolean; problems: string[]; checkpoint: { signature_valid: boolean } } };
  expect(body.verification).toMatchObject({ ok: false, checkpoint: { signature_valid: false } });
  expect(body.verification.problems[0]).toContain('not written with this audit key');

  const cli = path.resolve(import.meta.dirname, '..', 'dist', 'src', 'cli', 'main.js');
  const run = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = execFile(process.execPath, [cli, 'audit', 'verify', '--target', t?.url ?? '', '--api-key', t?.admin.apiKey ?? ''], (err, _stdout, stderr) =>
      resolve({ code: err ? ((err as NodeJS.ErrnoException & { code?: number }).code ?? 1) : 0, stderr }),
    );
    void child;
  });
  expect(run.code).toBe(1);
  expect(run.stderr).toContain('not written with this audit key');
});

it('checkpoints on its own while entries are added', async () => {
  const { eventually } = await import('./helpers/forge.js');
  t = await createServedForge({ FORGE_AUDIT_CHECKPOINT_MS: '100' });
  for (let i = 0; i < 3; i++) await t.forge.store.appendAudit({ actor_id: 'clerk', action: 'ledger.note', entity_type: 'ledger', entity_id: `auto${i}` });
  const head = await lastSeq(t);
  const served = t;
  const checkpoint = await eventually(
    async () => {
      const v = await served.forge.audit.verify();
      return v.checkpoint?.seq === head ? v : undefined;
    },
    5000,
    'a checkpoint at the head',
  );
  expect(checkpoint.ok).toBe(true);
});
