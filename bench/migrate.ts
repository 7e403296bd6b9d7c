/**
 * `forge migrate --to neo4j` on a store of N capsules (default 10,000): 25-word capsules of two sentences
 * (each with its passage vectors), every fourth derived from the one before, each with its audit entry.
 * The baseline is writing that store into the embedded store in the same run; the copy is reported as
 * records per second and as its time against the baseline's. Then Forge starts on the copy and
 * `forge audit verify` runs against it, and every kind's count is compared.
 *
 *   NEO4J_URI=… npm run bench:migrate [-- --capsules 10000]   # NEO4J_URI: a disposable Neo4j, it is wiped
 *
 * Ends with one JSON line.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { createForge } from '../src/app.js';
import { loadConfig } from '../src/config/index.js';
import { createIngressApp, listen } from '../src/producers/ingress.js';
import { startLocalRedis } from '../src/redis/local-redis.js';
import { embeddingModelOf, embedWithPassages, HashingEmbedder } from '../src/search/embedder.js';
import { Neo4jGraphStore } from '../src/store/neo4j/neo4j-graph-store.js';
import { SqliteGraphStore } from '../src/store/sqlite/sqlite-graph-store.js';
import { TRANSFER_KINDS } from '../src/store/transfer.js';
import { emptyNeo4j } from './neo4j.js';
import { seededRandom } from './random.js';

const { values } = parseArgs({ options: { capsules: { type: 'string', default: '10000' } } });
const N = Number(values.capsules);
const run = promisify(execFile);
const CLI = path.join(import.meta.dirname, '..', 'src', 'cli', 'main.js');

const random = seededRandom(7).next;
const vocabulary = Array.from({ length: 5000 }, (_, i) => `term${(i * 7919) % 100_000}`);
const words = (n: number) => Array.from({ length: n }, () => vocabulary[Math.floor(random() * vocabulary.length)]).join(' ');

async function main(): Promise<void> {
  const neo = await emptyNeo4j('bench:migrate');

  const dir = mkdtempSync(path.join(os.tmpdir(), 'forge-bench-migrate-'));
  const redis = await startLocalRedis({ dir: path.join(dir, 'redis'), appendOnly: false });
  try {
    // Baseline: the store written, as Forge writes it (one capsule, its lineage and its audit entry at a time).
    const embedder = new HashingEmbedder(256);
    const source = await SqliteGraphStore.open({ file: path.join(dir, 'forge.db') });
    const started = performance.now();
    let previous: string | null = null;
    for (let at = 0; at < N; at += 64) {
      const texts = Array.from({ length: Math.min(64, N - at) }, () => `${words(12)}. ${words(13)}.`);
      const embedded = await embedWithPassages(embedder, texts);
      for (const [j, content] of texts.entries()) {
        const i = at + j;
        const c = await source.createCapsule(
          {
            content,
            type: 'knowledge',
            owner_id: 'bench',
            trust_level: Math.floor(random() * 101),
            ...embedded[j]!,
            embedding_model: embeddingModelOf(embedder),
            ...(previous && i % 4 === 0 ? { derived_from: [{ parent_id: previous, reason: 'cites' }] } : {}),
          },
          { actor_id: 'bench' },
        );
        previous = c.id;
      }
      if (process.stderr.isTTY) process.stderr.write(`\rwriting the source: ${Math.min(N, at + 64)}/${N}`);
    }
    if (process.stderr.isTTY) process.stderr.write('\n');
    const writeSeconds = (performance.now() - started) / 1000;
    await source.close();

    // The copy, with the command a user runs.
    const env = {
      PATH: process.env.PATH ?? '',
      FORGE_DATA_DIR: dir,
      REDIS_URL: redis.url,
      FORGE_QUEUE_PREFIX: '{bench-migrate}',
      FORGE_EMBEDDER: 'hashing',
      FORGE_EMBEDDING_DIM: '256',
      NEO4J_URI: neo.uri,
      NEO4J_USER: neo.user,
      NEO4J_PASSWORD: neo.password,
    };
    const copyStarted = performance.now();
    const migrated = await run(process.execPath, [CLI, 'migrate', '--to', 'neo4j', '--json'], { env, maxBuffer: 16 * 1024 * 1024 });
    const copySeconds = (performance.now() - copyStarted) / 1000;
    const report = JSON.parse(migrated.stdout) as { copied: number; counts: Record<string, { source: number; target: number }>; audit: { ok: boolean; checked: number } };
    const mismatched = TRANSFER_KINDS.filter((k) => report.counts[k]?.source !== report.counts[k]?.target);

    // Forge on the copy, and the audit log verified from the command line.
    const forge = await createForge(loadConfig(env));
    const { server, url } = await listen(createIngressApp(forge), '127.0.0.1', 0);
    let verified: string;
    try {
      const admin = await forge.users.create({ id: 'system', roles: ['admin'], trust_level: 100 }, { name: 'bench-admin', role: 'admin', trust_level: 60 });
      const key = (await forge.users.createKey({ id: 'system', roles: ['admin'], trust_level: 100 }, admin.id, 'bench')).api_key;
      verified = (await run(process.execPath, [CLI, 'audit', 'verify', '--target', url, '--api-key', key], { env: { PATH: env.PATH } })).stderr.trim();
    } finally {
      await new Promise((r) => server.close(r));
      await forge.close();
    }
    const target = await Neo4jGraphStore.open({ ...neo, dimensions: 256 });
    const capsulesOnTarget = (await target.stats()).capsules;
    await target.close();

    const rate = Math.round(report.copied / copySeconds);
    console.log(`source: ${N} capsules and ${report.counts.audit?.source} audit entries written in ${writeSeconds.toFixed(1)} s (the baseline)`);
    console.log(`copy:   ${report.copied} records in ${copySeconds.toFixed(1)} s (${rate} records/s), ${(copySeconds / writeSeconds).toFixed(2)}× the baseline's time`);
    console.log(`counts: ${mismatched.length ? `MISMATCHED ${mismatched.join(', ')}` : 'every kind equal'} (capsules on the target: ${capsulesOnTarget})`);
    console.log(`forge audit verify on the copy: ${verified}`);
    console.log(
      JSON.stringify({
        bench: 'migrate',
        capsules: N,
        records: report.copied,
        write_s: Number(writeSeconds.toFixed(2)),
        copy_s: Number(copySeconds.toFixed(2)),
        records_per_s: rate,
        copy_vs_write: Number((copySeconds / writeSeconds).toFixed(2)),
        counts_equal: mismatched.length === 0,
        audit_verified: /audit log intact/.test(verified),
      }),
    );
    if (mismatched.length || !/audit log intact/.test(verified)) process.exitCode = 1;
  } finally {
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
