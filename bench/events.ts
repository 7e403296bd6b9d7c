/**
 * Event bus and cascade benchmark.
 *
 *   npm run bench:events                     # defaults: --events 5000 --cascades 100 --in-flight 20
 *
 * 1. Delivery throughput: `--events` events published (50 at a time) to one subscriber, until the last
 *    is delivered — against a raw BullMQ baseline of the same shape measured in the same run: as many jobs
 *    added in batches to a queue and run by a no-op worker with the same concurrency (16). Forge also
 *    validates, records each event and its delivery, and checks for redelivery.
 * 2. Cascade hop latency through the core overlays: `--cascades` security_threat events, each starting the
 *    spec's four-hop chain (ml-intelligence → performance-optimizer → symbolic-governance → audit-log),
 *    first one at a time, then `--in-flight` at once. A hop's latency is from its event being recorded to
 *    its delivery being recorded (queueing, the overlay's on_event in the sandbox, the next event
 *    published).
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { createForge, type Forge } from '../src/app.js';
import { builtOverlays, installOverlays } from '../src/cli/core-overlays.js';
import { loadConfig } from '../src/config/index.js';
import { percentile } from '../src/producers/load.js';
import { startLocalRedis } from '../src/redis/local-redis.js';
import { packageRoot } from '../src/util/package-root.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '5000' },
    cascades: { type: 'string', default: '100' },
    'in-flight': { type: 'string', default: '20' },
  },
});
const EVENTS = Number(values.events);
const CASCADES = Number(values.cascades);
const IN_FLIGHT = Number(values['in-flight']);
const BATCH = 50;
const ADMIN = { id: 'bench', roles: ['admin'], trust_level: 100 };

async function rawDeliveries(redisUrl: string): Promise<number> {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const prefix = `{bench-raw-${randomUUID().slice(0, 6)}}`;
  const queue = new Queue('raw-events', { connection, prefix });
  let done = 0;
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((r) => (finish = r));
  const worker = new Worker(
    'raw-events',
    async () => {
      if (++done === EVENTS) finish();
      return { delivered: true };
    },
    { connection, prefix, concurrency: 16 },
  );
  const started = performance.now();
  for (let i = 0; i < EVENTS; i += BATCH) {
    await queue.addBulk(
      Array.from({ length: Math.min(BATCH, EVENTS - i) }, (_, j) => ({
        name: 'deliver',
        data: { event_id: randomUUID(), subscriber: 'sink' },
        opts: { jobId: `${i + j}.sink`, priority: 10, attempts: 5, backoff: { type: 'exponential', delay: 200 }, removeOnComplete: { age: 3600, count: 10_000 } },
      })),
    );
  }
  await finished;
  const perS = EVENTS / ((performance.now() - started) / 1000);
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  connection.disconnect();
  return perS;
}

async function forgeDeliveries(forge: Forge): Promise<number> {
  let done = 0;
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((r) => (finish = r));
  forge.events.subscribe('sink', ['custom.bench'], async () => {
    if (++done === EVENTS) finish();
  });
  const started = performance.now();
  for (let i = 0; i < EVENTS; i += BATCH) {
    await Promise.all(
      Array.from({ length: Math.min(BATCH, EVENTS - i) }, (_, j) =>
        forge.events.publish({ kind: 'custom.bench', payload: { n: i + j }, trust_level: 40, source: { type: 'system', id: 'bench', name: 'bench' } }),
      ),
    );
  }
  await finished;
  return EVENTS / ((performance.now() - started) / 1000);
}

/** Runs `n` cascades, `inFlight` at a time; returns every hop's latency and every whole cascade's, in ms. */
async function cascades(forge: Forge, n: number, inFlight: number): Promise<{ hops: number[]; whole: number[] }> {
  const hops: number[] = [];
  const whole: number[] = [];
  const analyst = { id: 'bench-analyst', roles: ['contributor'], trust_level: 60 };
  const one = async (i: number) => {
    const start = await forge.eventLog.publish(analyst, { kind: 'security_threat', payload: { pattern: `bench-${i}`, severity: 'low' } });
    for (;;) {
      const links = await forge.store.listCascadeLinks(start.id);
      if (links.filter((l) => l.outcome === 'delivered').length >= 4) {
        const events = new Map((await forge.store.listEvents({ cascade_id: start.id, limit: 10 })).map((e) => [e.id, e]));
        for (const l of links) hops.push(Date.parse(l.at) - Date.parse(events.get(l.event_id)?.created_at ?? l.at));
        whole.push(Math.max(...links.map((l) => Date.parse(l.at))) - Date.parse(start.created_at));
        return;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  for (let i = 0; i < n; i += inFlight) await Promise.all(Array.from({ length: Math.min(inFlight, n - i) }, (_, j) => one(i + j)));
  return { hops, whole };
}

const ms = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), max: sorted.at(-1) ?? null };
};

