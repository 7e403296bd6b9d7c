import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { authHeaders, callJson, createServedForge, createUserWithKey, eventually, type ServedForge } from './helpers/forge.js';
import { compileWat } from './helpers/wat.js';

let t: ServedForge;
let base: string;

beforeEach(async () => {
  t = await createServedForge({ FORGE_OVERLAY_THREADS: '1' });
  base = t.url;
});
afterEach(async () => t.cleanup());

/** Sends the manifest as a file (bytes kept exactly) or as a text field (browsers send CRLF line ends). */
async function register(manifest: string, wasm: Uint8Array | null, as: 'file' | 'field' = 'file') {
  const form = new FormData();
  if (as === 'file') form.set('manifest', new Blob([manifest]), 'manifest.yaml');
  else form.set('manifest', manifest);
  if (wasm) form.set('wasm', new Blob([wasm]), 'overlay.wasm');
  const res = await fetch(`${base}/v2/overlays`, { method: 'POST', body: form, headers: authHeaders(base) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => callJson(base, method, path, body, headers);

const ECHO = `name: echo-test
version: 1.0.0
entry_points: [echo, spin, state]
capabilities: [capsule:read, event:publish]
limits: { max_memory_mb: 1, max_execution_ms: 1000, max_fuel: 10000000000 }
config:
  api_key: { required: true, secret: true }
  threshold: { default: 0.5 }
`;

describe('overlay lifecycle API', () => {
  it('registers, activates with config, invokes, counts, suspends and deletes', async () => {
    const wasm = await compileWat('abi-test');
    const created = await register(ECHO, wasm);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'echo-test',
      version: '1.0.0',
      state: 'pending',
      submitted_by: t.admin.id,
      trust_level: 40,
      imports: ['log', 'capsule_read', 'event_publish'],
    });
    expect(created.body.manifest_text).toBe(ECHO);
    const id = created.body.id as string;
    expect(await t.forge.blobs.has(created.body.blob_key as string)).toBe(true);
    expect(created.body.blob_key).toMatch(/^overlays\/echo-test\/1\.0\.0\/[0-9a-f]{64}\.wasm$/);

    expect((await register(ECHO, wasm)).status).toBe(409);
    expect((await call('POST', `/v2/overlays/${id}/invoke`, { function: 'echo', args: {} })).status).toBe(409);

    // A deadline longer than a bound phase's timeout cannot hold: refused at activation, naming both numbers.
    const slow = await register(
      `name: slow-analysis\nversion: 1.0.0\nentry_points: [echo]\ncapabilities: [capsule:read, event:publish]\nphases: [analysis]\nlimits: { max_execution_ms: 12000 }`,
      wasm,
    );
    const refused = await call('POST', `/v2/overlays/${slow.body.id as string}/activate`, {});
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ error: 'validation_failed', details: { phase: 'analysis', max_execution_ms: 12000, phase_timeout_ms: 10000 } });
    expect(refused.body.message).toMatch(/max_execution_ms 12000 .* FORGE_ANALYSIS_TIMEOUT_MS 10000/);

    const missing = await call('POST', `/v2/overlays/${id}/activate`, {});
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ details: { missing: ['api_key'] } });
    expect(missing.body.message).toContain('"api_key"');
    const active = await call('POST', `/v2/overlays/${id}/activate`, { config: { api_key: 's3cret' } });
    expect(active.status).toBe(200);
    expect(active.body).toMatchObject({ state: 'active', config: { api_key: '********', threshold: 0.5 } });

    const echoed = await call('POST', `/v2/overlays/${id}/invoke`, { function: 'echo', args: { hello: 'overlay' } });
    expect(echoed.body).toMatchObject({ success: true, result: { hello: 'overlay' }, error: null });
    expect(echoed.body.fuel_consumed).toBeGreaterThan(0);
    const stuck = await call('POST', `/v2/overlays/${id}/invoke`, { function: 'spin', args: {} });
    expect(stuck.body).toMatchObject({ success: false, error: { code: 'timeout' } });
    expect((await call('POST', `/v2/overlays/${id}/invoke`, { function: 'nope', args: {} })).status).toBe(409);

    const metrics = await call('GET', `/v2/overlays/${id}/metrics`);
    expect(metrics.body).toMatchObject({ invocations: 2, failures: 1, failure_rate: 0.5 });
    expect(String(metrics.body.last_error)).toContain('timeout');
    expect((await call('GET', `/v2/overlays/${id}/health`)).body).toMatchObject({ healthy: true, status: null });

    expect(((await call('GET', '/v2/overlays?state=active')).body.items as unknown[]).length).toBe(1);
    expect(((await call('GET', '/v2/overlays?capability=capsule:write')).body.items as unknown[]).length).toBe(0);
    const suspended = await call('POST', `/v2/overlays/${id}/suspend`, { reason: 'maintenance window' });
    expect(suspended.body).toMatchObject({ state: 'suspended', state_reason: 'maintenance window' });
    expect((await call('POST', `/v2/overlays/${id}/invoke`, { function: 'echo', args: {} })).status).toBe(409);
    expect((await call('DELETE', `/v2/overlays/${id}`)).status).toBe(204);
    expect((await call('GET', `/v2/overlays/${id}`)).status).toBe(404);
    const actions = ((await call('GET', `/v2/system/audit-log?entity_id=${id}`)).body.entries as Array<{ action: string }>).map((e) => e.action);
    expect(actions).toEqual(['overlay.delete', 'overlay.suspended', 'overlay.active', 'overlay.register']);
  });

  it('rejects bad registrations with the reason and stores nothing', async () => {
    const wasm = await compileWat('abi-test');
    const ungranted = await register('name: greedy\nversion: 1.0.0\nentry_points: [echo]', wasm, 'field');
    expect(ungranted.status).toBe(400);
    expect((ungranted.body.details as { problems: string[] }).problems).toEqual([
      'imports forge.capsule_read, which needs capability capsule:read; the manifest does not grant it',
      'imports forge.event_publish, which needs capability event:publish; the manifest does not grant it',
    ]);
    const badManifest = await register('name: Bad Name\nversion: x', wasm, 'field');
    expect(badManifest.status).toBe(400);
    expect(((badManifest.body.details as { issues: unknown }).issues as Array<{ field: string }>).map((i) => i.field).sort()).toEqual(['name', 'version']);
    const noWasm = await register(ECHO, null);
    expect(noWasm.status).toBe(400);
    const tooBig = await register('name: big\nversion: 1.0.0\nlimits: { max_memory_mb: 1 }', await compileWat('big-memory'));
    expect(tooBig.status).toBe(400);
    const notWasm = await register(ECHO, new Uint8Array([1, 2, 3]));
    expect(notWasm.status).toBe(400);
    expect((await call('GET', '/v2/overlays')).body.items).toEqual([]);
  });

  it('ends an activation when its TTL passes', async () => {
    const { body } = await register(ECHO, await compileWat('abi-test'));
    await call('POST', `/v2/overlays/${body.id}/activate`, { config: { api_key: 'k' }, ttl_seconds: 1 });
    const expired = await eventually(
      async () => {
        const o = (await call('GET', `/v2/overlays/${body.id}`)).body;
        return o.state === 'suspended' ? o : undefined;
      },
      10_000,
      'expiry',
    );
    expect(String(expired.state_reason)).toMatch(/^activation expired at /);
  });
});

