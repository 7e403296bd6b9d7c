/**
 * Pipeline benchmark: Forge's full seven-phase pipeline on embedded defaults against a raw BullMQ flow of
 * the same shape whose processors do nothing, in one run, on the same Redis and the same concurrency.
 *
 *   npm run bench:pipeline [-- --rounds 3 --sequential 300 --total 2000 --in-flight 200 --only forge|raw]
 *
 * `--only` runs one subject (for profiling with `node --cpu-prof dist/bench/pipeline.js --only forge`);
 * its ratios are then meaningless.
 *
 * Prints a table, then one line of JSON with the ratios (ours / raw): p95 latency one request at a time,
 * and throughput with `--in-flight` requests outstanding.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { FlowProducer, Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { createForge } from '../src/app.js';
import { loadSampleKnowledge, readSampleFile } from '../src/cli/sample.js';
import { loadConfig, PHASES, type ForgeConfig } from '../src/config/index.js';
import { buildRequestFlow, phaseJobId, phaseJobOptions, QUEUE_OF, type RequestJobData } from '../src/flows/request-flow.js';
import { percentile } from '../src/producers/load.js';
import { startLocalRedis } from '../src/redis/local-redis.js';
import { packageRoot } from '../src/util/package-root.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    sequential: { type: 'string', default: '300' },
    total: { type: 'string', default: '2000' },
    'in-flight': { type: 'string', default: '200' },
    warmup: { type: 'string', default: '50' },
    only: { type: 'string' },
  },
});
const ROUNDS = Number(values.rounds);
const SEQUENTIAL = Number(values.sequential);
const TOTAL = Number(values.total);
const IN_FLIGHT = Number(values['in-flight']);
const WARMUP = Number(values.warmup);
const ONLY = values.only;
if (ONLY !== undefined && ONLY !== 'forge' && ONLY !== 'raw') throw new Error(`--only takes forge or raw, not ${ONLY}`);

interface Subject {
  readonly name: string;
  /** Submits request `i` and resolves when its root job has completed. */
  run(i: number): Promise<void>;
  /** Waits for work left behind (the metrics and storage jobs). */
  drain(): Promise<void>;
  /** Requests run and jobs completed over every queue since the counts were last reset: the shape it ran. */
  readonly counts: { requests: number; jobs: number };
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

/**
 * The baseline: Forge's exact tree and failure options with no-op processors, and — like Forge — the two
 * fire-and-forget jobs (metrics, storage) added in one MULTI (`FlowProducer.addBulk`) when the root
 * completes, run by no-op workers. Seven jobs per request, as Forge's.
 */
async function rawFlow(config: ForgeConfig, redisUrl: string): Promise<Subject> {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const flows = new FlowProducer({ connection, prefix: config.queuePrefix });
  const noop = async () => ({ ok: true });
  const root = async (job: Job<RequestJobData>) => {
    const id = job.data.request_id;
    await flows.addBulk(
      (['metrics', 'storage'] as const).map((phase) => ({
        name: phase,
        queueName: QUEUE_OF[phase],
        prefix: config.queuePrefix,
        data: { request_id: id },
        opts: { ...phaseJobOptions(config, phase), jobId: phaseJobId(id, phase) },
      })),
    );
    return { ok: true };
  };
  const workers = PHASES.map(
    (phase) => new Worker(QUEUE_OF[phase], phase === 'intelligence' ? root : noop, { connection, prefix: config.queuePrefix, concurrency: config.phases[phase].concurrency }),
  );
  const wait = completionTracker(workers[PHASES.indexOf('intelligence')] as Worker);
  const counts = countCompleted(workers);
  const fireAndForget = PHASES.filter((p) => p === 'metrics' || p === 'storage').map((p) => new Queue(QUEUE_OF[p], { connection, prefix: config.queuePrefix }));
  return {
    name: 'raw BullMQ flow (no-op)',
    async run(i) {
      const id = randomUUID();
      const flow = buildRequestFlow(config, {
        request_id: id,
        correlation_id: id,
        query: `q ${i}`,
        caller: { id: 'b', roles: [], trust_level: 60 },
        required_trust: 0,
        save_as_capsule: false,
      });
      const done = wait(flow.opts?.jobId as string);
      counts.requests++;
      await flows.add(flow);
      await done;
    },
    drain: () => drainQueues(fireAndForget),
    counts,
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      await Promise.all(fireAndForget.map((q) => q.close()));
      await flows.close();
      connection.disconnect();
    },
  };
}

