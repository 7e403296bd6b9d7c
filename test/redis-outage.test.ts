import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { createForge, type Forge } from '../src/app.js';
import { loadConfig } from '../src/config/index.js';
import { startLocalRedis, type LocalRedis } from '../src/redis/local-redis.js';
import { TERMINAL_STATUSES } from '../src/store/graph-store.js';
import { authHeaders, eventually, serve } from './helpers/forge.js';

let redis: LocalRedis | undefined;
let forge: Forge | undefined;
let server: Server | undefined;
let dir: string | undefined;
afterEach(async () => {
  if (server) await new Promise((r) => server?.close(r));
  await forge?.close();
  await redis?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  server = forge = redis = dir = undefined;
});

it('answers 503 with Retry-After while Redis is down, and loses no accepted request across a Redis restart (AOF)', async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'forge-outage-'));
  redis = await startLocalRedis({ dir: path.join(dir, 'redis'), appendOnly: true });
  const port = redis.port;
  forge = await createForge(
    loadConfig({
      REDIS_URL: redis.url,
      FORGE_DATA_DIR: dir,
      FORGE_BACKOFF_MS: '50',
      FORGE_SHUTDOWN_DRAIN_MS: '2000',
      // Jobs that were active when Redis went away may have lost their locks: they come back as stalled jobs,
      // after the lock duration and a stalled check. Short settings keep the test quick.
      FORGE_LOCK_DURATION_MS: '2000',
      FORGE_STALLED_INTERVAL_MS: '500',
      FORGE_MAX_STALLED: '5',
    }),
  );
  forge.startWorkers();
  const http = await serve(forge);
  server = http.server;
  const post = (query: string) =>
    fetch(`${http.url}/v2/requests`, { method: 'POST', headers: { 'content-type': 'application/json', ...authHeaders(http.url) }, body: JSON.stringify({ query }) });

  // Submit a burst and take Redis away while it is being accepted and worked on.
  const accepted: string[] = [];
  let refusedDuringStop = 0;
  let stopping: Promise<void> | undefined;
  const currentRedis = redis;
  await Promise.all(
    Array.from({ length: 300 }, async (_, i) => {
      const res = await post(`question ${i}`).catch(() => null);
      if (res?.status === 202) {
        accepted.push(((await res.json()) as { id: string }).id);
        if (accepted.length === 100) stopping = currentRedis.stop();
      } else {
        expect(res === null || res.status === 503).toBe(true);
        refusedDuringStop++;
      }
    }),
  );
  await stopping;
  let inFlight = 0;
  for (const id of accepted) if (!TERMINAL_STATUSES.has((await forge.store.getRequest(id))?.status ?? 'queued')) inFlight++;
  await eventually(async () => (forge?.fleet.available() === false ? true : undefined), 5000, 'disconnect noticed');

  const started = performance.now();
  const refused = await post('while down');
  expect(refused.status).toBe(503);
  expect(refused.headers.get('retry-after')).toBe('5');
  expect(performance.now() - started).toBeLessThan(500);
  // Reads that need only the graph store still work.
  expect((await fetch(`${http.url}/v2/capsules`, { headers: authHeaders(http.url) })).status).toBe(200);

  // Redis comes back with its AOF on the same port: Forge reconnects, accepts again, and finishes the batch.
  redis = await startLocalRedis({ dir: path.join(dir, 'redis'), appendOnly: true, port });
  await eventually(async () => ((await post('after restart')).status === 202 ? true : undefined), 15_000, 'accepting again');
  for (const id of accepted) {
    const record = await eventually(
      async () => {
        const r = await forge?.store.getRequest(id);
        return r && TERMINAL_STATUSES.has(r.status) ? r : undefined;
      },
      30_000,
      `request ${id} to end`,
    );
    expect(record.status).toBe('completed');
  }
  expect(inFlight).toBeGreaterThan(0);
  console.log(
    `redis outage test: 300 submitted, ${accepted.length} accepted, ${refusedDuringStop} refused with 503 while down, ${inFlight} accepted ones in flight when Redis stopped, ${accepted.length} completed, 0 dead-lettered, 0 lost`,
  );
}, 120_000);