describe('capsule host functions', () => {
  const MANIFEST = `name: capsule-host
version: 1.0.0
entry_points: [read, search, derive, derive_default, config]
capabilities: [capsule:read, capsule:write, config:read]
config: { region: { default: eu } }
`;
  const admin = { id: 'root', roles: ['admin'], trust_level: 100 };

  it('shows an overlay only capsules its trust level may read, and lets it create with lineage and capped trust', async () => {
    const low = await t.forge.capsules.create(admin, { content: 'Settlement runbook for sandbox merchants.', type: 'knowledge', trust_level: 30 });
    const high = await t.forge.capsules.create(admin, { content: 'Settlement signing keys rotate every 90 days.', type: 'decision', trust_level: 90 });
    const { body } = await register(MANIFEST, await compileWat('capsule-host'));
    const id = body.id as string;
    expect(body.trust_level).toBe(40);
    await call('POST', `/v2/overlays/${id}/activate`, {});
    const invoke = async (fn: string, args: unknown) => (await call('POST', `/v2/overlays/${id}/invoke`, { function: fn, args })).body;

    expect(await invoke('read', { id: low.id })).toMatchObject({ success: true, result: { ok: true, capsule: { id: low.id } } });
    expect(await invoke('read', { id: high.id })).toMatchObject({ success: true, result: { ok: false, error: { code: 'not_found' } } });
    expect(await invoke('read', { nope: 1 })).toMatchObject({ success: true, result: { ok: false, error: { code: 'bad_request' } } });
    const found = (await invoke('search', { query: 'settlement' })).result as { ok: boolean; results: Array<{ id: string }> };
    expect(found.results.map((r) => r.id)).toEqual([low.id]);
    expect(await invoke('config', { key: 'region' })).toMatchObject({ result: { ok: true, value: 'eu' } });

    // No write-down: invoked by a trust-60 admin, everything it holds is labelled 60, which a trust-40
    // overlay cannot write; refused with both numbers, nothing created.
    expect(await invoke('derive_default', { id: low.id })).toMatchObject({
      success: true,
      result: { ok: false, error: { code: 'write_down', message: expect.stringMatching(/labelled 60; .*\(40\)/) } },
    });
    // Invoked by a trust-40 operator, it may write at 40; asking for more than it may write is refused with
    // both numbers, not quietly capped.
    const operator = await createUserWithKey(t.forge, 'op-40', 'operator', 40);
    const invoke40 = async (fn: string, args: unknown) =>
      (await call('POST', `/v2/overlays/${id}/invoke`, { function: fn, args }, { authorization: `Bearer ${operator.apiKey}` })).body;
    expect(await invoke40('derive', { id: low.id })).toMatchObject({
      success: true,
      result: { ok: false, error: { code: 'forbidden', message: "trust_level 100 is above the writer's trust level 40" } },
    });
    const derived = (await invoke40('derive_default', { id: low.id })).result as { ok: boolean; id: string; trust_level: number };
    expect(derived).toMatchObject({ ok: true, trust_level: 40 });
    const capsule = await t.forge.store.getCapsule(derived.id);
    expect(capsule).toMatchObject({
      owner_id: 'overlay:capsule-host',
      trust_level: 40,
      metadata: { created_by_overlay: { id, name: 'capsule-host', version: '1.0.0', sha256: body.sha256 } },
    });
    const lineage = await t.forge.store.getLineage(derived.id);
    expect(lineage.map((e) => [e.capsule.id, e.edge.reason, e.edge.changes])).toEqual([
      [low.id, 'read-by-overlay', { overlay_id: id, overlay: 'capsule-host@1.0.0', sha256: body.sha256 }],
    ]);
    expect((await call('GET', `/v2/overlays/${id}/health`)).body).toMatchObject({ healthy: true, status: 0 });
  });
});

