import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import { createForge, type Forge, type ForgeOverrides } from '../../src/app.js';
import { loadConfig, type ForgeConfig } from '../../src/config/index.js';

export interface TestForge {
  readonly forge: Forge;
  readonly config: ForgeConfig;
  readonly dataDir: string;
  cleanup(): Promise<void>;
}

/** A Forge on the shared test Redis with its own random queue prefix and its own data dir. */
export async function createTestForge(env: Record<string, string> = {}, overrides: ForgeOverrides = {}): Promise<TestForge> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'forge-test-'));
  const config = loadConfig({
    REDIS_URL: inject('redisUrl'),
    FORGE_DATA_DIR: dataDir,
    FORGE_QUEUE_PREFIX: `{test-${randomUUID().slice(0, 8)}}`,
    FORGE_BACKOFF_MS: '10',
    ...env,
  });
  const forge = await createForge(config, overrides);
  return {
    forge,
    config,
    dataDir,
    async cleanup() {
      // Close first (workers finish what they hold), then remove every key under this test's prefix.
      const cleaner = forge.redis.duplicate();
      await forge.close();
      const stream = cleaner.scanStream({ match: `${config.queuePrefix}*`, count: 500 });
      for await (const batch of stream as AsyncIterable<string[]>) if (batch.length) await cleaner.unlink(...batch);
      await cleaner.quit();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