function countCompleted(workers: Iterable<Worker>): { requests: number; jobs: number } {
  const counts = { requests: 0, jobs: 0 };
  for (const w of workers) w.on('completed', () => counts.jobs++);
  return counts;
}

/** Resolves once the queues have no waiting, active or delayed job (polled: BullMQ has no "drained" event across queues). */
async function drainQueues(queues: readonly Queue[]): Promise<void> {
  for (;;) {
    const counts = await Promise.all(queues.map((q) => q.getJobCounts('waiting', 'active', 'delayed')));
    if (counts.every((c) => Object.values(c).every((n) => n === 0))) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function forgePipeline(config: ForgeConfig): Promise<Subject> {
  const forge = await createForge(config);
  const sample = readSampleFile(path.join(packageRoot(), 'samples', 'knowledge.json'));
  await loadSampleKnowledge(forge, sample);
  const workers = forge.startWorkers();
  // The bench runs one queue partition (the default).
  const wait = completionTracker((workers.workers.get('intelligence') as readonly Worker[])[0] as Worker);
  const counts = countCompleted([...workers.workers.values()].flat());
  const queries = sample.questions.map((q) => q.query);
  return {
    name: 'Forge pipeline (embedded defaults)',
    async run(i) {
      // Unique queries: the answer cache would otherwise serve most of them.
      counts.requests++;
      const { record } = await forge.requests.submit(forge.localCaller, { query: `${queries[i % queries.length]} ${i}` });
      await wait(`${record.id}.intelligence`);
    },
    drain: () => drainQueues([forge.queues.phases.metrics, forge.queues.phases.storage]),
    counts,
    close: () => forge.close(),
  };
}

let counter = 0;
async function sequential(subject: Subject): Promise<{ p50: number; p95: number; p99: number }> {
  for (let i = 0; i < WARMUP; i++) await subject.run(counter++);
  const latencies: number[] = [];
  for (let i = 0; i < SEQUENTIAL; i++) {
    const t0 = performance.now();
    await subject.run(counter++);
    latencies.push(performance.now() - t0);
  }
  await subject.drain();
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 50) as number, p95: percentile(latencies, 95) as number, p99: percentile(latencies, 99) as number };
}

/**
 * CPU time (user + system, ms) the redis-server process has used, from /proc; null when Redis is not ours
 * (REDIS_URL) or /proc is absent. The machine's two halves: this process, and the Redis it drives.
 */
