import { afterEach, expect, it } from 'vitest';
import { createTestForge, submitAndWait, type TestForge } from './helpers/forge.js';
import { compileWat } from './helpers/wat.js';

let t: TestForge | undefined;
afterEach(async () => {
  await t?.cleanup();
  t = undefined;
});

async function overlay(manifest: string, fixture: string): Promise<string> {
  const forge = (t as TestForge).forge;
  const o = await forge.overlays.registry.register(forge.localCaller, manifest, await compileWat(fixture));
  await forge.overlays.registry.activate(forge.localCaller, o.id);
  return o.id;
}

const ask = (query: string) => submitAndWait((t as TestForge).forge, query);

it('runs the overlays bound to a phase and reports their outputs with the answer', async () => {
  t = await createTestForge({ FORGE_OVERLAY_THREADS: '1' });
  t.forge.startWorkers();
  await overlay('name: echo-analysis\nversion: 1.0.0\nentry_points: [echo]\nphases: [analysis]\ncapabilities: [capsule:read, event:publish]', 'abi-test');
  const done = await ask('How are deploys approved?');
  expect(done.status).toBe('completed');
  const reports = done.result.overlays as { analysis: Record<string, { success: boolean; result: { phase: string; request: { query: string } } }> };
  expect(reports.analysis['echo-analysis']).toMatchObject({ success: true, result: { phase: 'analysis', request: { query: 'How are deploys approved?' } } });
});

it('tolerates a failing analysis overlay', async () => {
  t = await createTestForge({ FORGE_OVERLAY_THREADS: '1' });
  t.forge.startWorkers();
  await overlay('name: trap-analysis\nversion: 1.0.0\nentry_points: [trap]\nphases: [analysis]\ncapabilities: [capsule:read, event:publish]', 'abi-test');
  const done = await ask('How are deploys approved?');
  expect(done.status).toBe('completed');
  expect((done.result.overlays as { analysis: Record<string, unknown> }).analysis['trap-analysis']).toMatchObject({ success: false, error: { code: 'trap' } });
});

it('treats a denying or failing security overlay as a denial', async () => {
  t = await createTestForge({ FORGE_OVERLAY_THREADS: '1' });
  t.forge.startWorkers();
  const deny = await overlay('name: deny-all\nversion: 1.0.0\nphases: [security]', 'security-deny');
  const denied = await ask('anything');
  expect(denied.status).toBe('rejected');
  expect(denied.error?.message).toContain('security overlay deny-all denied it: blocked by policy');
  // Security fails closed: a suspended validator rejects requests rather than silently dropping the check,
  // and only an admin may suspend it.
  await expect(t.forge.overlays.registry.suspend({ id: 'op', roles: ['operator'], trust_level: 100 }, deny, 'test')).rejects.toThrow(/needs the admin role/);
  await t.forge.overlays.registry.suspend(t.forge.localCaller, deny, 'maintenance window');
  const suspended = await ask('while it is suspended');
  expect(suspended.status).toBe('rejected');
  expect(suspended.error?.message).toContain('security overlay deny-all is required (fail_closed) and did not run: suspended (maintenance window)');
  await t.forge.overlays.registry.remove(t.forge.localCaller, deny);
  await overlay('name: broken-validator\nversion: 1.0.0\nentry_points: [trap]\nphases: [security]\ncapabilities: [capsule:read, event:publish]', 'abi-test');
  const failed = await ask('anything else');
  expect(failed.status).toBe('rejected');
  expect(failed.error?.message).toMatch(/security overlay broken-validator is required \(fail_closed\) and did not run: trap: /);
});

it('lets a security overlay bound fail_open be suspended without rejecting requests', async () => {
  t = await createTestForge({ FORGE_OVERLAY_THREADS: '1' });
  t.forge.startWorkers();
  const advisory = await overlay(
    'name: advisory\nversion: 1.0.0\nentry_points: [trap]\nphases: [security]\nfailure_policy: { security: fail_open }\ncapabilities: [capsule:read, event:publish]',
    'abi-test',
  );
  await t.forge.overlays.registry.suspend({ id: 'op', roles: ['operator'], trust_level: 100 }, advisory, 'not needed');
  expect((await ask('with the advisory check suspended')).status).toBe('completed');
});
