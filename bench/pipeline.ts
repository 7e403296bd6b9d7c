/**
 * Pipeline benchmark: Forge's full seven-phase pipeline on embedded defaults against a raw BullMQ flow of
 * the same shape whose processors do nothing, in one run, on the same Redis and the same concurrency.
 *
 *   npm run bench:pipeline [-- --sequential 300 --total 2000 --in-flight 200]
 *
 * Prints a table, then one line of JSON with the ratios (ours / raw): p95 latency one request at a time,
 * and throughput with `--in-flight` requests outstanding.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { FlowProducer, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { createForge } from '../src/app.js';
import { loadSampleKnowledge, readSampleFile } from '../src/cli/sample.js';
import { loadConfig, PHASES, type ForgeConfig } from '../src/config/index.js';
import { buildRequestFlow, QUEUE_OF } from '../src/flows/request-flow.js';
import { percentile } from '../src/producers/load.js';
import { startLocalRedis } from '../src/redis/local-redis.js';
import { packageRoot } from '../src/util/package-root.js';

const { values } = parseArgs({
  options: { sequential: { type: 'string', default: '300' }, total: { type: 'string', default: '2000' }, 'in-flight': { type: 'string', default: '200' }, warmup: { type: 'string', default: '50' } },
});
const SEQUENTIAL = Number(values.sequential);
const TOTAL = Number(values.total);
const IN_FLIGHT = Number(values['in-flight']);
const WARMUP = Number(values.warmup);

interface Subject {
  readonly name: string;
  /** Submits request `i` and resolves when its root job has completed. */
  run(i: number): Promise<void>;
  /** Waits for work left behind (ours: metrics and storage jobs). */
  drain(): Promise<void>;
  close(): Promise<void>;
}

/** Resolves per-id waiters from a root worker's `completed` events. */
function completionTracker(root: Worker) {
  const waiting = new Map<string, () => void>();
  root.on('completed', (job: Job) => {
    const done = waiting.get(String(job.id));
    if (done) {
      waiting.delete(String(job.id));
      done();
    }
  });
  root.on('failed', (job) => console.error('root failed:', job?.id, job?.failedReason));
  return (rootJobId: string) => new Promise<void>((resolve) => waiting.set(rootJobId, resolve));
}

async function rawFlow(config: ForgeConfig, redisUrl: string): Promise<Subject> {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const flows = new FlowProducer({ connection, prefix: config.queuePrefix });
  const workers = PHASES.slice(0, 5).map(
    (phase) => new Worker(QUEUE_OF[phase], async () => ({ ok: true }), { connection, prefix: config.queuePrefix, concurrency: config.phases[phase].concurrency }),
  );
  const wait = completionTracker(workers[4] as Worker);
  return {
    name: 'raw BullMQ flow (no-op)',
    async run(i) {
      const id = randomUUID();
      const flow = buildRequestFlow(config, { request_id: id, correlation_id: id, query: `q ${i}`, caller: { id: 'b', roles: [], trust_level: 60 }, required_trust: 0, save_as_capsule: false });
      const done = wait(flow.opts?.jobId as string);
      await flows.add(flow);
      await done;
    },
    async drain() {},
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      await flows.close();
      connection.disconnect();
    },
  };
}

async function forgePipeline(config: ForgeConfig): Promise<Subject> {
  const forge = await createForge(config);
  const sample = readSampleFile(path.join(packageRoot(), 'samples', 'knowledge.json'));
  await loadSampleKnowledge(forge, sample);
  const workers = forge.startWorkers();
  const wait = completionTracker(workers.workers.get('intelligence') as Worker);
  const queries = sample.questions.map((q) => q.query);
  return {
    name: 'Forge pipeline (embedded defaults)',
    async run(i) {
      // Unique queries: the answer cache would otherwise serve most of them.
      const { record } = await forge.requests.submit(forge.localCaller, { query: `${queries[i % queries.length]} ${i}` });
      await wait(`${record.id}.intelligence`);
    },
    async drain() {
      for (;;) {
        const counts = await Promise.all([forge.queues.metrics, forge.queues.storage].map((q) => q.getJobCounts('waiting', 'active', 'delayed')));
        if (counts.every((c) => Object.values(c).every((n) => n === 0))) return;
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: () => forge.close(),
  };
}

async function sequential(subject: Subject): Promise<{ p50: number; p95: number; p99: number }> {
  for (let i = 0; i < WARMUP; i++) await subject.run(i);
  const latencies: number[] = [];
  for (let i = 0; i < SEQUENTIAL; i++) {
    const t0 = performance.now();
    await subject.run(WARMUP + i);
    latencies.push(performance.now() - t0);
  }
  await subject.drain();
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 50) as number, p95: percentile(latencies, 95) as number, p99: percentile(latencies, 99) as number };
}

