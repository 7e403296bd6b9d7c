import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort, startLocalRedis, type LocalRedis } from '../../src/redis/local-redis.js';
import { eventually } from './eventually.js';

export interface ClusterNode {
  readonly port: number;
  readonly url: string;
  /** The hash slots this master serves, as [first, last] ranges. */
  slots: Array<[number, number]>;
}

export interface LocalRedisCluster {
  readonly nodes: readonly ClusterNode[];
  /** Stops one master (a clean shutdown: its AOF is flushed) and starts it again on its port and files. */
  restart(index: number): Promise<void>;
  stop(): Promise<void>;
}

const CLUSTER_ARGS = ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000', '--appendfsync', 'always'];

/** A port whose cluster bus port (port + 10000) is valid too. */
async function clusterPort(): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port + 10_000 < 65_536) return port;
  }
}

async function clusterOk(port: number): Promise<true | undefined> {
  const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    return String(await probe.call('CLUSTER', 'INFO')).includes('cluster_state:ok') ? true : undefined;
  } catch {
    return undefined;
  } finally {
    probe.disconnect();
  }
}

/** A Redis Cluster of `masters` masters (no replicas) from Debian's redis-server, on free loopback ports. */
export async function startRedisCluster(masters = 3): Promise<LocalRedisCluster> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'forge-cluster-'));
  const servers: LocalRedis[] = [];
  const ports: number[] = [];
  for (let i = 0; i < masters; i++) {
    const port = await clusterPort();
    ports.push(port);
    servers.push(await startLocalRedis({ dir: path.join(root, `node-${i}`), port, args: CLUSTER_ARGS }));
  }
  await promisify(execFile)('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes']);
  for (const port of ports) await eventually(() => clusterOk(port), 20_000, `cluster state ok on ${port}`);
  const nodes: ClusterNode[] = ports.map((port) => ({ port, url: `redis://127.0.0.1:${port}`, slots: [] }));
  const admin = new Redis(ports[0] as number, '127.0.0.1');
  for (const [first, last, [, port]] of (await admin.call('CLUSTER', 'SLOTS')) as Array<[number, number, [string, number]]>) {
    nodes.find((n) => n.port === port)?.slots.push([first, last]);
  }
  admin.disconnect();
  return {
    nodes,
    async restart(index) {
      const port = ports[index] as number;
      await (servers[index] as LocalRedis).stop();
      servers[index] = await startLocalRedis({ dir: path.join(root, `node-${index}`), port, args: CLUSTER_ARGS });
      for (const p of ports) await eventually(() => clusterOk(p), 20_000, `cluster state ok on ${p} after the restart`);
    },
    async stop() {
      await Promise.all(servers.map((s) => s.stop()));
      rmSync(root, { recursive: true, force: true });
    },
  };
}