let redisPid: number | null = null;
function redisCpuMs(): number | null {
  if (redisPid === null) return null;
  try {
    const fields = readFileSync(`/proc/${redisPid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    // utime and stime are fields 14 and 15 of stat, in clock ticks (USER_HZ, 100 on Linux).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return null;
  }
}

async function throughput(subject: Subject): Promise<{ per_s: number; with_drain_per_s: number; cpu_ms: number; redis_cpu_ms: number | null; loop_busy: number }> {
  let next = 0;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const redis0 = redisCpuMs();
  const loop0 = performance.eventLoopUtilization();
  const lane = async () => {
    while (next < TOTAL) {
      next++;
      await subject.run(counter++);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  const elapsed = (performance.now() - t0) / 1000;
  // Share of the time the main thread was busy while requests were outstanding: near 1, it is the bottleneck.
  const loopBusy = performance.eventLoopUtilization(loop0).utilization;
  await subject.drain();
  const withDrain = (performance.now() - t0) / 1000;
  // This process's CPU (main thread and its helpers) per request, drain included: steadier than wall time
  // on a shared machine, and what bounds throughput while the process is CPU-bound.
  const cpu = process.cpuUsage(cpu0);
  const redis1 = redisCpuMs();
  return {
    per_s: TOTAL / elapsed,
    with_drain_per_s: TOTAL / withDrain,
    cpu_ms: (cpu.user + cpu.system) / 1000 / TOTAL,
    redis_cpu_ms: redis0 === null || redis1 === null ? null : (redis1 - redis0) / TOTAL,
    loop_busy: loopBusy,
  };
}

const fmt = (n: number) => n.toFixed(2).padStart(9);

/**
 * Rewrites the AOF now and waits for it to finish. An automatic rewrite (a fork, and a child rewriting the
 * whole dataset for seconds) would otherwise land on whichever subject happens to run when the file has
 * doubled, costing it a core on a small machine; the bench turns them off and rewrites between runs. What
 * each request appends to the AOF is still measured.
 */
async function rewriteAof(admin: Redis): Promise<void> {
  await admin.bgrewriteaof().catch(() => undefined); // already running: wait for that one
  const deadline = Date.now() + 120_000;
  for (;;) {
    const info = await admin.info('persistence');
    if (/aof_rewrite_in_progress:0/.test(info) && /aof_rewrite_scheduled:0/.test(info)) return;
    if (Date.now() > deadline) throw new Error('the AOF rewrite did not finish within 120 s');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'forge-bench-'));
  const redis = process.env.REDIS_URL ? null : await startLocalRedis({ dir: path.join(dataDir, 'redis') });
  const redisUrl = process.env.REDIS_URL ?? (redis?.url as string);
  redisPid = redis?.pid ?? null;
  const admin = redis ? new Redis(redisUrl) : null;
  await admin?.config('SET', 'auto-aof-rewrite-percentage', '0');
  const configFor = (prefix: string) => loadConfig({ ...process.env, REDIS_URL: redisUrl, FORGE_DATA_DIR: path.join(dataDir, prefix), FORGE_QUEUE_PREFIX: `{${prefix}}` });
  const raw = { seq: [] as Array<Awaited<ReturnType<typeof sequential>>>, tp: [] as Array<Awaited<ReturnType<typeof throughput>>> };
  const ours = { seq: [] as typeof raw.seq, tp: [] as typeof raw.tp };
  const jobsPerRequest = { raw: 0, forge: 0 };
  try {
    // Both subjects live side by side (own prefixes, same Redis) and alternate, round by round, so a
    // machine that speeds up or slows down during the run affects both alike.
    const subjects: Array<readonly [Subject, typeof raw, 'raw' | 'forge']> = [];
    if (ONLY !== 'forge') subjects.push([await rawFlow(configFor(`bench-raw-${randomUUID().slice(0, 6)}`), redisUrl), raw, 'raw']);
    if (ONLY !== 'raw') subjects.push([await forgePipeline(configFor(`bench-forge-${randomUUID().slice(0, 6)}`)), ours, 'forge']);
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [subject, into] of subjects) {
        Object.assign(subject.counts, { requests: 0, jobs: 0 });
        if (admin) await rewriteAof(admin);
        process.stderr.write(`round ${round}/${ROUNDS} ${subject.name}: ${SEQUENTIAL} one at a time… `);
        into.seq.push(await sequential(subject));
        process.stderr.write(`${TOTAL} with ${IN_FLIGHT} in flight… `);
        into.tp.push(await throughput(subject));
        process.stderr.write('done\n');
      }
    }
    // Every request of the last round has drained: completed jobs over requests is the shape each ran.
    for (const [subject, , key] of subjects) jobsPerRequest[key] = Number((subject.counts.jobs / subject.counts.requests).toFixed(2));
    for (const [subject] of subjects) await subject.close();
  } finally {
    admin?.disconnect();
    await redis?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] as number;
  const summarize = (r: typeof raw) => ({
    p50: median(r.seq.map((x) => x.p50)),
    p95: median(r.seq.map((x) => x.p95)),
    p99: median(r.seq.map((x) => x.p99)),
    per_s: median(r.tp.map((x) => x.per_s)),
    with_drain_per_s: median(r.tp.map((x) => x.with_drain_per_s)),
    cpu_ms: median(r.tp.map((x) => x.cpu_ms)),
    redis_cpu_ms: r.tp.every((x) => x.redis_cpu_ms !== null) ? median(r.tp.map((x) => x.redis_cpu_ms as number)) : null,
    loop_busy: median(r.tp.map((x) => x.loop_busy)),
  });
  console.log(`\n${'subject'.padEnd(36)}   p50 ms    p95 ms    p99 ms   flows/s  +drain/s  jobs/req  cpu ms/req  redis ms/req  loop busy`);
  for (const [name, x, key] of [
    ['raw BullMQ flow (no-op)', raw, 'raw'],
    ['Forge pipeline (embedded defaults)', ours, 'forge'],
  ] as const) {
    if (x.tp.length === 0) continue;
    const m = summarize(x);
    console.log(
      `${name.padEnd(36)}${fmt(m.p50)} ${fmt(m.p95)} ${fmt(m.p99)} ${fmt(m.per_s)} ${fmt(m.with_drain_per_s)} ${fmt(jobsPerRequest[key])} ${fmt(m.cpu_ms)}    ${m.redis_cpu_ms === null ? '     —' : fmt(m.redis_cpu_ms)}    ${fmt(m.loop_busy)}`,
    );
  }
  if (ONLY) return;
  const r = summarize(raw);
  const o = summarize(ours);
  console.log(
    `(medians of ${ROUNDS} alternating rounds; per-round throughput raw ${raw.tp.map((x) => x.per_s.toFixed(0)).join('/')}, ours ${ours.tp.map((x) => x.per_s.toFixed(0)).join('/')})`,
  );
  const summary = {
    bench: 'pipeline',
    rounds: ROUNDS,
    sequential: SEQUENTIAL,
    total: TOTAL,
    in_flight: IN_FLIGHT,
    jobs_per_request: jobsPerRequest,
    p95_ratio: Number((o.p95 / r.p95).toFixed(3)),
    throughput_ratio: Number((o.per_s / r.per_s).toFixed(3)),
    drained_throughput_ratio: Number((o.with_drain_per_s / r.with_drain_per_s).toFixed(3)),
    cpu_per_request_ratio: Number((o.cpu_ms / r.cpu_ms).toFixed(3)),
    ...(o.redis_cpu_ms !== null && r.redis_cpu_ms !== null
      ? { machine_cpu_per_request_ratio: Number(((o.cpu_ms + o.redis_cpu_ms) / (r.cpu_ms + r.redis_cpu_ms)).toFixed(3)) }
      : {}),
    raw: {
      p95_ms: Number(r.p95.toFixed(2)),
      flows_per_s: Number(r.per_s.toFixed(1)),
      with_drain_per_s: Number(r.with_drain_per_s.toFixed(1)),
      cpu_ms_per_request: Number(r.cpu_ms.toFixed(3)),
      redis_cpu_ms_per_request: r.redis_cpu_ms === null ? null : Number(r.redis_cpu_ms.toFixed(3)),
      loop_busy: Number(r.loop_busy.toFixed(3)),
    },
    forge: {
      p95_ms: Number(o.p95.toFixed(2)),
      flows_per_s: Number(o.per_s.toFixed(1)),
      with_drain_per_s: Number(o.with_drain_per_s.toFixed(1)),
      cpu_ms_per_request: Number(o.cpu_ms.toFixed(3)),
      redis_cpu_ms_per_request: o.redis_cpu_ms === null ? null : Number(o.redis_cpu_ms.toFixed(3)),
      loop_busy: Number(o.loop_busy.toFixed(3)),
    },
  };
  console.log(JSON.stringify(summary));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
