import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterEach, beforeAll, expect, inject, it } from 'vitest';
import { createForge, type Forge } from '../src/app.js';
import { loadConfig } from '../src/config/index.js';
import { TERMINAL_STATUSES } from '../src/store/graph-store.js';
import { deleteKeys, eventually, CORE_READER } from './helpers/forge.js';

const root = path.resolve(import.meta.dirname, '..');
const cli = path.join(root, 'dist', 'src', 'cli', 'main.js');
beforeAll(() => {
  if (!existsSync(cli)) execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
}, 120_000);

const children: ChildProcess[] = [];
let forge: Forge | undefined;
let dir: string | undefined;
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  if (forge) {
    await forge.close();
    await deleteKeys(forge.config.redisUrl as string, forge.config.queuePrefix);
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
  forge = dir = undefined;
});

/** A `forge worker` process; resolves once it says it is ready. */
function startWorker(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [cli, 'worker'], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`worker not ready: ${out}`)), 20_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes('Forge ready')) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}: ${out}`)));
  });
}

it('loses no accepted request and stores none twice when a worker process is SIGKILLed mid-load', async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'forge-crash-'));
  const env = {
    REDIS_URL: inject('redisUrl'),
    FORGE_DATA_DIR: dir,
    FORGE_QUEUE_PREFIX: `{crash-${randomUUID().slice(0, 8)}}`,
    FORGE_LOCK_DURATION_MS: '2000',
    FORGE_STALLED_INTERVAL_MS: '500',
    FORGE_MAX_STALLED: '3',
    FORGE_SHUTDOWN_DRAIN_MS: '1000',
  };
  forge = await createForge(loadConfig(env));
  const admin = { id: 'root', roles: ['admin'], trust_level: 100 };
  await forge.capsules.create(admin, { content: 'Workers that die lose their locks; another worker takes their jobs over.', type: 'knowledge', trust_level: 60 });

  const first = await startWorker(env);
  const TOTAL = 500;
  const ids: string[] = [];
  for (let i = 0; i < TOTAL; i++) {
    const { record } = await forge.requests.submit(forge.localCaller, { query: `what happens when workers die? (${i})`, save_as_capsule: i % 5 === 0 });
    ids.push(record.id);
  }
  const ended = async () => {
    let n = 0;
    for (const id of ids) if (TERMINAL_STATUSES.has((await forge?.store.getRequest(id))?.status ?? 'queued')) n++;
    return n;
  };
  await eventually(async () => ((await ended()) >= 50 ? true : undefined), 30_000, 'some requests to finish');
  const endedAtKill = await ended();
  first.kill('SIGKILL');
  await new Promise((resolve) => first.once('exit', resolve));

  await startWorker(env);
  await eventually(async () => ((await ended()) === TOTAL ? true : undefined), 60_000, 'every request to end');

  const records = await Promise.all(ids.map(async (id) => forge?.store.getRequest(id)));
  const completed = records.filter((r) => r?.status === 'completed');
  const failed = records.filter((r) => r?.status === 'failed');
  const letters = await forge.dlq.list(CORE_READER, {}, { limit: 500, offset: 0 });
  const lettered = new Set(letters.items.map((l) => l.request_id));
  // Every request ended completed, or failed with its dead letter kept.
  expect(completed.length + failed.length).toBe(TOTAL);
  for (const f of failed) expect(lettered.has(f?.id ?? '')).toBe(true);
  // Nothing stored twice: one completion audit entry per completed request, one saved capsule per saved answer.
  await eventually(
    async () => {
      const audits = await forge?.store.listAudit({ limit: 5000, action: 'request.complete' });
      return audits?.length === completed.length ? audits : undefined;
    },
    30_000,
    'storage jobs',
  );
  const audits = await forge.store.listAudit({ limit: 5000, action: 'request.complete' });
  expect(new Set(audits.map((a) => a.entity_id)).size).toBe(audits.length);
  const saved = completed.filter((r) => r?.save_as_capsule).length;
  await eventually(async () => ((await forge?.store.listCapsules({ tag: 'answer' }, { limit: 500 }))?.items.length === saved ? true : undefined), 30_000, 'saved answers');
  console.log(
    `crash test: ${TOTAL} accepted, ${TOTAL - endedAtKill} in flight at SIGKILL, ${completed.length} completed, ${failed.length} dead-lettered, 0 lost, ${saved} answers saved once each`,
  );
}, 180_000);
