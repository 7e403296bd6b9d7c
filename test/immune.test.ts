import type { Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createForge, type Forge, type ForgeOverrides } from '../src/app.js';
import { authHeaders, createTestForge, eventually, serve, type TestForge, TEST_SETUP } from './helpers/forge.js';
import { compileWat } from './helpers/wat.js';

const ADMIN = { id: 'root', roles: ['admin'], trust_level: 100 };
const MANIFEST = (name: string, extra = '') => `name: ${name}\nversion: 1.0.0\nentry_points: [echo, trap]\ncapabilities: [capsule:read, event:publish]\n${extra}`;

let t: TestForge | undefined;
const others: Forge[] = [];
let server: Server | undefined;
afterEach(async () => {
  if (server) await new Promise((r) => server?.close(r));
  server = undefined;
  for (const o of others.splice(0)) await o.close();
  await t?.cleanup();
  t = undefined;
});

async function install(env: Record<string, string>, manifest: string, fixture = 'abi-test', caller = ADMIN, overrides: ForgeOverrides = {}) {
  t ??= await createTestForge({ FORGE_OVERLAY_THREADS: '1', ...env }, overrides);
  const o = await t.forge.overlays.registry.register(caller, manifest, await compileWat(fixture));
  await t.forge.overlays.registry.activate(caller, o.id, { authority: TEST_SETUP });
  return o.id;
}

describe('circuit breaker', () => {
  it('opens after consecutive failures for every process, then half-opens and closes on successes', async () => {
    const id = await install({ FORGE_BREAKER_FAILURES: '3', FORGE_BREAKER_OPEN_MS: '300', FORGE_BREAKER_SUCCESSES: '2', FORGE_QUARANTINE_MIN_CALLS: '1000' }, MANIFEST('flaky'));
    const { forge } = t as TestForge;
    const other = await createForge((t as TestForge).config); // a second process's view of the same fleet
    others.push(other);
    for (let i = 0; i < 3; i++) expect((await forge.overlays.executor.invoke(id, { function: 'trap', args: {} })).error?.code).toBe('trap');
    expect((await forge.overlays.executor.metrics(id)).breaker.state).toBe('open');
    const skipped = await other.overlays.executor.invoke(id, { function: 'echo', args: {} });
    expect(skipped).toMatchObject({ success: false, error: { code: 'circuit_open' }, fuel_consumed: 0 });
    expect(await forge.overlays.executor.metrics(id)).toMatchObject({ invocations: 3, skipped: 1 }); // a skipped call is not an invocation

    // After the open period, trial calls go through; two successes close it.
    const trial = await eventually(
      async () => {
        const r = await other.overlays.executor.invoke(id, { function: 'echo', args: { n: 1 } });
        return r.success ? r : undefined;
      },
      5000,
      'half-open trial',
    );
    expect(trial.result).toEqual({ n: 1 });
    expect((await forge.overlays.executor.metrics(id)).breaker.state).toBe('half_open');
    expect((await forge.overlays.executor.invoke(id, { function: 'echo', args: {} })).success).toBe(true);
    expect((await forge.overlays.executor.metrics(id)).breaker).toMatchObject({ state: 'closed', consecutive_failures: 0 });
  });

  it('skips an overlay with an open breaker in the pipeline and records the skip', async () => {
    const id = await install({ FORGE_BREAKER_FAILURES: '1', FORGE_QUARANTINE_MIN_CALLS: '1000' }, MANIFEST('skipped', 'phases: [analysis]'));
    const { forge } = t as TestForge;
    forge.startWorkers();
    await forge.overlays.executor.invoke(id, { function: 'trap', args: {} });
    const { record } = await forge.requests.submit(forge.localCaller, { query: 'anything' });
    const done = await forge.requests.waitFor(record.id, 20_000);
    expect(done.status).toBe('completed');
    expect((done.result.overlays as { analysis: Record<string, unknown> }).analysis.skipped).toMatchObject({ skipped: true, success: false, error: { code: 'circuit_open' } });
  });
});

