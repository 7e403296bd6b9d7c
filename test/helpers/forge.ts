import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { inject } from 'vitest';
import { createForge, type Forge, type ForgeOverrides } from '../../src/app.js';
import { createIngressApp, listen } from '../../src/producers/ingress.js';
import type { RequestRecord, Role } from '../../src/store/graph-store.js';
import type { Server } from 'node:http';
import { loadConfig, type ForgeConfig } from '../../src/config/index.js';
import { graphEnv } from './neo4j.js';

export interface TestForge {
  readonly forge: Forge;
  readonly config: ForgeConfig;
  readonly dataDir: string;
  cleanup(): Promise<void>;
}

/**
 * A Forge on the shared test Redis with its own random queue prefix and its own data dir. In the run's
 * `neo4j` project (FORGE_TEST_STORE=neo4j) its graph store is the worker's Neo4j, wiped first: one such
 * Forge at a time per test file.
 */
export async function createTestForge(env: Record<string, string> = {}, overrides: ForgeOverrides = {}): Promise<TestForge> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'forge-test-'));
  const graph = overrides.store ? {} : await graphEnv();
  const config = loadConfig({
    REDIS_URL: inject('redisUrl'),
    FORGE_DATA_DIR: dataDir,
    FORGE_QUEUE_PREFIX: `{test-${randomUUID().slice(0, 8)}}`,
    FORGE_BACKOFF_MS: '10',
    ...graph,
    ...env,
  });
  const forge = await createForge(config, overrides);
  return {
    forge,
    config,
    dataDir,
    async cleanup() {
      // Close first (workers finish what they hold), then remove every key under this test's prefix.
      await forge.close();
      await deleteKeys(config.redisUrl as string, config.queuePrefix);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Removes every key under `prefix` (a test's queues and fleet state). */
export async function deleteKeys(redisUrl: string, prefix: string): Promise<void> {
  const cleaner = new Redis(redisUrl);
  try {
    const stream = cleaner.scanStream({ match: `${prefix}*`, count: 500 });
    for await (const batch of stream as AsyncIterable<string[]>) if (batch.length) await cleaner.unlink(...batch);
  } finally {
    await cleaner.quit();
  }
}

export { eventually } from './eventually.js';

export interface ServedForge extends TestForge {
  /** Base URL of the ingress, on a free loopback port. */
  readonly url: string;
  /** The admin the HTTP helpers call as (role admin, trust 60: what the local caller was before users). */
  readonly admin: { readonly id: string; readonly apiKey: string };
}

const SYSTEM = { id: 'system', roles: ['admin'], trust_level: 100 } as const;

/** Signs a browser in at `/admin/login` with a form (an API key, or a name and password); not followed. */
export function browserLogin(base: string, form: Record<string, string>): Promise<Response> {
  return fetch(`${base}/admin/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
}

/** The session cookie a sign-in set (`forge_session=…`), to send back. */
export const cookieOf = (res: Response): string => (res.headers.get('set-cookie') ?? '').split(';')[0] as string;

/** A reader who may see everything (CORE trust): for looking at a test's own dead letters and the like. */
export const CORE_READER = { id: 'core-reader', roles: ['admin'], trust_level: 100 } as const;

/** Test set-up acts as an admin in a declared emergency: users and overlays at or above the governance gate. */
export const TEST_SETUP = { emergency: { reason: 'test set-up' } } as const;

/** A user of this Forge with an API key. */
export async function createUserWithKey(forge: Forge, name: string, role: Role, trust_level: number): Promise<{ id: string; apiKey: string }> {
  const user = await forge.users.create(SYSTEM, { name, role, trust_level }, TEST_SETUP);
  return { id: user.id, apiKey: (await forge.users.createKey(SYSTEM, user.id, 'test')).api_key };
}

/** API keys by ingress base URL: `callJson` and `authHeaders` send the one of the base they call. */
const keys = new Map<string, string>();

/** Makes `callJson` and `authHeaders` call `base` with `apiKey`. */
export function useKey(base: string, apiKey: string): void {
  keys.set(base, apiKey);
}

/** The Authorization header for `base` (none when no key was registered for it). */
export function authHeaders(base: string): Record<string, string> {
  const key = keys.get(base);
  return key ? { authorization: `Bearer ${key}` } : {};
}

/** Serves a Forge's ingress on a free port and registers a fresh admin key for it. */
export async function serve(forge: Forge): Promise<{ server: Server; url: string; admin: { id: string; apiKey: string } }> {
  const { server, url } = await listen(createIngressApp(forge), '127.0.0.1', 0);
  const admin = await createUserWithKey(forge, `tester-${randomUUID().slice(0, 8)}`, 'admin', 60);
  useKey(url, admin.apiKey);
  return { server, url, admin };
}

/** A test Forge with its workers running and its ingress listening; `cleanup` closes the server too. */
export async function createServedForge(env: Record<string, string> = {}, overrides: ForgeOverrides = {}): Promise<ServedForge> {
  const t = await createTestForge(env, overrides);
  t.forge.startWorkers();
  const { server, url, admin } = await serve(t.forge);
  return {
    ...t,
    url,
    admin,
    async cleanup() {
      await new Promise((r) => server.close(r));
      await t.cleanup();
    },
  };
}

/**
 * One JSON call to the API, as the admin registered for `base` (`useKey`): a string body is sent as it is,
 * anything else as JSON. `headers.authorization` replaces the credential; `''` calls anonymously.
 */
export async function callJson(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const { authorization, ...rest } = { ...authHeaders(base), ...headers };
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(authorization ? { authorization } : {}), ...rest },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = text;
  }
  return { status: res.status, headers: res.headers, body: json as Record<string, unknown> };
}

/** Submits a request as the local caller and waits for it to end. */
export async function submitAndWait(forge: Forge, query: string, extra: { required_trust?: number; save_as_capsule?: boolean } = {}): Promise<RequestRecord> {
  const { record } = await forge.requests.submit(forge.localCaller, { query, ...extra });
  return forge.requests.waitFor(record.id, 20_000);
}

/** A storage phase that fails its first `n` calls, then works: the failed requests' storage jobs end as dead letters. */
export function storageOutage(n: number): () => Promise<{ audit_seq: number; saved_capsule_id: null }> {
  let calls = 0;
  return async () => {
    calls++;
    if (calls <= n) throw new Error(`storage unavailable (call ${calls})`);
    return { audit_seq: 0, saved_capsule_id: null };
  };
}
