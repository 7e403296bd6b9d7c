import type { Server } from 'node:http';
import { afterEach, expect, it } from 'vitest';
import { authHeaders, createTestForge, serve, type TestForge } from './helpers/forge.js';
import { compileWat } from './helpers/wat.js';

let t: TestForge | undefined;
let server: Server | undefined;
afterEach(async () => {
  if (server) await new Promise((r) => server?.close(r));
  server = undefined;
  await t?.cleanup();
  t = undefined;
});

const manifest = (version: string) =>
  `name: greeter\nversion: ${version}\nentry_points: [echo]\ncapabilities: [capsule:read, event:publish]\nconfig: { greeting: { default: hi } }`;

async function setup(candidateFixture: string) {
  t = await createTestForge({ FORGE_OVERLAY_THREADS: '1', FORGE_QUARANTINE_MIN_CALLS: '1000' });
  const { forge } = t;
  const stable = await forge.overlays.registry.register(forge.localCaller, manifest('1.0.0'), await compileWat('abi-test'));
  await forge.overlays.registry.activate(forge.localCaller, stable.id, { config: { greeting: 'hello' } });
  const candidate = await forge.overlays.registry.register(forge.localCaller, manifest('1.1.0'), await compileWat(candidateFixture));
  const http = await serve(forge);
  server = http.server;
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${http.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...authHeaders(http.url) }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  return { forge, stable, candidate, post, url: http.url };
}

it('routes its share of calls to the candidate, compares them live, and promotes a good one', async () => {
  const { forge, stable, candidate, post, url } = await setup('abi-test');
  const started = await post(`/v2/overlays/${stable.id}/canary`, { candidate_id: candidate.id, traffic_percentage: 0.25, min_requests: 5, max_latency_ratio: 1000 });
  expect(started.status).toBe(201);
  expect(started.body).toMatchObject({ status: 'running', traffic_percentage: 0.25, max_error_rate: 0.01 });
  // The overlay list says which overlays have a canary (the dashboard asks only those for the figures).
  const listed = (await (await fetch(`${url}/v2/overlays`, { headers: authHeaders(url) })).json()) as { items: Array<{ id: string; canary: unknown }> };
  expect(Object.fromEntries(listed.items.map((o) => [o.id, o.canary]))).toEqual({ [stable.id]: { status: 'running', candidate_id: candidate.id }, [candidate.id]: null });
  for (let i = 0; i < 20; i++) expect((await forge.overlays.executor.invoke(stable.id, { function: 'echo', args: { i } })).success).toBe(true);
  const live = (await (await fetch(`${url}/v2/overlays/${stable.id}/canary`, { headers: authHeaders(url) })).json()) as {
    stable: { calls: number };
    candidate: { calls: number; error_rate: number };
  };
  expect(live.stable.calls).toBe(15);
  expect(live.candidate).toMatchObject({ calls: 5, error_rate: 0 });

  const decided = await forge.overlays.canaries.evaluate();
  expect(decided).toHaveLength(1);
  expect(decided[0]).toMatchObject({ status: 'promoted' });
  expect(await forge.overlays.registry.get(candidate.id)).toMatchObject({ state: 'active', config: { greeting: 'hello' } });
  expect(await forge.overlays.registry.get(stable.id)).toMatchObject({ state: 'suspended' });
  expect((await forge.store.listAudit({ limit: 3, entity_id: stable.id })).map((e) => e.action)).toContain('overlay.canary.promoted');
});

it('rolls back a candidate whose error rate passes the limit, with the reason', async () => {
  const { forge, stable, candidate, post } = await setup('echo-broken');
  await post(`/v2/overlays/${stable.id}/canary`, { candidate_id: candidate.id, traffic_percentage: 0.5, min_requests: 4 });
  expect(await forge.overlays.canaries.evaluate()).toEqual([]); // not enough calls yet
  for (let i = 0; i < 8; i++) await forge.overlays.executor.invoke(stable.id, { function: 'echo', args: {} });
  const [decided] = await forge.overlays.canaries.evaluate();
  expect(decided).toMatchObject({ status: 'rolled_back', candidate: { calls: 4, failures: 4 } });
  expect(decided?.reason).toContain('candidate error rate 1.000 > 0.01 over 4 calls');
  expect(await forge.overlays.registry.get(candidate.id)).toMatchObject({ state: 'suspended' });
  expect(await forge.overlays.registry.get(stable.id)).toMatchObject({ state: 'active' });
  // After the verdict every call stays on the stable version.
  expect((await forge.overlays.executor.invoke(stable.id, { function: 'echo', args: { after: 1 } })).result).toEqual({ after: 1 });
});

it('stops by hand: every call on the stable version again, the candidate as it was, recorded with who and why; a verdict then stands', async () => {
  const { forge, stable, candidate, post } = await setup('echo-broken');
  await post(`/v2/overlays/${stable.id}/canary`, { candidate_id: candidate.id, traffic_percentage: 0.5, min_requests: 4 });
  for (let i = 0; i < 4; i++) await forge.overlays.executor.invoke(stable.id, { function: 'echo', args: {} });
  const stopped = await post(`/v2/overlays/${stable.id}/canary/stop`, { reason: 'the release is pulled' });
  expect(stopped.status).toBe(200);
  expect(stopped.body).toMatchObject({ status: 'rolled_back', candidate: { calls: 2 } });
  expect(stopped.body.reason).toMatch(/^stopped by .+: the release is pulled$/);
  // The broken candidate gets no more calls: all succeed on the stable version.
  for (let i = 0; i < 6; i++) expect((await forge.overlays.executor.invoke(stable.id, { function: 'echo', args: { i } })).result).toEqual({ i });
  expect(await forge.overlays.registry.get(candidate.id)).toMatchObject({ state: 'pending' });
  expect(await forge.overlays.registry.get(stable.id)).toMatchObject({ state: 'active' });
  expect(await forge.overlays.canaries.evaluate()).toEqual([]);
  expect((await forge.store.listAudit({ limit: 3, entity_id: stable.id })).map((e) => e.action)).toContain('overlay.canary.stopped');
  // Stopping again, or a canary the scheduled round decided, is refused: the verdict stands.
  expect((await post(`/v2/overlays/${stable.id}/canary/stop`, { reason: 'again' })).status).toBe(409);
  expect((await post(`/v2/overlays/${stable.id}/canary/stop`, {})).status).toBe(400);
});

it('refuses a candidate that is not another version of the same overlay', async () => {
  const { forge, stable, post } = await setup('abi-test');
  const other = await forge.overlays.registry.register(
    forge.localCaller,
    'name: other\nversion: 1.0.0\nentry_points: [echo]\ncapabilities: [capsule:read, event:publish]',
    await compileWat('abi-test'),
  );
  expect((await post(`/v2/overlays/${stable.id}/canary`, { candidate_id: other.id })).status).toBe(409);
  expect((await post(`/v2/overlays/${stable.id}/canary`, { candidate_id: stable.id })).status).toBe(409);
  expect((await post(`/v2/overlays/${stable.id}/canary`, { candidate_id: other.id, traffic_percentage: 2 })).status).toBe(400);
});