describe('auto-quarantine', () => {
  it('quarantines an overlay whose failure rate passes the threshold, announces it, and recovers it on demand', async () => {
    const id = await install({ FORGE_BREAKER_FAILURES: '1000', FORGE_QUARANTINE_MIN_CALLS: '10', FORGE_QUARANTINE_FAILURE_RATE: '0.5' }, MANIFEST('failing'));
    const { forge } = t as TestForge;
    for (let i = 0; i < 4; i++) await forge.overlays.executor.invoke(id, { function: 'echo', args: {} });
    for (let i = 0; i < 5; i++) await forge.overlays.executor.invoke(id, { function: 'trap', args: {} });
    expect((await forge.overlays.registry.get(id)).state).toBe('active'); // 9 calls: below the minimum
    await forge.overlays.executor.invoke(id, { function: 'trap', args: {} }); // 10th call, 6/10 failed
    const quarantined = await forge.overlays.registry.get(id);
    expect(quarantined).toMatchObject({ state: 'quarantined' });
    expect(quarantined.state_reason).toContain('failure rate 0.60 over 10 invocations');
    await expect(forge.overlays.executor.invoke(id, { function: 'echo', args: {} })).rejects.toThrow(/is quarantined; only active overlays run/);
    const events = await forge.fleet.overlayEvents.read();
    expect(events.map((e) => e.type)).toContain('overlay_quarantined');
    const audit = await forge.store.listAudit({ limit: 5, entity_id: id, action: 'overlay.quarantined' });
    expect(audit[0]?.actor_id).toBe('immune-system');

    const http = await serve(forge);
    server = http.server;
    const base = http.url;
    const listed = (await (await fetch(`${base}/v2/immune/quarantined`, { headers: authHeaders(base) })).json()) as { items: Array<{ id: string }> };
    expect(listed.items.map((o) => o.id)).toEqual([id]);
    const recovered = (await (await fetch(`${base}/v2/overlays/${id}/recover`, { method: 'POST', headers: authHeaders(base) })).json()) as {
      healthy: boolean;
      overlay: { state: string };
    };
    expect(recovered).toMatchObject({ healthy: true, overlay: { state: 'active' } });
    expect(await forge.overlays.executor.metrics(id)).toMatchObject({ invocations: 0, failures: 0, breaker: { state: 'closed' } });
  });

  it('trust follows behaviour: quarantine costs an overlay 10, sustained success gives it back 5 a health round, never past its registered trust', async () => {
    const id = await install({ FORGE_BREAKER_FAILURES: '1000', FORGE_QUARANTINE_MIN_CALLS: '4', FORGE_QUARANTINE_FAILURE_RATE: '0.5' }, MANIFEST('probation', 'trust_level: 60'));
    const { forge } = t as TestForge;
    for (let i = 0; i < 4; i++) await forge.overlays.executor.invoke(id, { function: 'trap', args: {} });
    expect(await forge.overlays.registry.get(id)).toMatchObject({ state: 'quarantined', trust_level: 50 });
    expect((await forge.overlays.health.recover(ADMIN, id)).overlay).toMatchObject({ state: 'active', trust_level: 50 });
    // A health round with too few calls gives nothing back.
    await forge.overlays.health.checkAllActive();
    expect((await forge.overlays.registry.get(id)).trust_level).toBe(50);
    for (let i = 0; i < 100; i++) await forge.overlays.executor.invoke(id, { function: 'echo', args: {} });
    const levels: number[] = [];
    for (let round = 0; round < 3; round++) {
      await forge.overlays.health.checkAllActive();
      levels.push((await forge.overlays.registry.get(id)).trust_level);
    }
    expect(levels).toEqual([55, 60, 60]);
    // Its trust history: each change audited with the reason.
    const history = (await forge.store.listAudit({ limit: 10, entity_id: id, action: 'overlay.trust' })).reverse();
    expect(history.map((a) => [a.actor_id, a.details.from, a.details.to])).toEqual([
      ['immune-system', 60, 50],
      ['immune-system', 50, 55],
      ['immune-system', 55, 60],
    ]);
    expect(String(history[0]?.details.reason)).toMatch(/^quarantined: failure rate/);
    expect(String(history[1]?.details.reason)).toBe('sustained success: 100 calls, 0.00 % failed');
  });

  it('quarantines after consecutive failed health checks, and recovery keeps it quarantined while unhealthy', async () => {
    const id = await install({}, 'name: sick\nversion: 1.0.0', 'unhealthy');
    const { forge } = t as TestForge;
    for (let i = 0; i < 2; i++) expect((await forge.overlays.health.module(id)).healthy).toBe(false);
    expect((await forge.overlays.registry.get(id)).state).toBe('active');
    await forge.overlays.health.module(id);
    expect(await forge.overlays.registry.get(id)).toMatchObject({ state: 'quarantined', state_reason: '3 consecutive failed health checks' });
    const again = await forge.overlays.health.recover(ADMIN, id);
    expect(again.healthy).toBe(false);
    expect(again.overlay).toMatchObject({ state: 'quarantined', state_reason: 'recovery failed: health check returned 1' });
  });

  it('never quarantines a CORE overlay', async () => {
    const id = await install({ FORGE_BREAKER_FAILURES: '1000', FORGE_QUARANTINE_MIN_CALLS: '2' }, MANIFEST('core-thing', 'trust_level: 100'));
    const { forge } = t as TestForge;
    for (let i = 0; i < 4; i++) await forge.overlays.executor.invoke(id, { function: 'trap', args: {} });
    expect(await forge.overlays.registry.get(id)).toMatchObject({ state: 'active', trust_level: 100 });
  });
});

