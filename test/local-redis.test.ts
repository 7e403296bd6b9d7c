import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { expect, it } from 'vitest';
import { RedisServerMissingError } from '../src/errors.js';
import { startLocalRedis } from '../src/redis/local-redis.js';

it('starts a private redis-server with AOF in the data dir and stops it', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'forge-redis-'));
  const local = await startLocalRedis({ dir });
  const client = new Redis(local.url);
  expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
  expect((await client.config('GET', 'dir'))[1]).toBe(dir);
  await client.quit();
  await local.stop();
  const probe = new Redis(local.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => undefined);
  await expect(probe.connect()).rejects.toThrow();
  rmSync(dir, { recursive: true, force: true });
});

it('says exactly how to install redis-server when it is missing', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'forge-redis-'));
  const error = await startLocalRedis({ dir, binary: 'redis-server-that-does-not-exist' }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(RedisServerMissingError);
  expect((error as Error).message).toContain('apt-get install -y redis-server');
  expect((error as Error).message).toContain('REDIS_URL');
  rmSync(dir, { recursive: true, force: true });
});
