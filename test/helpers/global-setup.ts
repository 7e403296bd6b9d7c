import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startLocalRedis, type LocalRedis } from '../../src/redis/local-redis.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

let redis: LocalRedis | undefined;
let dir: string | undefined;

/** One redis-server for the whole run (or REDIS_URL when set); every test isolates itself by key prefix. */
export async function setup(project: TestProject): Promise<void> {
  if (process.env.REDIS_URL) {
    project.provide('redisUrl', process.env.REDIS_URL);
    return;
  }
  dir = mkdtempSync(path.join(os.tmpdir(), 'forge-test-redis-'));
  redis = await startLocalRedis({ dir, appendOnly: false });
  project.provide('redisUrl', redis.url);
}

export async function teardown(): Promise<void> {
  await redis?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}
