/**
 * A fleet on the engines users would run: two `forge ingress` and three `forge worker` processes on Neo4j,
 * the S3 store (s3rver) and a three-master Redis Cluster with FORGE_QUEUE_PARTITIONS=3, the core overlays
 * active (so a query carrying a card number is refused and starts a four-hop cascade). N requests (default
 * 2,000) go over HTTP to both ingresses, 50 at a time; a third of the way in one worker is SIGKILLed, two
 * thirds of the way one Redis master is restarted. Then: every accepted request ended exactly once (one
 * end, one audit entry), every cascade hop happened once, no dead letters, the audit chain verifies. The
 * same fleet on the embedded store (one data dir shared by the five processes, SQLite in WAL) is the
 * baseline, measured in the same run: throughput and p95 of each, and their ratio.
 *
 *   NEO4J_URI=… npm run bench:fleet [-- --requests 2000 --store both|neo4j|sqlite]   # NEO4J_URI is wiped
 *
 * Processes embed with feature hashing (the sentence model in five processes on a small machine would
 * measure the model). Ends with one JSON line; exits 1 when a check fails.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createForge, type Forge } from '../src/app.js';
import { builtOverlays, installOverlays } from '../src/cli/core-overlays.js';
import { readSampleFile, loadSampleKnowledge } from '../src/cli/sample.js';
import { loadConfig } from '../src/config/index.js';
import { percentile } from '../src/producers/load.js';
import { packageRoot } from '../src/util/package-root.js';
import { startRedisCluster } from '../test/helpers/redis-cluster.js';
import { s3Env, startLocalS3 } from '../test/helpers/s3.js';
import { eventually } from '../test/helpers/eventually.js';
import { emptyNeo4j } from './neo4j.js';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '2000' }, store: { type: 'string', default: 'both' } } });
const N = Number(values.requests);
const CONCURRENCY = 50;
const CLI = path.join(import.meta.dirname, '..', 'src', 'cli', 'main.js');
const CARD = '4111 1111 1111 1111';

type StoreKind = 'neo4j' | 'sqlite';

interface Outcome {
  readonly store: StoreKind;
  readonly requests: number;
  readonly seconds: number;
  readonly throughput_rps: number;
  readonly p50_ms: number;
  readonly p95_ms: number;
  readonly refused: number;
  readonly cascades: number;
  readonly problems: string[];
}

/** Starts `forge <role>`; resolves with its ready line. */
function start(role: 'ingress' | 'worker', env: Record<string, string>, log: string): Promise<{ child: ChildProcess; ready: string }> {
  const child = spawn(process.execPath, [CLI, role, ...(role === 'ingress' ? ['--port', '0'] : [])], { env: { PATH: process.env.PATH ?? '', ...env } });
  const file = createWriteStream(log);
  child.stdout.pipe(file);
  child.stderr.pipe(file);
  let out = '';
  return new Promise((resolve, reject) => {
    const read = (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('Forge ready'));
      if (line) resolve({ child, ready: line });
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.on('exit', (code, signal) => signal !== 'SIGKILL' && reject(new Error(`forge ${role} exited with ${code}:\n${out.slice(-2000)}`)));
  });
}

