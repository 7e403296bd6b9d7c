import { afterEach, expect, it } from 'vitest';
import { createTestForge, eventually, type TestForge, TEST_SETUP } from './helpers/forge.js';
import { compileWat } from './helpers/wat.js';

let t: TestForge | undefined;
afterEach(async () => {
  await t?.cleanup();
  t = undefined;
});

const HOSTILE = ['spin', 'bomb', 'recurse', 'trap', 'flood'] as const;

it('contains hostile overlays: requests keep completing, breakers open, quarantine follows', async () => {
  t = await createTestForge({
    FORGE_OVERLAY_THREADS: '2',
    FORGE_BREAKER_FAILURES: '2',
    FORGE_BREAKER_OPEN_MS: '600000',
    FORGE_QUARANTINE_MIN_CALLS: '4',
    FORGE_QUARANTINE_FAILURE_RATE: '0.5',
  });
  const { forge } = t;
  forge.startWorkers();
  const admin = { id: 'root', roles: ['admin'], trust_level: 100 };
  await forge.capsules.create(admin, { content: 'The fleet keeps answering while bad overlays misbehave.', type: 'knowledge', trust_level: 60 });
  const wasm = await compileWat('hostile');
  const ids: Record<string, string> = {};
  for (const name of HOSTILE) {
    const o = await forge.overlays.registry.register(
      admin,
      `name: hostile-${name}\nversion: 1.0.0\nentry_points: [${name}]\nphases: [analysis]\ncapabilities: [capsule:read]\nlimits: { max_memory_mb: 1, max_execution_ms: 1000, max_fuel: 10000000000 }`,
      wasm,
    );
    await forge.overlays.registry.activate(admin, o.id, { authority: TEST_SETUP });
    ids[name] = o.id;
  }

  const failures = new Map<string, Set<string>>();
  for (let i = 0; i < 6; i++) {
    const { record } = await forge.requests.submit(forge.localCaller, { query: `does the fleet keep answering? (${i})` });
    const done = await forge.requests.waitFor(record.id, 30_000);
    expect(done.status).toBe('completed');
    expect(done.citations).toHaveLength(1);
    const reports = (done.result.overlays as { analysis?: Record<string, { error: { code: string } | null }> } | undefined)?.analysis ?? {};
    for (const [name, r] of Object.entries(reports)) {
      if (!failures.has(name)) failures.set(name, new Set());
      if (r.error) failures.get(name)?.add(r.error.code);
    }
  }
  // Each misbehaviour is reported for what it is.
  expect([...(failures.get('hostile-spin') ?? [])]).toContain('timeout');
  // The flood ends at the per-invocation limit of host calls, long before its deadline.
  expect([...(failures.get('hostile-flood') ?? [])]).toContain('host_call_limit');
  expect([...(failures.get('hostile-trap') ?? [])]).toContain('trap');
  expect([...(failures.get('hostile-recurse') ?? [])]).toContain('trap');
  expect([...(failures.get('hostile-bomb') ?? [])]).toContain('trap');
  for (const name of HOSTILE) expect([...(failures.get(`hostile-${name}`) ?? [])]).toContain('circuit_open');

  // Quarantine follows for all five.
  for (const name of HOSTILE) {
    const o = await eventually(
      async () => {
        const overlay = await forge.overlays.registry.get(ids[name] as string);
        return overlay.state === 'quarantined' ? overlay : undefined;
      },
      10_000,
      `${name} quarantined`,
    );
    expect(o.state_reason).toBeTruthy();
  }
  // With them quarantined, requests run without them.
  const { record } = await forge.requests.submit(forge.localCaller, { query: 'and afterwards?' });
  const after = await forge.requests.waitFor(record.id, 20_000);
  expect(after.status).toBe('completed');
  expect(after.result.overlays).toBeUndefined();
}, 120_000);