describe('capability constraints', () => {
  it('limits event_publish to the event types the capability allows, and to payloads their kind accepts', async () => {
    const { body } = await register(
      'name: narrow\nversion: 1.0.0\nentry_points: [publish]\ncapabilities: [capsule:read, { name: event:publish, constraints: { types: [custom.audit-note, security_threat] } }]',
      await compileWat('abi-test'),
    );
    await call('POST', `/v2/overlays/${body.id}/activate`, {});
    const allowed = await call('POST', `/v2/overlays/${body.id}/invoke`, { function: 'publish', args: { type: 'custom.audit-note', payload: { n: 1 } } });
    expect(allowed.body).toMatchObject({ success: true, result: { status: 0 } });
    const denied = await call('POST', `/v2/overlays/${body.id}/invoke`, { function: 'publish', args: { type: 'other', payload: {} } });
    expect(denied.body).toMatchObject({ success: true, result: { status: 1 } });
    // An allowed kind with a payload its schema refuses: the host answers bad_request, nothing is recorded.
    const malformed = await call('POST', `/v2/overlays/${body.id}/invoke`, { function: 'publish', args: { type: 'security_threat', payload: { severity: 'apocalyptic' } } });
    expect(malformed.body).toMatchObject({ success: true, result: { status: 2 } });
    // (Forge's own events, such as overlay_activated from the audit log, are recorded beside them.)
    const events = (await t.forge.store.listEvents({ limit: 50 })).filter((e) => e.source.type === 'overlay');
    expect(events).toHaveLength(1);
    // Persisted on the event bus at the invocation's label: its arguments came from a trust-60 admin, so
    // the event is at 60 although the overlay's own trust is 40 (no write-down).
    expect(events[0]).toMatchObject({ kind: 'custom.audit-note', payload: { n: 1 }, trust_level: 60, source: { type: 'overlay', id: body.id, name: 'narrow', version: '1.0.0' } });
  });
});

describe('overlay dependencies', () => {
  it('activates only when every dependency is active in a matching version', async () => {
    const wasm = await compileWat('abi-test');
    const base = 'entry_points: [echo]\ncapabilities: [capsule:read, event:publish]\n';
    const dependent = await register(`name: dependent\nversion: 1.0.0\n${base}dependencies: { provider: ^1.2.0 }`, wasm);
    const blocked = await call('POST', `/v2/overlays/${dependent.body.id}/activate`, {});
    expect(blocked.status).toBe(409);
    expect(blocked.body.message).toContain('needs active provider@^1.2.0');
    const old = await register(`name: provider\nversion: 1.1.0\n${base}`, wasm);
    await call('POST', `/v2/overlays/${old.body.id}/activate`, {});
    expect((await call('POST', `/v2/overlays/${dependent.body.id}/activate`, {})).status).toBe(409);
    const good = await register(`name: provider\nversion: 1.4.2\n${base}`, wasm);
    await call('POST', `/v2/overlays/${good.body.id}/activate`, {});
    expect((await call('POST', `/v2/overlays/${dependent.body.id}/activate`, {})).body).toMatchObject({ state: 'active' });
  });
});
