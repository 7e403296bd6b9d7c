/**
 * The findings of the information-flow review, one test each: every one failed on the code before the
 * flow rules (no write-down, one gate, credentials that end with their origin, label-filtered read surfaces).
 */
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtOverlays, installOverlays } from '../src/cli/core-overlays.js';
import { UserService } from '../src/services/users.js';
import type { Caller, GraphStore } from '../src/store/graph-store.js';
import { callJson, CORE_READER, createServedForge, createUserWithKey, eventually, TEST_SETUP, type ServedForge, browserLogin, cookieOf } from './helpers/forge.js';
import { leakyOverlay } from './helpers/leaky-overlay.js';
import { compileWat } from './helpers/wat.js';

const ROOT: Caller = { id: 'root', roles: ['admin'], trust_level: 100 };
let t: ServedForge;
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

beforeAll(async () => {
  t = await createServedForge();
});
afterAll(async () => t.cleanup());

/** Asks as `key` and waits for the request to end. */
async function ask(key: string, query: string, extra: Record<string, unknown> = {}) {
  const posted = await callJson(t.url, 'POST', '/v2/requests', { query, ...extra }, bearer(key));
  expect(posted.status, JSON.stringify(posted.body)).toBe(202);
  return (await callJson(t.url, 'GET', `/v2/requests/${posted.body.id as string}?wait=15000`, undefined, bearer(key))).body;
}

describe('critical: no write-down through an overlay', () => {
  it('a trust-40 overlay given a trust-100 answer publishes it only at 100 and cannot write it into a capsule', async () => {
    const vault = await t.forge.capsules.create(ROOT, { content: 'The vault code is 7731; it opens the ledger vault.', type: 'knowledge', trust_level: 100 });
    const leaky = await leakyOverlay(t.forge, { name: 'leaky-forty', trust: 40, phases: ['intelligence'], query: 'vault' });
    const chief = await createUserWithKey(t.forge, 'vault-chief', 'contributor', 100);
    const done = await ask(chief.apiKey, 'What is the vault code?');
    expect(done.status).toBe('completed');
    expect(done.citations).toContain(vault.id);
    const events = await eventually(async () => {
      const found = (await t.forge.store.listEvents({ limit: 200, kind: 'custom.leak' })).filter((e) => e.source.id === leaky.id);
      return found.length > 0 ? found : undefined;
    });
    // What it was given carries the caller's label (100): the event is at 100, not the overlay's 40.
    for (const e of events) expect(e.trust_level).toBe(100);
    expect(JSON.stringify(events[0]?.payload)).toContain('7731');
    // It could not write a capsule at all (its label, 100, is above what it may write, 40): nothing at 0 or 40.
    const written = (await t.forge.store.listCapsules({ owner_id: 'overlay:leaky-forty', include_superseded: true, include_archived: true }, { limit: 50 })).items;
    expect(written).toEqual([]);
    // A reader at 0 or 40 finds nothing of it, by search, by events or by asking.
    for (const level of [0, 40]) {
      const reader = await createUserWithKey(t.forge, `vault-reader-${level}`, 'reader', level);
      const search = await callJson(t.url, 'GET', '/v2/capsules/search?q=vault%20code', undefined, bearer(reader.apiKey));
      expect(JSON.stringify(search.body)).not.toContain('7731');
      const listed = await callJson(t.url, 'GET', '/v2/events?kind=custom.leak&limit=200', undefined, bearer(reader.apiKey));
      expect(JSON.stringify(listed.body)).not.toContain('7731');
      expect(JSON.stringify(await ask(reader.apiKey, 'What is the vault code?'))).not.toContain('7731');
    }
    await t.forge.overlays.registry.suspend(ROOT, leaky.id, 'test done');
  }, 60_000);

  it('an /invoke by a trust-60 caller labels the overlay’s emissions 60; its capsule_create is refused with both numbers', async () => {
    const leaky = await leakyOverlay(t.forge, { name: 'leaky-invoked', trust: 40, query: 'nothing-matches-this' });
    const op = await createUserWithKey(t.forge, 'invoker-60', 'operator', 60);
    const res = await callJson(t.url, 'POST', `/v2/overlays/${leaky.id}/invoke`, { function: 'process', args: { secret: 'mk60invoke' } }, bearer(op.apiKey));
    expect(res.body).toMatchObject({ success: true, result: { given: { secret: 'mk60invoke' } } });
    const [event] = (await t.forge.store.listEvents({ limit: 200, kind: 'custom.leak' })).filter((e) => e.source.id === leaky.id);
    expect(event?.trust_level).toBe(60);
    expect((await t.forge.store.listCapsules({ owner_id: 'overlay:leaky-invoked' }, { limit: 5 })).items).toEqual([]);
  });

  it('core overlays record a trust-100 caller’s refused request at 100, not at their own 60', async () => {
    const s = await createServedForge();
    try {
      await installOverlays(s.forge, ROOT, builtOverlays());
      const chief = await createUserWithKey(s.forge, 'refused-chief', 'contributor', 100);
      const posted = await callJson(s.url, 'POST', '/v2/requests', { query: 'Charge card 4111 1111 1111 1111 for the ledger fee' }, bearer(chief.apiKey));
      const done = (await callJson(s.url, 'GET', `/v2/requests/${posted.body.id as string}?wait=15000`, undefined, bearer(chief.apiKey))).body;
      expect(done.status).toBe('rejected');
      const threats = await eventually(async () => {
        const found = await s.forge.store.listEvents({ limit: 50, kind: 'security_threat' });
        return found.length > 0 ? found : undefined;
      });
      for (const e of threats) expect(e.trust_level).toBe(100);
      const reader = await createUserWithKey(s.forge, 'threat-reader', 'reader', 60);
      const seen = await callJson(s.url, 'GET', '/v2/events?kind=security_threat', undefined, bearer(reader.apiKey));
      expect(seen.body.items ?? seen.body).toEqual([]);
      expect(JSON.stringify(seen.body)).not.toContain(posted.body.id as string);
    } finally {
      await s.cleanup();
    }
  }, 60_000);
});