async function runFleet(store: StoreKind): Promise<Outcome> {
  const s3 = await startLocalS3('forge-fleet');
  const cluster = await startRedisCluster(3);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'forge-bench-fleet-'));
  const graph: Record<string, string> = {};
  if (store === 'neo4j') {
    const db = await emptyNeo4j('--store neo4j');
    Object.assign(graph, { NEO4J_URI: db.uri, NEO4J_USER: db.user, NEO4J_PASSWORD: db.password });
  }
  const env: Record<string, string> = {
    REDIS_URL: cluster.nodes[0]?.url ?? '',
    FORGE_REDIS_CLUSTER: 'true',
    FORGE_QUEUE_PARTITIONS: '3',
    FORGE_QUEUE_PREFIX: '{fleet}',
    FORGE_DATA_DIR: dataDir,
    ...s3Env(s3),
    AWS_REGION: 'us-east-1',
    FORGE_EMBEDDER: 'hashing',
    FORGE_AUDIT_KEY: 'fleet-bench-audit-key-0123456789abcdef',
    FORGE_TOKEN_SECRET: 'fleet-bench-token-secret-0123456789abcdef',
    // A killed worker's jobs are taken back once its lock lapses: short here.
    FORGE_LOCK_DURATION_MS: '3000',
    FORGE_STALLED_INTERVAL_MS: '1000',
    FORGE_BACKOFF_MS: '200',
    FORGE_HEALTH_INTERVAL_MS: '0',
    ...graph,
  };
  const children: ChildProcess[] = [];
  let control: Forge | undefined;
  const problems: string[] = [];
  try {
    // The control process: the sample knowledge and the core overlays (their modules go to S3). The S3
    // client here reads its credentials from this process's environment, as the fleet's do from theirs.
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY, AWS_REGION: env.AWS_REGION });
    control = await createForge(loadConfig(env));
    await loadSampleKnowledge(control, readSampleFile(path.join(packageRoot(), 'samples', 'knowledge.json')));
    await installOverlays(control, { ...control.localCaller, trust_level: 100 }, builtOverlays());
    const admin = await control.users.create({ id: 'system', roles: ['admin'], trust_level: 100 }, { name: 'fleet-admin', role: 'admin', trust_level: 60 });
    const key = (await control.users.createKey({ id: 'system', roles: ['admin'], trust_level: 100 }, admin.id, 'fleet')).api_key;

    console.error('  control ready: sample knowledge and core overlays installed; starting the fleet…');
    const logs = path.join(os.tmpdir(), `forge-bench-fleet-logs-${store}`);
    mkdirSync(logs, { recursive: true });
    const ingresses = await Promise.all([0, 1].map((i) => start('ingress', env, path.join(logs, `ingress-${i}.log`))));
    const workers = await Promise.all([0, 1, 2].map((i) => start('worker', env, path.join(logs, `worker-${i}.log`))));
    console.error(`  process logs in ${logs}`);
    children.push(...ingresses.map((i) => i.child), ...workers.map((w) => w.child));
    const bases = ingresses.map((i) => /API (http:\/\/\S+)\/v2/.exec(i.ready)?.[1] as string);
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };

    const ids: string[] = [];
    const latency: number[] = [];
    let finished = 0;
    let refused = 0;
    const refusedThreats: string[] = [];
    const unexpected: string[] = [];
    const ask = async (i: number) => {
      const base = bases[i % 2] as string;
      const threat = i % 20 === 0;
      const query = threat ? `Is card ${CARD} stored anywhere? (${i})` : `When does settlement run, and what blocks a card payment? (${i})`;
      const sent = performance.now();
      for (let attempt = 0; ; attempt++) {
        // A master restarting refuses for a moment (503): the client retries with the same idempotency key.
        const res = await fetch(`${base}/v2/requests`, { method: 'POST', headers: { ...headers, 'idempotency-key': `fleet-${i}` }, body: JSON.stringify({ query }) }).catch(
          () => null,
        );
        if (res?.status === 202) {
          ids[i] = ((await res.json()) as { id: string }).id;
          break;
        }
        if (attempt > 100) throw new Error(`request ${i} not accepted: ${res?.status ?? 'no answer'}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      for (;;) {
        const res = await fetch(`${base}/v2/requests/${ids[i]}?wait=20000`, { headers }).catch(() => null);
        const body = res?.status === 200 ? ((await res.json()) as { status: string }) : null;
        if (body && ['completed', 'rejected', 'failed'].includes(body.status)) {
          if (body.status !== 'completed') (threat && body.status === 'rejected' ? refusedThreats : unexpected).push(`${i} ${body.status}`);
          if (body.status === 'rejected') refused++;
          break;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      latency.push(performance.now() - sent);
      finished++;
    };

    console.error('  fleet ready; sending requests…');
    const progress = setInterval(() => console.error(`  ${finished}/${N} finished, ${ids.filter(Boolean).length} accepted`), 5000);
    const started = performance.now();
    let next = 0;
    let killed = false;
    let restarted: Promise<void> | null = null;
    const lanes = Array.from({ length: CONCURRENCY }, async () => {
      while (next < N) {
        const i = next++;
        await ask(i);
        if (!killed && finished >= N / 3) {
          killed = true;
          workers[0]?.child.kill('SIGKILL');
          console.error(`  worker SIGKILLed after ${finished} of ${N}`);
        }
        if (!restarted && finished >= (2 * N) / 3) {
          console.error(`  restarting Redis master 2 after ${finished} of ${N}`);
          restarted = cluster.restart(1);
        }
      }
    });
    await Promise.all(lanes);
    await restarted;
    clearInterval(progress);
    const seconds = (performance.now() - started) / 1000;

    // Exactly once, from the store.
    const graphStore = control.store;
    let cascades = 0;
    for (const [i, id] of ids.entries()) {
      const record = await graphStore.getRequest(id);
      if (!record || !['completed', 'rejected'].includes(record.status)) problems.push(`request ${i} (${id}) is ${record?.status ?? 'missing'}`);
      const ends = (await graphStore.listAudit({ limit: 20, entity_id: id })).filter((a) => ['request.complete', 'request.rejected', 'request.failed'].includes(a.action));
      if (ends.length !== 1) problems.push(`request ${i} (${id}) ended ${ends.length} times in the audit log`);
    }
    // Only the card numbers are refused; every other question is answered.
    if (unexpected.length) problems.push(`ended other than answered: ${unexpected.slice(0, 5).join(', ')}${unexpected.length > 5 ? ` (${unexpected.length} in all)` : ''}`);
    if (refusedThreats.length !== N / 20) problems.push(`${refusedThreats.length} of ${N / 20} card numbers refused`);
    if (new Set(ids).size !== N) problems.push(`${new Set(ids).size} distinct requests for ${N} submitted`);
    // Every cascade (one per refused card number) ran each hop once: one event per hop, one link per (event, target).
    const threats = await graphStore.listEvents({ kind: 'security_threat', limit: 10_000 });
    for (const threat of threats) {
      const tree = await eventually(
        async () => {
          const t = await control!.eventLog.cascade({ id: 'system', roles: ['admin'], trust_level: 100 }, threat.id);
          return t.events >= 4 ? t : undefined;
        },
        60_000,
        `cascade ${threat.id}`,
      ).catch(() => null);
      if (!tree) {
        problems.push(`cascade ${threat.id} did not reach 4 events`);
        continue;
      }
      cascades++;
      const events = await graphStore.listEvents({ cascade_id: threat.id, limit: 100 });
      const hops = events.map((e) => e.hop);
      if (new Set(hops).size !== hops.length) problems.push(`cascade ${threat.id} has a hop twice: ${hops.join(',')}`);
      const links = await graphStore.listCascadeLinks(threat.id);
      const keys = links.map((l) => `${l.event_id} ${l.target}`);
      if (new Set(keys).size !== keys.length) problems.push(`cascade ${threat.id} delivered a hop twice`);
    }
    if (threats.length !== N / 20) problems.push(`${threats.length} threats recorded for ${N / 20} card numbers asked`);
    const chain = await graphStore.verifyAudit();
    if (!chain.ok) problems.push(`audit chain broken at ${chain.broken_at}`);
    const dead = await control.dlq.list({ id: 'system', roles: ['admin'], trust_level: 100 }, {}, { limit: 100, offset: 0 });
    if (dead.total)
      problems.push(
        `${dead.total} dead letters: ${dead.items
          .map((d) => `${d.queue}: ${d.error.message}`)
          .slice(0, 3)
          .join('; ')}`,
      );
    const sorted = [...latency].sort((a, b) => a - b);
    return {
      store,
      requests: N,
      seconds: Number(seconds.toFixed(1)),
      throughput_rps: Number((N / seconds).toFixed(1)),
      p50_ms: Math.round(percentile(sorted, 50) ?? 0),
      p95_ms: Math.round(percentile(sorted, 95) ?? 0),
      refused,
      cascades,
      problems,
    };
  } finally {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await Promise.all(children.map((c) => (c.exitCode === null && c.signalCode === null ? new Promise((r) => c.once('exit', r)) : null)));
    await control?.close();
    await cluster.stop();
    await s3.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const stores: StoreKind[] = values.store === 'both' ? ['sqlite', 'neo4j'] : [values.store as StoreKind];
  const results: Outcome[] = [];
  for (const store of stores) {
    console.log(`${store === 'neo4j' ? 'Neo4j' : 'embedded store (SQLite)'}: 2 ingresses, 3 workers, 3 Redis masters, s3rver; ${N} requests…`);
    const r = await runFleet(store);
    results.push(r);
    console.log(
      `  ${r.requests} requests in ${r.seconds} s: ${r.throughput_rps} req/s, p50 ${r.p50_ms} ms, p95 ${r.p95_ms} ms; ${r.refused} refused, ${r.cascades} cascades of 4+ hops; ${r.problems.length ? `PROBLEMS:\n    ${r.problems.slice(0, 20).join('\n    ')}` : 'every request once, every hop once, audit chain intact'}`,
    );
  }
  const [a, b] = results;
  const ratio = a && b ? { throughput: Number((b.throughput_rps / a.throughput_rps).toFixed(2)), p95: Number((b.p95_ms / a.p95_ms).toFixed(2)) } : undefined;
  if (ratio) console.log(`Neo4j ÷ SQLite: throughput ${ratio.throughput}, p95 ${ratio.p95}`);
  console.log(
    JSON.stringify({
      bench: 'fleet',
      requests: N,
      results: results.map(({ problems, ...r }) => ({ ...r, problems: problems.length })),
      ...(ratio ? { neo4j_vs_sqlite: ratio } : {}),
    }),
  );
  if (results.some((r) => r.problems.length)) process.exitCode = 1;
}

await main();