async function throughput(subject: Subject): Promise<{ per_s: number; with_drain_per_s: number }> {
  let next = 0;
  const t0 = performance.now();
  const lane = async () => {
    while (next < TOTAL) await subject.run(1_000_000 + next++);
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  const elapsed = (performance.now() - t0) / 1000;
  await subject.drain();
  const withDrain = (performance.now() - t0) / 1000;
  return { per_s: TOTAL / elapsed, with_drain_per_s: TOTAL / withDrain };
}

const fmt = (n: number) => n.toFixed(2).padStart(9);

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'forge-bench-'));
  const redis = process.env.REDIS_URL ? null : await startLocalRedis({ dir: path.join(dataDir, 'redis') });
  const redisUrl = process.env.REDIS_URL ?? (redis?.url as string);
  const configFor = (prefix: string) => loadConfig({ ...process.env, REDIS_URL: redisUrl, FORGE_DATA_DIR: path.join(dataDir, prefix), FORGE_QUEUE_PREFIX: `{${prefix}}` });
  const results: Record<string, { seq: Awaited<ReturnType<typeof sequential>>; tp: Awaited<ReturnType<typeof throughput>> }> = {};
  try {
    for (const [key, make] of [
      ['raw', () => rawFlow(configFor(`bench-raw-${randomUUID().slice(0, 6)}`), redisUrl)],
      ['forge', () => forgePipeline(configFor(`bench-forge-${randomUUID().slice(0, 6)}`))],
    ] as const) {
      const subject = await make();
      process.stderr.write(`${subject.name}: ${SEQUENTIAL} sequential… `);
      const seq = await sequential(subject);
      process.stderr.write(`${TOTAL} with ${IN_FLIGHT} in flight… `);
      const tp = await throughput(subject);
      process.stderr.write('done\n');
      results[key] = { seq, tp };
      await subject.close();
    }
  } finally {
    await redis?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const raw = results.raw as (typeof results)[string];
  const ours = results.forge as (typeof results)[string];
  console.log(`\n${'subject'.padEnd(36)}   p50 ms    p95 ms    p99 ms   flows/s  +drain/s`);
  for (const [name, r] of [['raw BullMQ flow (no-op)', raw], ['Forge pipeline (embedded defaults)', ours]] as const) {
    console.log(`${name.padEnd(36)}${fmt(r.seq.p50)} ${fmt(r.seq.p95)} ${fmt(r.seq.p99)} ${fmt(r.tp.per_s)} ${fmt(r.tp.with_drain_per_s)}`);
  }
  const summary = {
    bench: 'pipeline',
    sequential: SEQUENTIAL,
    total: TOTAL,
    in_flight: IN_FLIGHT,
    p95_ratio: Number((ours.seq.p95 / raw.seq.p95).toFixed(3)),
    throughput_ratio: Number((ours.tp.per_s / raw.tp.per_s).toFixed(3)),
    raw: { p95_ms: Number(raw.seq.p95.toFixed(2)), flows_per_s: Number(raw.tp.per_s.toFixed(1)) },
    forge: { p95_ms: Number(ours.seq.p95.toFixed(2)), flows_per_s: Number(ours.tp.per_s.toFixed(1)), with_drain_per_s: Number(ours.tp.with_drain_per_s.toFixed(1)) },
  };
  console.log(JSON.stringify(summary));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