describe('high: the governance gate on every path', () => {
  it('a canary of a trust-100 candidate needs a passed proposal or an admin’s audited emergency; an unadmitted one is never promoted', async () => {
    const manifest = (version: string, trust: number) =>
      `name: gated\nversion: ${version}\ntrust_level: ${trust}\nentry_points: [echo]\ncapabilities: [capsule:read, event:publish]`;
    const wasm = await compileWat('abi-test');
    const stable = await t.forge.overlays.registry.register(ROOT, manifest('1.0.0', 60), wasm);
    await t.forge.overlays.registry.activate(ROOT, stable.id);
    const candidate = await t.forge.overlays.registry.register(ROOT, manifest('2.0.0', 100), wasm);
    const operator = await createUserWithKey(t.forge, 'canary-op', 'operator', 100);
    const admin = await createUserWithKey(t.forge, 'canary-admin', 'admin', 100);
    const body = { candidate_id: candidate.id, traffic_percentage: 1, min_requests: 1, max_latency_ratio: 1000 };
    const refused = await callJson(t.url, 'POST', `/v2/overlays/${stable.id}/canary`, body, bearer(operator.apiKey));
    expect(refused).toMatchObject({ status: 403, body: { error: 'governance_required', details: { trust: 100, gate_trust: 80 } } });
    const emergency = { reason: 'the old fraud screen misses the new attack' };
    expect((await callJson(t.url, 'POST', `/v2/overlays/${stable.id}/canary`, { ...body, emergency }, bearer(operator.apiKey))).status).toBe(403);
    expect(await t.forge.fleet.canaries.read(stable.id)).toBeNull();

    // A canary that was started without admission (as the old code did) is rolled back, not promoted.
    await t.forge.fleet.canaries.start(stable.id, { ...body, max_error_rate: 1 });
    await t.forge.fleet.canaries.record(stable.id, 'stable', false, 1);
    await t.forge.fleet.canaries.record(stable.id, 'candidate', false, 1);
    const [decided] = await t.forge.overlays.canaries.evaluate();
    expect(decided).toMatchObject({ status: 'rolled_back', reason: expect.stringContaining('needs a passed proposal') });
    expect((await t.forge.overlays.registry.get(candidate.id)).state).not.toBe('active');
    expect((await t.forge.overlays.registry.get(stable.id)).state).toBe('active');

    // An admin's emergency admits it, audited; promotion then goes through.
    const started = await callJson(t.url, 'POST', `/v2/overlays/${stable.id}/canary`, { ...body, emergency }, bearer(admin.apiKey));
    expect(started.status).toBe(201);
    const audited = await t.forge.store.listAudit({ limit: 5, action: 'governance.emergency' });
    expect(audited.find((a) => a.entity_id === candidate.id)).toMatchObject({ actor_id: admin.id, details: { reason: emergency.reason, trust: 100 } });
    await t.forge.fleet.canaries.record(stable.id, 'stable', false, 1);
    await t.forge.fleet.canaries.record(stable.id, 'candidate', false, 1);
    const [promoted] = await t.forge.overlays.canaries.evaluate();
    expect(promoted).toMatchObject({ status: 'promoted' });
    expect((await t.forge.overlays.registry.get(candidate.id)).state).toBe('active');
  }, 30_000);

  it('a trust raise is checked against the value it replaces inside the store’s transaction (two raises cannot race past the gate)', async () => {
    const subject = await t.forge.users.create(ROOT, { name: `racer-${randomUUID().slice(0, 6)}`, role: 'reader', trust_level: 90 }, TEST_SETUP);
    // Another admin lowers the user to 50 between this update's read and its write.
    const store = new Proxy(t.forge.store, {
      get(target, prop, receiver) {
        if (prop === 'updateUser') {
          return async (...args: Parameters<GraphStore['updateUser']>) => {
            await target.updateUser(args[0], { trust_level: 50, reason: 'demoted meanwhile' }, { actor_id: 'other-admin' });
            return target.updateUser(...args);
          };
        }
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
    const users = new UserService({ store, gate: t.forge.gate });
    // Read before, 85 looked like a lowering (90 → 85); against the value it replaces (50) it is a raise into the gate.
    await expect(users.update(ROOT, subject.id, { trust_level: 85, reason: 'looked like a lowering' })).rejects.toMatchObject({ code: 'governance_required' });
    expect((await t.forge.users.get(subject.id)).trust_level).toBe(50);
  });
});

describe('high: access tokens end with their origin', () => {
  const login = (form: Record<string, string>) => browserLogin(t.url, form);
  const tokenOf = async (cookie: string) => {
    const res = await fetch(`${t.url}/admin/session/token`, { method: 'POST', headers: { cookie } });
    return { status: res.status, body: (await res.json()) as { access_token?: string; error?: string } };
  };
  const me = async (token: string) => (await callJson(t.url, 'GET', '/v2/auth/me', undefined, bearer(token))).status;
  const mcp = async (token: string) =>
    (
      await fetch(`${t.url}/mcp`, {
        method: 'POST',
        headers: { ...bearer(token), 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      })
    ).status;

  it('mints a dashboard token only for a browser session, never for a bearer credential', async () => {
    const user = await createUserWithKey(t.forge, 'bearer-minter', 'reader', 40);
    const byKey = await callJson(t.url, 'POST', '/admin/session/token', undefined, bearer(user.apiKey));
    expect(byKey).toMatchObject({ status: 403, body: { error: 'session_required' } });
    const cookie = cookieOf(await login({ api_key: user.apiKey }));
    const { body } = await tokenOf(cookie);
    const byToken = await callJson(t.url, 'POST', '/admin/session/token', undefined, bearer(body.access_token as string));
    expect(byToken).toMatchObject({ status: 403, body: { error: 'session_required' } });
  });

  it('revoking the API key a session was opened with ends the session and every token it bought', async () => {
    const user = await createUserWithKey(t.forge, 'revoked-later', 'reader', 40);
    const cookie = cookieOf(await login({ api_key: user.apiKey }));
    const token = (await tokenOf(cookie)).body.access_token as string;
    expect(await me(token)).toBe(200);
    expect(await mcp(token)).not.toBe(401);
    const [key] = await t.forge.users.keys(user.id);
    await t.forge.users.revokeKey(ROOT, key?.id as string);
    expect(await me(token)).toBe(401);
    expect(await mcp(token)).toBe(401);
    expect((await tokenOf(cookie)).status).toBe(401);
    const board = await fetch(`${t.url}/admin/queues`, { redirect: 'manual', headers: { cookie, accept: 'text/html' } });
    expect(board.status).toBe(303);
  });

  it('logging out ends the session’s tokens; logout and refresh reuse end a login’s access tokens', async () => {
    const user = await t.forge.users.create(ROOT, { name: `pw-${randomUUID().slice(0, 6)}`, role: 'reader', trust_level: 40, password: 'a long passphrase here' });
    const cookie = cookieOf(await login({ name: user.name, password: 'a long passphrase here' }));
    const sessionToken = (await tokenOf(cookie)).body.access_token as string;
    expect(await me(sessionToken)).toBe(200);
    await fetch(`${t.url}/admin/logout`, { method: 'POST', redirect: 'manual', headers: { cookie } });
    expect(await me(sessionToken)).toBe(401);

    const anon = { authorization: '' };
    const first = (await callJson(t.url, 'POST', '/v2/auth/login', { name: user.name, password: 'a long passphrase here' }, anon)).body;
    expect(await me(first.access_token as string)).toBe(200);
    await callJson(t.url, 'POST', '/v2/auth/logout', { refresh_token: first.refresh_token }, anon);
    expect(await me(first.access_token as string)).toBe(401);

    const second = (await callJson(t.url, 'POST', '/v2/auth/login', { name: user.name, password: 'a long passphrase here' }, anon)).body;
    const rotated = (await callJson(t.url, 'POST', '/v2/auth/refresh', { refresh_token: second.refresh_token }, anon)).body;
    expect(await me(rotated.access_token as string)).toBe(200);
    // The first refresh token presented again: its family is revoked, and with it both access tokens.
    expect((await callJson(t.url, 'POST', '/v2/auth/refresh', { refresh_token: second.refresh_token }, anon)).status).toBe(401);
    expect(await me(second.access_token as string)).toBe(401);
    expect(await me(rotated.access_token as string)).toBe(401);
  });
});

describe('medium: health checks, the audit log, save_as_capsule', () => {
  it('a health check of an overlay that is not active runs with no effects and at no trust', async () => {
    await t.forge.capsules.create(ROOT, { content: 'Ledger escrow keys are held by two officers.', type: 'knowledge', trust_level: 100 });
    const pending = await leakyOverlay(t.forge, { name: 'pending-high', trust: 100, activate: false });
    const operator = await createUserWithKey(t.forge, 'health-op-40', 'operator', 40);
    const report = (await callJson(t.url, 'GET', `/v2/overlays/${pending.id}/health`, undefined, bearer(operator.apiKey))).body;
    // Its search ran at trust 0 and found nothing: the status cannot carry what a trust-100 overlay could read.
    expect(report).toMatchObject({ healthy: true, status: 0 });
    expect(JSON.stringify(report)).not.toContain('escrow');
    expect((await t.forge.store.listCapsules({ owner_id: 'overlay:pending-high' }, { limit: 5 })).items).toEqual([]);
    expect((await t.forge.store.listEvents({ limit: 500, kind: 'custom.leak' })).filter((e) => e.source.id === pending.id)).toEqual([]);
  });

  it('shows an operator audit entries above its trust only redacted: no id, no trust, no sources, no payload', async () => {
    const hidden = await t.forge.capsules.create(ROOT, { content: 'Board minutes mk100audit.', type: 'decision', trust_level: 100 });
    const derived = await t.forge.capsules.create(ROOT, {
      content: 'Summary of the minutes.',
      type: 'insight',
      trust_level: 100,
      derived_from: [{ parent_id: hidden.id, reason: 'summary' }],
    });
    const visible = await t.forge.capsules.create(ROOT, { content: 'Cafeteria menu.', type: 'knowledge', trust_level: 0 });
    const operator = await createUserWithKey(t.forge, 'audit-op-40', 'operator', 40);
    const body = (await callJson(t.url, 'GET', '/v2/system/audit-log?limit=500', undefined, bearer(operator.apiKey))).body as { entries: Array<Record<string, unknown>> };
    const text = JSON.stringify(body);
    for (const id of [hidden.id, derived.id]) expect(text).not.toContain(id);
    // No entry about a capsule shows a trust above the reader's (overlays' own trust is an operator's to see).
    for (const e of body.entries.filter((x) => x.entity_type === 'capsule')) expect(JSON.stringify(e)).not.toContain('"trust_level":100');
    expect(body.entries.find((e) => e.entity_id === visible.id)).toMatchObject({ action: 'capsule.create', label: 0 });
    expect(body.entries.some((e) => e.redacted === true && Object.keys(e).sort().join() === 'at,hash,id,prev_hash,redacted,seq')).toBe(true);
    // CORE sees them, labelled.
    const core = await createUserWithKey(t.forge, 'audit-op-100', 'operator', 100);
    const all = (await callJson(t.url, 'GET', '/v2/system/audit-log?limit=500', undefined, bearer(core.apiKey))).body as { entries: Array<Record<string, unknown>> };
    expect(all.entries.find((e) => e.entity_id === derived.id)).toMatchObject({ label: 100 });
  });

  it('refuses save_as_capsule to a reader (it writes a capsule: capsule:write)', async () => {
    const reader = await createUserWithKey(t.forge, 'planter', 'reader', 60);
    const res = await callJson(t.url, 'POST', '/v2/requests', { query: 'What is our refund policy?', save_as_capsule: true }, bearer(reader.apiKey));
    expect(res).toMatchObject({
      status: 403,
      body: { error: 'permission_denied', details: { permission: expect.stringContaining('save_as_capsule'), required_role: 'contributor' } },
    });
  });
});

describe('low: small holes', () => {
  it('a declassified version shows no hidden parent: parent_id null, capsule_updated without previous_id, and no 409 naming its trust', async () => {
    const secret = await t.forge.capsules.create(ROOT, { content: 'Launch date: 3 March.', type: 'decision', trust_level: 100 });
    const public40 = await t.forge.capsules.update(ROOT, secret.id, { content: 'Launch date: 3 March (announced).', trust_level: 40, reason: 'announced publicly' });
    const writer = await createUserWithKey(t.forge, 'declass-40', 'contributor', 40);
    const got = await callJson(t.url, 'GET', `/v2/capsules/${public40.id}`, undefined, bearer(writer.apiKey));
    expect(got.body).toMatchObject({ id: public40.id, parent_id: null });
    const listed = await callJson(t.url, 'GET', '/v2/capsules?limit=200', undefined, bearer(writer.apiKey));
    expect(JSON.stringify(listed.body)).not.toContain(secret.id);
    const updated = await eventually(async () =>
      (await t.forge.store.listEvents({ limit: 500, kind: 'capsule_updated' })).find((e) => (e.payload as { capsule_id?: string }).capsule_id === public40.id),
    );
    expect(updated.payload).toMatchObject({ previous_id: null, trust_level: 40 });
    // Its next version, by a contributor at 40: its predecessor is not a source, so nothing refuses it with 100.
    const next = await callJson(t.url, 'PUT', `/v2/capsules/${public40.id}`, { content: 'Launch date: 4 March.', reason: 'moved' }, bearer(writer.apiKey));
    expect(next.status, JSON.stringify(next.body)).toBe(200);
    expect(JSON.stringify(next.body)).not.toContain(secret.id);
  });

  it('answers malformed percent-encoding with 400 on every :id route, and refuses a null or bad Origin on an upgrade with 403', async () => {
    const admin = await createUserWithKey(t.forge, 'encoding-admin', 'admin', 100);
    const { ROUTES } = await import('../src/auth/authorization.js');
    for (const rule of ROUTES.filter((r) => r.path.includes(':id'))) {
      const res = await callJson(t.url, rule.method, rule.path.replace(':id', '%zz'), rule.method === 'GET' || rule.method === 'DELETE' ? undefined : {}, bearer(admin.apiKey));
      expect(res.status, `${rule.method} ${rule.path}`).toBe(400);
    }
    for (const origin of ['null', 'not a url', 'file://x']) {
      const status = await new Promise<number>((resolve, reject) => {
        const url = new URL(t.url);
        const req = httpRequest({
          host: url.hostname,
          port: url.port,
          path: '/ws/events',
          headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', origin, ...bearer(admin.apiKey) },
        });
        req.on('response', (res) => resolve(res.statusCode ?? 0));
        req.on('upgrade', () => resolve(101));
        req.on('error', reject);
        req.end();
      });
      expect(status, origin).toBe(403);
    }
  });

  it('re-running a proposal’s analysis needs a contributor, is audited and limited', async () => {
    const proposer = await createUserWithKey(t.forge, 'analysis-proposer', 'contributor', 60);
    const reader = await createUserWithKey(t.forge, 'analysis-reader', 'reader', 60);
    const proposal = (
      await callJson(
        t.url,
        'POST',
        '/v2/governance/proposals',
        {
          title: 'Adopt the ledger policy',
          description: 'Every ledger change is reviewed by two people before it ships to production.',
          kind: 'policy',
          action: { text: 'two reviewers' },
        },
        bearer(proposer.apiKey),
      )
    ).body;
    const path = `/v2/governance/proposals/${proposal.id as string}/analysis`;
    expect((await callJson(t.url, 'GET', path, undefined, bearer(reader.apiKey))).status).toBe(200);
    expect(await callJson(t.url, 'GET', `${path}?refresh=true`, undefined, bearer(reader.apiKey))).toMatchObject({ status: 403, body: { error: 'permission_denied' } });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await callJson(t.url, 'GET', `${path}?refresh=true`, undefined, bearer(proposer.apiKey))).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    const audited = await t.forge.store.listAudit({ limit: 20, entity_id: proposal.id as string, action: 'proposal.analyse' });
    expect(audited.map((a) => a.actor_id).sort()).toEqual([reader.id, ...Array(5).fill(proposer.id)].sort());
  });

  it('weighs a vote at the lower of the voter’s trust when it voted and at the count', async () => {
    const { tally } = await import('../src/governance/tally.js');
    const at = new Date().toISOString();
    const user = (id: string, trust_level: number) => ({
      id,
      name: id,
      role: 'reader' as const,
      trust_level,
      disabled: false,
      has_password: false,
      totp_enabled: false,
      created_at: at,
      updated_at: at,
    });
    const votes = [
      { proposal_id: 'p', voter_id: 'demoted', choice: 'for' as const, weight: 100, at },
      { proposal_id: 'p', voter_id: 'steady', choice: 'against' as const, weight: 90, at },
    ];
    const result = tally([user('demoted', 60), user('steady', 90)], votes, [], { quorum: 0.1, pass_threshold: 0.5 });
    expect(result.counted.map((c) => [c.voter_id, c.weight])).toEqual([
      ['demoted', 60],
      ['steady', 90],
    ]);
    expect(result.outcome).toBe('rejected');
  });

  it('shows an operator only the dead letters, and the reach, labelled at or below its trust', async () => {
    const chief = await createUserWithKey(t.forge, 'dl-chief', 'contributor', 100);
    const request = (await t.forge.requests.submit({ id: chief.id, roles: ['contributor'], trust_level: 100 }, { query: 'mk100dl secret question' })).record;
    await t.forge.queues.deadLetters.add(
      'dead',
      {
        queue: 'context',
        job_name: 'context',
        job_id: `${request.id}.context`,
        request_id: request.id,
        data: { query: 'mk100dl secret question' },
        error: { name: 'Error', code: null, message: 'boom', stack: null },
        attempts: 3,
        failed_at: new Date().toISOString(),
      },
      { jobId: `dl-${request.id}` },
    );
    const low = await createUserWithKey(t.forge, 'dl-op-40', 'operator', 40);
    const listed = await callJson(t.url, 'GET', '/v2/dead-letters', undefined, bearer(low.apiKey));
    expect(JSON.stringify(listed.body)).not.toContain('mk100dl');
    expect((await callJson(t.url, 'GET', `/v2/dead-letters/dl-${request.id}`, undefined, bearer(low.apiKey))).status).toBe(404);
    const high = await createUserWithKey(t.forge, 'dl-op-100', 'operator', 100);
    expect(JSON.stringify((await callJson(t.url, 'GET', '/v2/dead-letters', undefined, bearer(high.apiKey))).body)).toContain('mk100dl');
    expect((await t.forge.dlq.list(CORE_READER, { request_id: request.id }, { limit: 5, offset: 0 })).total).toBe(1);
    expect((await t.forge.dlq.list({ id: low.id, roles: ['operator'], trust_level: 40 }, { request_id: request.id }, { limit: 5, offset: 0 })).total).toBe(0);
  });

  it('counts in an overlay’s reach only the deliveries of events a reader may see', async () => {
    const relayTrust = 100;
    const source = await leakyOverlay(t.forge, { name: 'reach-source', trust: relayTrust, subscriptions: ['custom.reach'], query: 'nothing-matches-this' });
    await leakyOverlay(t.forge, { name: 'reach-target', trust: relayTrust, subscriptions: ['custom.leak'], query: 'nothing-matches-this' });
    await t.forge.eventLog.publish(ROOT, { kind: 'custom.reach', payload: { n: 1 }, trust_level: 100 });
    const high = await createUserWithKey(t.forge, 'reach-op-100', 'operator', 100);
    const low = await createUserWithKey(t.forge, 'reach-op-40', 'operator', 40);
    const reachOf = async (key: string) =>
      (await callJson(t.url, 'GET', `/v2/overlays/${source.id}/affected?hops=3`, undefined, bearer(key))).body as { reached: Array<{ target: string }> };
    const seen = await eventually(async () => ((await reachOf(high.apiKey)).reached.some((r) => r.target === 'overlay:reach-target') ? true : undefined), 15_000, 'the delivery');
    expect(seen).toBe(true);
    expect((await reachOf(low.apiKey)).reached).toEqual([]);
  }, 30_000);
});
