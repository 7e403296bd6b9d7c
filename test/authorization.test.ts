import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey, hashApiKey, isApiKey } from '../src/auth/api-keys.js';
import { allows, MOUNTS, PERMISSIONS, ROUTES, type Permission } from '../src/auth/authorization.js';
import { hashPassword, verifyPassword } from '../src/auth/passwords.js';
import { createIngressApp } from '../src/producers/ingress.js';
import { ROLES } from '../src/store/graph-store.js';
import { createTestForge, type TestForge } from './helpers/forge.js';

interface Layer {
  rawPath?: string;
  route?: { path: string; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
}

/** Every route an Express app serves, as `METHOD path`, descending into mounted routers (not into MOUNTS). */
function servedRoutes(app: Express): string[] {
  const out: string[] = [];
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      const path = `${prefix}${layer.rawPath && layer.rawPath !== '/' ? layer.rawPath : ''}`;
      if (layer.route) {
        for (const method of Object.keys(layer.route.methods)) out.push(`${method.toUpperCase()} ${prefix}${layer.route.path}`);
      } else if (MOUNTS.includes(path)) {
        out.push(`MOUNT ${path}`);
      } else if (layer.handle.stack) {
        walk(layer.handle.stack, path);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
  return out;
}

describe('the authorisation table', () => {
  let t: TestForge;
  let served: string[];
  beforeAll(async () => {
    t = await createTestForge();
    served = servedRoutes(createIngressApp(t.forge));
  });
  afterAll(async () => t.cleanup());

  it('has a rule for every route the ingress serves, and no rule for a route it does not', () => {
    const ruled = new Set(ROUTES.map((r) => `${r.method} ${r.path}`));
    const routes = served.filter((r) => !r.startsWith('MOUNT '));
    expect(routes.length).toBeGreaterThan(30);
    expect(routes.filter((r) => !ruled.has(r))).toEqual([]);
    const mounted = [...new Set(served.filter((r) => r.startsWith('MOUNT ')).map((r) => r.slice(6)))];
    expect(mounted).toEqual([...MOUNTS]);
    const stale = ROUTES.filter((r) => !MOUNTS.includes(r.path) && !routes.includes(`${r.method} ${r.path}`));
    expect(stale).toEqual([]);
    for (const mount of MOUNTS) for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) expect(ruled.has(`${method} ${mount}`), `${method} ${mount}`).toBe(true);
  });

  it('grants each permission from one role upwards, and anonymous callers only the public routes', () => {
    for (const permission of Object.keys(PERMISSIONS) as Permission[]) {
      const granted = ROLES.map((role) => allows(role, permission));
      const first = granted.indexOf(true);
      expect(first, permission).toBeGreaterThanOrEqual(0);
      expect(granted.slice(first).every(Boolean), permission).toBe(true);
      expect(allows(null, permission), permission).toBe(permission === 'public');
    }
    expect(allows('reader', 'capsule:write')).toBe(false);
    expect(allows('contributor', 'capsule:write')).toBe(true);
    expect(allows('operator', 'dead-letter:purge')).toBe(false);
    expect(allows('admin', 'user:manage')).toBe(true);
  });
});

describe('API keys', () => {
  it('are prefixed, random, recognisable, and stored only as a hash', () => {
    const a = generateApiKey();
    const b = generateApiKey();
    expect(a.key).toMatch(/^forge_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(a.key.startsWith(`${a.prefix}_`)).toBe(true);
    expect(a.key).not.toBe(b.key);
    expect(a.hash).toBe(hashApiKey(a.key));
    expect(a.hash).not.toContain(a.key.slice(19));
    expect(isApiKey(a.key)).toBe(true);
    expect(isApiKey(`${a.key}x`)).toBe(false);
    expect(isApiKey('eyJhbGciOiJFUzI1NiJ9.e30.sig')).toBe(false);
  });
});

describe('passwords', () => {
  it('are hashed with scrypt and a random salt, and verify only the right password', async () => {
    const stored = await hashPassword('correct horse battery staple');
    expect(stored).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(await hashPassword('correct horse battery staple')).not.toBe(stored);
    expect(await verifyPassword('correct horse battery staple', stored)).toBe(true);
    expect(await verifyPassword('correct horse battery stapler', stored)).toBe(false);
    expect(await verifyPassword('anything', 'plain-text')).toBe(false);
    expect(await verifyPassword('anything', 'scrypt$999999999$8$1$c2FsdA$aGFzaA')).toBe(false);
  });
});