describe('hierarchical health checks', () => {
  it('checks module, dependencies, circuit and probe, on demand and on a schedule, and aggregates them', async () => {
    let probeOk = true;
    const provider = await install({ FORGE_HEALTH_INTERVAL_MS: '200', FORGE_BREAKER_FAILURES: '1', FORGE_QUARANTINE_MIN_CALLS: '1000' }, MANIFEST('provider'), 'abi-test', ADMIN, {
      healthProbe: async (o) => ({ ok: probeOk, detail: `probe of ${o.name}` }),
    });
    const { forge } = t as TestForge;
    const consumer = await forge.overlays.registry.register(ADMIN, MANIFEST('consumer', 'dependencies: { provider: ^1.0.0 }'), await compileWat('abi-test'));
    await forge.overlays.registry.activate(ADMIN, consumer.id, { authority: TEST_SETUP });

    const healthy = await forge.overlays.health.check(consumer.id);
    expect(healthy).toMatchObject({
      healthy: true,
      levels: { module: { ok: true }, dependencies: { ok: true }, circuit: { ok: true, state: 'closed' }, probe: { ok: true, detail: 'probe of consumer' } },
    });

    probeOk = false;
    expect((await forge.overlays.health.check(consumer.id)).levels.probe).toEqual({ ok: false, detail: 'probe of consumer' });
    probeOk = true;
    await forge.overlays.executor.invoke(consumer.id, { function: 'trap', args: {} }); // opens its breaker (1 failure)
    expect((await forge.overlays.health.check(consumer.id)).levels.circuit).toEqual({ ok: false, state: 'open' });
    await forge.overlays.registry.suspend(ADMIN, provider, 'test');
    const l2 = await forge.overlays.health.check(consumer.id);
    expect(l2.levels.dependencies).toEqual({ ok: false, detail: 'provider@^1.0.0 not active' });
    expect(l2.healthy).toBe(false);

    // The schedule checks every active overlay and the system view aggregates the reports.
    forge.startWorkers();
    const before = l2.at;
    await eventually(
      async () => {
        const reports = await forge.overlays.health.lastReports();
        const r = reports.find((x) => x.overlay_id === consumer.id);
        return r && r.at > before ? r : undefined;
      },
      10_000,
      'a scheduled health check',
    );
    const http = await serve(forge);
    server = http.server;
    const system = (await (await fetch(`${http.url}/v2/system/health`, { headers: authHeaders(http.url) })).json()) as {
      overlays: { active: number; suspended: number; unhealthy: Array<{ name: string; failing: string[] }> };
    };
    expect(system.overlays).toMatchObject({ active: 1, suspended: 1 });
    expect(system.overlays.unhealthy.find((u) => u.name === 'consumer')?.failing).toEqual(['dependencies', 'circuit']);
    const onDemand = (await (await fetch(`${http.url}/v2/overlays/${consumer.id}/health`, { headers: authHeaders(http.url) })).json()) as {
      healthy: boolean;
      status: number | null;
    };
    expect(onDemand).toMatchObject({ healthy: false, status: null });
  });
});
