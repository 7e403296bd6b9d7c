import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import calculateSlot from 'cluster-key-slot';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createForge, type Forge } from '../src/app.js';
import { loadConfig, partitionPrefix } from '../src/config/index.js';
import { eventually } from './helpers/forge.js';
import { startRedisCluster, type ClusterNode, type LocalRedisCluster } from './helpers/redis-cluster.js';

let cluster: LocalRedisCluster;
beforeAll(async () => {
  cluster = await startRedisCluster(3);
}, 60_000);
afterAll(async () => cluster?.stop());

const PARTITIONS = 4;
const masterOf = (nodes: readonly ClusterNode[], tag: string) => nodes.findIndex((n) => n.slots.some(([a, b]) => calculateSlot(tag) >= a && calculateSlot(tag) <= b));

/** A queue prefix whose partitions' hash tags land on every master (so the test shows the spread). */
function prefixSpanning(nodes: readonly ClusterNode[]): string {
  for (;;) {
    const prefix = `{c${randomUUID().slice(0, 6)}}`;
    const masters = new Set(Array.from({ length: PARTITIONS }, (_, i) => masterOf(nodes, partitionPrefix(prefix, i).slice(1, -1))));
    if (masters.size === nodes.length) return prefix;
  }
}

async function keysOn(node: ClusterNode, prefix: string): Promise<number> {
  const redis = new Redis(node.port, '127.0.0.1');
  try {
    let count = 0;
    for await (const batch of redis.scanStream({ match: `${prefix.slice(0, -1)}*`, count: 1000 }) as AsyncIterable<string[]>) count += batch.length;
    return count;
  } finally {
    redis.disconnect();
  }
}

it('spreads requests over queue partitions on every master of a Redis Cluster, and a master restart loses nothing accepted', async () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'forge-cluster-data-'));
  const prefix = prefixSpanning(cluster.nodes);
  const config = loadConfig({
    REDIS_URL: (cluster.nodes[0] as ClusterNode).url,
    FORGE_REDIS_CLUSTER: 'true',
    FORGE_QUEUE_PARTITIONS: String(PARTITIONS),
    FORGE_QUEUE_PREFIX: prefix,
    FORGE_DATA_DIR: dataDir,
    FORGE_BACKOFF_MS: '50',
    FORGE_HEALTH_INTERVAL_MS: '0',
  });
  let forge: Forge | undefined;
  try {
    forge = await createForge(config);
    const caller = forge.localCaller;
    await forge.capsules.create(caller, { content: 'Settlement runs nightly at 23:00 UTC.', type: 'knowledge' });
    const submitted: string[] = [];
    for (let i = 0; i < 40; i++) submitted.push((await forge.requests.submit(caller, { query: `When does settlement run? (${i})` })).record.id);

    // Accepted, not yet run (no workers): the flows wait in every partition, and so on every master.
    for (const node of cluster.nodes) expect(await keysOn(node, prefix), `keys on master ${node.port}`).toBeGreaterThan(0);

    // One master goes down cleanly and comes back; then the workers start and every accepted request completes.
    await cluster.restart(1);
    forge.startWorkers();
    const completed = async (ids: string[]) => {
      for (const id of ids) if ((await forge?.store.getRequest(id))?.status !== 'completed') return undefined;
      return true;
    };
    await eventually(() => completed(submitted), 60_000, 'the 40 accepted requests completed');

    // And the fleet keeps serving across the partitions.
    const more: string[] = [];
    for (let i = 0; i < 20; i++) more.push((await forge.requests.submit(caller, { query: `Fraud screening threshold? (${i})` })).record.id);
    await eventually(() => completed(more), 60_000, '20 more requests completed');
    expect((await forge.store.getRequest(more[0] as string))?.answer).toBeTruthy();
  } finally {
    await forge?.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 180_000);
