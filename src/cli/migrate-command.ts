import { existsSync } from 'node:fs';
import path from 'node:path';
import { localSecret } from '../app.js';
import type { ForgeConfig } from '../config/index.js';
import { ConfigError } from '../errors.js';
import { connectRedisFleetState } from '../fleet/redis-fleet-state.js';
import { openEmbedder } from '../providers/open.js';
import { startLocalRedis, type LocalRedis } from '../redis/local-redis.js';
import { AuditCheckpoints } from '../services/audit-checkpoints.js';
import { migrateStore, type MigrationReport, type MigrationStep } from '../services/store-migration.js';
import { Neo4jGraphStore } from '../store/neo4j/neo4j-graph-store.js';
import { SqliteGraphStore } from '../store/sqlite/sqlite-graph-store.js';
import { SqliteTransferSource } from '../store/sqlite/sqlite-transfer.js';

export interface MigrateOptions {
  readonly to: string | undefined;
  readonly replace: boolean;
  readonly batch: number;
  readonly json: boolean;
}

/** What the audit checkpoint became after the copy. */
type CheckpointOutcome = { readonly state: 'signed'; readonly seq: number } | { readonly state: 'skipped'; readonly reason: string };

/**
 * `forge migrate --to neo4j`: copies the data dir's embedded store into the Neo4j that NEO4J_URI names —
 * every capsule version and lineage edge, users, keys, tokens, the audit chain, events and cascade links,
 * proposals, votes, settings — with a progress line, resumable by running it again, then compares the
 * counts, verifies the copied audit chain and signs a new checkpoint of it. Stop Forge first: what is
 * written during the copy is not copied.
 */
export async function migrateCommand(config: ForgeConfig, options: MigrateOptions): Promise<void> {
  if (options.to !== 'neo4j')
    throw new ConfigError([{ field: '--to', message: `is required and must be neo4j (the store to copy the embedded store into), got "${options.to ?? ''}"` }]);
  if (config.graphStore.kind !== 'neo4j') {
    throw new ConfigError([{ field: 'NEO4J_URI', message: 'names the Neo4j to copy into; set it and NEO4J_PASSWORD (and NEO4J_USER, NEO4J_DATABASE if not the defaults)' }]);
  }
  const file = path.join(config.dataDir, 'forge.db');
  if (!existsSync(file)) throw new ConfigError([{ field: '--data-dir', message: `holds no embedded store (${file} does not exist)` }]);

  // Brought to the current schema first, then read on a connection of its own, as one snapshot.
  await (await SqliteGraphStore.open({ file })).close();
  const source = new SqliteTransferSource(file);
  // The vector index is sized for the embedder Forge runs with.
  const { dimensions } = await openEmbedder(config, () => undefined);
  const target = await Neo4jGraphStore.open({ ...config.graphStore, dimensions });
  const progress = progressLine();
  let report: MigrationReport;
  try {
    console.error(`forge migrate: copying ${file} into ${config.graphStore.uri}${config.graphStore.database ? ` (database ${config.graphStore.database})` : ''}`);
    report = await migrateStore({ source, target: target.transferTarget(), targetStore: target, replace: options.replace, batchSize: options.batch, onProgress: progress.show });
    progress.end();
  } finally {
    await source.close();
  }
  let checkpoint: CheckpointOutcome;
  try {
    checkpoint = await resignCheckpoint(config, target);
  } finally {
    await target.close();
  }
  if (options.json) console.log(JSON.stringify({ ...report, checkpoint }));
  else summarise(report, checkpoint);
}

/**
 * The signed audit checkpoint (kept in Redis) checked against the copied chain and signed again at its
 * head. Without a Redis to hand (no REDIS_URL and no private one in the data dir) Forge signs one on start.
 */
async function resignCheckpoint(config: ForgeConfig, target: Neo4jGraphStore): Promise<CheckpointOutcome> {
  let local: LocalRedis | undefined;
  let url = config.redisUrl;
  if (!url) {
    const dir = path.join(config.dataDir, 'redis');
    if (!existsSync(dir)) return { state: 'skipped', reason: 'no REDIS_URL and no private Redis in the data dir: Forge signs a checkpoint when it starts' };
    local = await startLocalRedis({ dir, binary: config.redisServerBinary });
    url = local.url;
  }
  const fleet = await connectRedisFleetState({ url, cluster: config.redisCluster, prefix: config.queuePrefix, rateLimits: config.rateLimits });
  try {
    const audit = new AuditCheckpoints({ store: target, checkpoints: fleet.auditCheckpoint, key: localSecret(config, config.audit.key, 'audit.key') });
    const verified = await audit.verify();
    if (!verified.ok) throw new ConfigError([{ field: 'audit', message: `the copied audit log does not match its signed checkpoint: ${verified.problems.join('; ')}` }]);
    const signed = (await audit.checkpoint()) ?? (await fleet.auditCheckpoint.read());
    return signed ? { state: 'signed', seq: signed.seq } : { state: 'skipped', reason: 'the audit log is empty' };
  } finally {
    await fleet.close();
    await local?.stop();
  }
}

/** One progress line: rewritten in place on a terminal, every two seconds otherwise. */
function progressLine(): { show: (step: MigrationStep) => void; end: () => void } {
  const tty = process.stderr.isTTY;
  let last = 0;
  let shown = false;
  return {
    show(step) {
      const percent = step.all_total ? Math.floor((100 * step.all_done) / step.all_total) : 100;
      const line = `${percent}% · ${step.kind} ${step.done}/${step.total} · ${step.all_done}/${step.all_total} records · ${step.rate}/s`;
      if (tty) {
        process.stderr.write(`\r${line}\x1b[K`);
        shown = true;
      } else if (Date.now() - last > 2000 || step.all_done === step.all_total) {
        last = Date.now();
        process.stderr.write(`${line}\n`);
      }
    },
    end() {
      if (shown) process.stderr.write('\n');
    },
  };
}

function summarise(report: MigrationReport, checkpoint: CheckpointOutcome): void {
  const start = { fresh: 'copied', resumed: 'resumed and copied', finished_before: 'already copied before; checked again:' }[report.start];
  console.log(`${start} ${report.copied} records in ${report.seconds.toFixed(1)} s`);
  for (const [kind, c] of Object.entries(report.counts)) if (c.source) console.log(`  ${kind.padEnd(15)} ${String(c.target).padStart(8)}`);
  console.log(`audit chain: ${report.audit.checked} entries verified, head ${report.audit.seq} ${report.audit.hash.slice(0, 16)}…`);
  console.log(checkpoint.state === 'signed' ? `audit checkpoint signed at entry ${checkpoint.seq}` : `audit checkpoint: ${checkpoint.reason}`);
  console.log('Start Forge with the same NEO4J_* settings to run on the copy.');
}