async function main(): Promise<void> {
  if (builtOverlays().length < 6) execFileSync(process.execPath, [path.join(packageRoot(), 'scripts', 'build-overlays.mjs')], { stdio: 'inherit' });
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'forge-bench-events-'));
  const redis = process.env.REDIS_URL ? null : await startLocalRedis({ dir: path.join(dataDir, 'redis') });
  const redisUrl = process.env.REDIS_URL ?? (redis?.url as string);
  try {
    process.stderr.write(`raw BullMQ: ${EVENTS} jobs… `);
    const raw = await rawDeliveries(redisUrl);
    process.stderr.write(`${raw.toFixed(0)}/s\nForge: ${EVENTS} events… `);
    const forge = await createForge(
      loadConfig({
        ...process.env,
        REDIS_URL: redisUrl,
        FORGE_DATA_DIR: path.join(dataDir, 'forge'),
        FORGE_QUEUE_PREFIX: `{bench-events-${randomUUID().slice(0, 6)}}`,
        FORGE_OUTBOX_INTERVAL_MS: '0',
      }),
    );
    try {
      forge.startWorkers();
      const ours = await forgeDeliveries(forge);
      process.stderr.write(`${ours.toFixed(0)}/s\ncascades through the core overlays: ${CASCADES} one at a time… `);
      await installOverlays(forge, ADMIN, builtOverlays());
      await cascades(forge, 5, 1); // warm the overlay threads
      const sequential = await cascades(forge, CASCADES, 1);
      process.stderr.write(`${CASCADES} with ${IN_FLIGHT} in flight… `);
      const concurrent = await cascades(forge, CASCADES, IN_FLIGHT);
      process.stderr.write('done\n\n');
      const s = { hop: ms(sequential.hops), whole: ms(sequential.whole) };
      const c = { hop: ms(concurrent.hops), whole: ms(concurrent.whole) };
      console.log(`delivery throughput: raw BullMQ ${raw.toFixed(0)} jobs/s · Forge ${ours.toFixed(0)} events/s delivered · ratio ${(ours / raw).toFixed(3)}`);
      console.log(`cascade hop latency, one cascade at a time: p50 ${s.hop.p50} ms · p95 ${s.hop.p95} ms (whole 4-hop cascade p50 ${s.whole.p50} ms · p95 ${s.whole.p95} ms)`);
      console.log(`cascade hop latency, ${IN_FLIGHT} cascades at once: p50 ${c.hop.p50} ms · p95 ${c.hop.p95} ms (whole p50 ${c.whole.p50} ms · p95 ${c.whole.p95} ms)`);
      console.log(
        JSON.stringify({
          bench: 'events',
          events: EVENTS,
          raw_jobs_per_s: Math.round(raw),
          forge_events_per_s: Math.round(ours),
          delivery_ratio: Number((ours / raw).toFixed(3)),
          cascades: CASCADES,
          hop_ms: { sequential: s.hop, concurrent: c.hop },
          cascade_ms: { sequential: s.whole, concurrent: c.whole },
        }),
      );
    } finally {
      await forge.close();
    }
  } finally {
    await redis?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
