import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { expect, inject, it } from 'vitest';
import { DEAD_LETTER_QUEUE } from '../src/flows/request-flow.js';
import { SqliteGraphStore } from '../src/store/sqlite/sqlite-graph-store.js';
import { uuidV5 } from '../src/util/ids.js';
import { deleteKeys, eventually } from './helpers/forge.js';
import { s3Env, startLocalS3 } from './helpers/s3.js';
import { compileWat } from './helpers/wat.js';
import { CLI, startForge } from './helpers/processes.js';

const cli = CLI;

it('a fleet (one ingress, two workers, one Redis, SQLite shared in WAL, blobs on S3) completes 1,000 requests exactly once with a worker SIGKILLed mid-way', async () => {
  if (!existsSync(cli)) throw new Error('build first: npm run build (scripts/test.sh does)');
  const s3 = await startLocalS3();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'forge-fleet-'));
  const prefix = `{fleet-${randomUUID().slice(0, 8)}}`;
  const env = {
    REDIS_URL: inject('redisUrl'),
    FORGE_QUEUE_PREFIX: prefix,
    FORGE_DATA_DIR: dataDir,
    ...s3Env(s3),
    // A killed worker's jobs are taken back after its lock lapses: short here, so the test is quick.
    FORGE_LOCK_DURATION_MS: '2000',
    FORGE_STALLED_INTERVAL_MS: '1000',
    FORGE_BACKOFF_MS: '50',
    FORGE_HEALTH_INTERVAL_MS: '0',
  };
  const started: ChildProcess[] = [];
  try {
    const ingress = await startForge('ingress', env);
    started.push(ingress.child);
    const base = /API (http:\/\/\S+)\/v2/.exec(ingress.ready)?.[1] as string;
    const key = readFileSync(path.join(dataDir, 'admin.key'), 'utf8').trim();
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const [a, b] = await Promise.all([startForge('worker', { ...env, FORGE_PROBE_PORT: '0' }), startForge('worker', env)]);
    started.push(a.child, b.child);
    // The worker's own probe port answers liveness.
    const probe = /probes (http:\/\/\S+)\/healthz/.exec(a.ready)?.[1] as string;
    expect(await (await fetch(`${probe}/healthz`)).json()).toEqual({ ok: true });

    // Some knowledge to answer from, written through the ingress.
    for (const content of ['Settlement runs nightly at 23:00 UTC.', 'Fraud screening blocks payments above a risk score of 0.8.']) {
      expect((await fetch(`${base}/v2/capsules`, { method: 'POST', headers, body: JSON.stringify({ content, type: 'knowledge' }) })).status).toBe(201);
    }

    // An overlay registered through the ingress: its module goes to S3, and both workers load it from there
    // to run it in every request's analysis phase.
    const form = new FormData();
    form.set(
      'manifest',
      new Blob(['name: echo-analysis\nversion: 1.0.0\nentry_points: [echo]\nphases: [analysis]\ncapabilities: [capsule:read, event:publish]\n']),
      'manifest.yaml',
    );
    form.set('wasm', new Blob([await compileWat('abi-test')]), 'overlay.wasm');
    const overlay = (await (await fetch(`${base}/v2/overlays`, { method: 'POST', body: form, headers: { authorization: headers.authorization } })).json()) as {
      id: string;
      blob_key: string;
    };
    expect(existsSync(path.join(dataDir, 'blobs'))).toBe(false);
    expect((await fetch(`${base}/v2/overlays/${overlay.id}/activate`, { method: 'POST', headers, body: '{}' })).status).toBe(200);

    const ids: string[] = [];
    const submit = async (i: number) => {
      const res = await fetch(`${base}/v2/requests`, {
        method: 'POST',
        headers: { ...headers, 'idempotency-key': `fleet-${i}` },
        body: JSON.stringify({ query: `When does settlement run? (${i})`, save_as_capsule: i % 10 === 0 }),
      });
      expect(res.status).toBe(202);
      ids[i] = ((await res.json()) as { id: string }).id;
    };
    const store = await SqliteGraphStore.open({ file: path.join(dataDir, 'forge.db') });
    const completed = async () => {
      let n = 0;
      for (const id of ids.filter(Boolean)) if ((await store.getRequest(id))?.status === 'completed') n++;
      return n;
    };
    for (let i = 0; i < 400; i += 50) await Promise.all(Array.from({ length: 50 }, (_, j) => submit(i + j)));
    // Mid-way, with work in flight: one worker dies without a chance to hand anything back.
    await eventually(async () => ((await completed()) >= 100 ? true : undefined), 30_000, '100 requests completed');
    a.child.kill('SIGKILL');
    for (let i = 400; i < 1000; i += 50) await Promise.all(Array.from({ length: 50 }, (_, j) => submit(i + j)));
    await eventually(async () => ((await completed()) === 1000 ? true : undefined), 90_000, 'all 1,000 requests completed');

    // Exactly once: each request completed once, audited once, and its answer (when asked) saved once; each
    // ran the overlay from S3.
    for (const [i, id] of ids.entries()) {
      expect((await store.getRequest(id))?.result, id).toMatchObject({ overlays: { analysis: { 'echo-analysis': { success: true } } } });
      const audit = await store.listAudit({ limit: 10, entity_id: id });
      expect(
        audit.filter((e) => e.action === 'request.complete'),
        id,
      ).toHaveLength(1);
      if (i % 10 === 0) {
        await eventually(async () => ((await store.getCapsule(uuidV5(`answer:${id}`))) ? true : undefined), 30_000, `answer of ${id} saved`);
      }
    }
    expect(new Set(ids).size).toBe(1000);
    const deadLetters = new Queue(DEAD_LETTER_QUEUE, { connection: { url: env.REDIS_URL }, prefix });
    expect((await deadLetters.getJobCounts()).waiting ?? 0).toBe(0);
    await deadLetters.close();
    await store.close();
  } finally {
    for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await Promise.all(started.map((child) => (child.exitCode === null && child.signalCode === null ? new Promise((resolve) => child.once('exit', resolve)) : null)));
    await deleteKeys(inject('redisUrl'), prefix);
    await s3.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 240_000);
