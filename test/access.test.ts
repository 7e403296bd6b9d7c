import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import path from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allows, PERMISSIONS, ROUTES } from '../src/auth/authorization.js';
import { totpCode } from '../src/auth/totp.js';
import { ROLES, type Role } from '../src/store/graph-store.js';
import { loadConfig } from '../src/config/index.js';
import { authHeaders, callJson, createServedForge, createUserWithKey, type ServedForge, TEST_SETUP, browserLogin, cookieOf } from './helpers/forge.js';

let t: ServedForge;
const keys = new Map<Role, string>();
beforeAll(async () => {
  t = await createServedForge();
  for (const role of ROLES) keys.set(role, (await createUserWithKey(t.forge, `matrix-${role}`, role, 60)).apiKey);
});
afterAll(async () => t.cleanup());

const as = (role: Role | null) => ({ authorization: role ? `Bearer ${keys.get(role) as string}` : '' });

describe('the role × route matrix, generated from the authorisation table', () => {
  // Bull Board's mount stands for everything under it: probe one path of its API.
  const cells = ROUTES.flatMap((rule) => [null, ...ROLES].map((role) => ({ rule, role })));

  it(`decides every cell as the table says (${ROUTES.length} routes × ${ROLES.length + 1} callers)`, async () => {
    let checked = 0;
    for (const { rule, role } of cells) {
      const path = (rule.path === '/admin/queues' && rule.method !== 'GET' ? '/admin/queues/api/queues/context/clean/failed' : rule.path).replace(':id', randomUUID());
      // Each route gets a body of the type it takes (an empty one: the cell is about who, not what).
      const res =
        rule.path === '/v2/overlays' && rule.method === 'POST'
          ? await fetch(`${t.url}${path}`, { method: 'POST', body: new FormData(), headers: role ? { authorization: as(role).authorization } : {} }).then(async (r) => ({
              status: r.status,
              headers: r.headers,
              body: (await r.json()) as Record<string, unknown>,
            }))
          : await callJson(t.url, rule.method, path, rule.method === 'GET' || rule.method === 'DELETE' ? undefined : {}, as(role));
      const what = `${role ?? 'anonymous'} ${rule.method} ${path} (${rule.permission})`;
      if (allows(role, rule.permission)) {
        expect([401, 403].includes(res.status) && ['unauthenticated', 'permission_denied'].includes(String(res.body?.error)), `${what} → ${res.status}`).toBe(false);
      } else if (role === null) {
        expect(res.status, what).toBe(401);
        expect(res.body).toMatchObject({ error: 'unauthenticated', details: { reason: 'missing' } });
        expect(res.headers.get('www-authenticate'), what).toMatch(/^Bearer/);
      } else {
        expect(res.status, what).toBe(403);
        expect(res.body, what).toMatchObject({
          error: 'permission_denied',
          details: { permission: rule.permission, required_role: PERMISSIONS[rule.permission], your_role: role },
        });
      }
      checked++;
    }
    expect(checked).toBe(cells.length);
  }, 60_000);
});

describe('credentials', () => {
  it('refuses a malformed, unknown, revoked key and a disabled user with 401, and answers liveness to anyone', async () => {
    const malformed = await callJson(t.url, 'GET', '/v2/capsules', undefined, { authorization: 'Basic abc' });
    expect(malformed).toMatchObject({ status: 401, body: { error: 'unauthenticated', details: { reason: 'invalid' } } });
    const unknown = await callJson(t.url, 'GET', '/v2/capsules', undefined, { authorization: `Bearer forge_000000000000_${'a'.repeat(43)}` });
    expect(unknown).toMatchObject({ status: 401, body: { details: { reason: 'revoked_or_unknown' } } });

    const user = await createUserWithKey(t.forge, 'soon-gone', 'reader', 40);
    const me = await callJson(t.url, 'GET', '/v2/auth/me', undefined, { authorization: `Bearer ${user.apiKey}` });
    expect(me.body).toMatchObject({ user: { id: user.id, name: 'soon-gone', role: 'reader', trust_level: 40 }, via: 'api_key' });
    const key = ((await callJson(t.url, 'GET', `/v2/users/${user.id}/keys`)).body.items as Array<{ id: string }>)[0] as { id: string };
    expect((await callJson(t.url, 'DELETE', `/v2/keys/${key.id}`)).body).toMatchObject({ id: key.id, revoked_at: expect.any(String) });
    expect((await callJson(t.url, 'GET', '/v2/capsules', undefined, { authorization: `Bearer ${user.apiKey}` })).status).toBe(401);

    const other = await createUserWithKey(t.forge, 'to-disable', 'reader', 40);
    expect((await callJson(t.url, 'PATCH', `/v2/users/${other.id}`, { disabled: true, reason: 'left' })).status).toBe(200);
    expect(await callJson(t.url, 'GET', '/v2/capsules', undefined, { authorization: `Bearer ${other.apiKey}` })).toMatchObject({
      status: 401,
      body: { details: { reason: 'disabled' } },
    });

    const health = await callJson(t.url, 'GET', '/v2/system/health', undefined, { authorization: '' });
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: 'ok' });
    expect((await callJson(t.url, 'GET', '/v2/system/health')).body).toHaveProperty('redis');
    expect((await callJson(t.url, 'GET', '/healthz', undefined, { authorization: '' })).status).toBe(200);
  });
});

describe('users API', () => {
  it('creates users with a key shown once, changes trust with a reason kept in the history, and never grants above the granter', async () => {
    const created = await callJson(t.url, 'POST', '/v2/users', { name: 'dana', role: 'contributor', trust_level: 40 });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.any(String), name: 'dana', role: 'contributor', trust_level: 40 });
    const id = created.body.id as string;
    const key = await callJson(t.url, 'POST', `/v2/users/${id}/keys`, { label: 'ci' });
    expect(key.status).toBe(201);
    expect(key.body).toMatchObject({ label: 'ci', user_id: id, api_key: expect.stringMatching(/^forge_/) });
    const listed = (await callJson(t.url, 'GET', `/v2/users/${id}/keys`)).body.items as Array<Record<string, unknown>>;
    expect(listed[0]).not.toHaveProperty('api_key');
    expect(JSON.stringify(listed)).not.toContain(key.body.api_key as string);

    expect((await callJson(t.url, 'PATCH', `/v2/users/${id}`, { trust_level: 60, reason: 'promoted after review' })).body).toMatchObject({ trust_level: 60 });
    const history = await callJson(t.url, 'GET', `/v2/users/${id}/trust-history`);
    expect(history.body.history).toEqual([{ user_id: id, at: expect.any(String), actor_id: t.admin.id, old_trust: 40, new_trust: 60, reason: 'promoted after review' }]);
    expect((await callJson(t.url, 'PATCH', `/v2/users/${id}`, { trust_level: 50 })).status).toBe(400); // a reason is required

    // The test admin is at trust 60: it cannot make or raise anyone above that.
    const above = await callJson(t.url, 'POST', '/v2/users', { name: 'eve', role: 'reader', trust_level: 80 });
    expect(above).toMatchObject({ status: 403, body: { error: 'forbidden', details: { required_trust: 80, your_trust: 60 } } });
    expect((await callJson(t.url, 'PATCH', `/v2/users/${id}`, { trust_level: 100, reason: 'x' })).status).toBe(403);
    expect((await callJson(t.url, 'POST', '/v2/users', { name: 'dana', role: 'reader', trust_level: 10 })).status).toBe(409);

    // A contributor acts under its own identity.
    const capsule = await callJson(t.url, 'POST', '/v2/capsules', { content: 'Dana wrote this.', type: 'knowledge' }, { authorization: `Bearer ${key.body.api_key as string}` });
    expect(capsule.body).toMatchObject({ owner_id: id, trust_level: 60 });
  });
});

describe('Bull Board behind a browser login', () => {
  const login = (form: Record<string, string>) => browserLogin(t.url, form);

  it('sends a browser to log in, lets operators look and admins act (audited), with an HttpOnly SameSite=Strict session', async () => {
    const page = await fetch(`${t.url}/admin/queues`, { redirect: 'manual', headers: { accept: 'text/html' } });
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/admin/login');
    expect((await login({ api_key: 'forge_000000000000_' + 'a'.repeat(43) })).status).toBe(401);

    // Bull Board shows every job's data and result, so it needs CORE trust besides the role.
    const lowOperator = await login({ api_key: keys.get('operator') as string }); // trust 60
    expect(await (await fetch(`${t.url}/admin/queues/api/queues`, { headers: { cookie: cookieOf(lowOperator) } })).json()).toMatchObject({
      error: 'forbidden',
      details: { required_trust: 100, your_trust: 60 },
    });
    const coreOperator = await createUserWithKey(t.forge, 'core-operator', 'operator', 100);
    const operator = await login({ api_key: coreOperator.apiKey });
    expect(operator.status).toBe(303);
    expect(operator.headers.get('location')).toBe('/admin/queues');
    const [session, hint] = operator.headers.getSetCookie();
    expect(session).toMatch(/^forge_session=[^;]+; Max-Age=28800; Path=\/admin; Expires=[^;]+; HttpOnly; SameSite=Strict$/);
    // And the page's hint that a sign-in happened: no credential, the same lifetime.
    expect(hint).toMatch(/^forge_signed_in=1; Max-Age=28800; Path=\/; Expires=[^;]+; SameSite=Strict$/);
    const asOperator = { cookie: cookieOf(operator) };
    expect((await fetch(`${t.url}/admin/queues`, { headers: { ...asOperator, accept: 'text/html' } })).status).toBe(200);
    expect((await fetch(`${t.url}/admin/queues/api/queues`, { headers: asOperator })).status).toBe(200);
    const refused = await fetch(`${t.url}/admin/queues/api/queues/context/clean/failed`, { method: 'PUT', headers: asOperator });
    expect(refused.status).toBe(403);
    // The cookie opens Bull Board only, not the API.
    expect((await fetch(`${t.url}/v2/capsules`, { headers: asOperator })).status).toBe(401);

    // An admin with a password signs in by name, and its board actions are audited with it as the actor.
    const admin = await t.forge.users.create(
      { id: 'system', roles: ['admin'], trust_level: 100 },
      { name: 'board-admin', role: 'admin', trust_level: 100, password: 'a long enough passphrase' },
      TEST_SETUP,
    );
    expect((await login({ name: 'board-admin', password: 'not the passphrase' })).status).toBe(401);
    const signedIn = await login({ name: 'board-admin', password: 'a long enough passphrase' });
    expect(signedIn.status).toBe(303);
    const asAdmin = { cookie: cookieOf(signedIn) };
    const acted = await fetch(`${t.url}/admin/queues/api/queues/context/clean/failed`, { method: 'PUT', headers: asAdmin });
    expect(acted.status).toBeLessThan(400);
    const audit = await t.forge.store.listAudit({ limit: 5, action: 'queues.action' });
    expect(audit[0]).toMatchObject({ actor_id: admin.id, entity_id: '/admin/queues/api/queues/context/clean/failed', details: { method: 'PUT', via: 'session' } });

    const out = await fetch(`${t.url}/admin/logout`, { method: 'POST', redirect: 'manual', headers: asAdmin });
    expect(out.status).toBe(303);
    expect((await fetch(`${t.url}/admin/queues/api/queues`, { headers: asAdmin })).status).toBe(401);
  });
});

describe('request records', () => {
  it('belong to their submitter: others get 404, operators may read any; idempotency keys are per caller', async () => {
    const alice = await createUserWithKey(t.forge, 'req-alice', 'reader', 60);
    const bob = await createUserWithKey(t.forge, 'req-bob', 'reader', 60);
    const as = (key: string) => ({ authorization: `Bearer ${key}`, 'idempotency-key': 'same-key' });
    const mine = await callJson(t.url, 'POST', '/v2/requests', { query: 'What is settlement?' }, as(alice.apiKey));
    expect(mine.status).toBe(202);
    const id = mine.body.id as string;
    expect((await callJson(t.url, 'GET', `/v2/requests/${id}`, undefined, { authorization: `Bearer ${alice.apiKey}` })).status).toBe(200);
    expect(await callJson(t.url, 'GET', `/v2/requests/${id}`, undefined, { authorization: `Bearer ${bob.apiKey}` })).toMatchObject({ status: 404, body: { error: 'not_found' } });
    expect((await callJson(t.url, 'GET', `/v2/requests/${id}`, undefined, { authorization: `Bearer ${keys.get('operator') as string}` })).status).toBe(200);
    // The same Idempotency-Key from another caller is another request.
    const theirs = await callJson(t.url, 'POST', '/v2/requests', { query: 'What is settlement?' }, as(bob.apiKey));
    expect(theirs.status).toBe(202);
    expect(theirs.body.id).not.toBe(id);
    expect((await callJson(t.url, 'POST', '/v2/requests', { query: 'What is settlement?' }, as(alice.apiKey))).body.id).toBe(id);
  });
});

describe('the metrics scrape token', () => {
  it('opens /metrics and nothing else', async () => {
    const token = 'scrape-token-0123456789abcdef';
    const s = await createServedForge({ FORGE_METRICS_TOKEN: token });
    try {
      const bearer = { authorization: `Bearer ${token}` };
      const scraped = await fetch(`${s.url}/metrics`, { headers: bearer });
      expect(scraped.status).toBe(200);
      expect(await scraped.text()).toContain('forge_phase_duration_seconds');
      expect((await fetch(`${s.url}/metrics`, { headers: { authorization: `Bearer ${token}x` } })).status).toBe(401);
      expect((await fetch(`${s.url}/v2/system/metrics`, { headers: bearer })).status).toBe(401);
    } finally {
      await s.cleanup();
    }
  });
});

describe('browser-facing safety', () => {
  it('refuses bodies a browser could post across sites (415) and hosts Forge does not answer to (421)', async () => {
    const before = (await t.forge.store.stats()).capsules;
    const plain = await fetch(`${t.url}/v2/capsules`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', ...authHeaders(t.url) },
      body: '{"content":"sneaky","type":"knowledge"}',
    });
    expect(plain.status).toBe(415);
    expect(await plain.json()).toMatchObject({ error: 'unsupported_media_type', details: { content_type: 'text/plain', accepted: ['application/json'] } });
    const form = await fetch(`${t.url}/v2/requests`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...authHeaders(t.url) }, body: 'query=x' });
    expect(form.status).toBe(415);
    expect((await t.forge.store.stats()).capsules).toBe(before);

    const withHost = (host: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const u = new URL(`${t.url}/healthz`);
        const req = httpRequest({ host: u.hostname, port: u.port, path: u.pathname, headers: { host } }, (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end();
      });
    const rebound = await withHost('attacker.example:8080');
    expect(rebound.status).toBe(421);
    expect(JSON.parse(rebound.body)).toMatchObject({ error: 'misdirected_request', details: { host: 'attacker.example:8080' } });
    expect((await withHost('localhost:8080')).status).toBe(200);
    expect((await withHost('[::1]:8080')).status).toBe(200);
    expect((await fetch(`${t.url}/healthz`, { headers: { origin: 'https://elsewhere.example' } })).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('takes its host list from FORGE_ALLOWED_HOSTS', () => {
    expect(loadConfig({ FORGE_ALLOWED_HOSTS: 'forge.example.com, Forge.Internal' }).allowedHosts).toEqual(['localhost', '127.0.0.1', '::1', 'forge.example.com', 'forge.internal']);
    expect(loadConfig({ FORGE_ALLOWED_HOSTS: '*' }).allowedHosts).toBeNull();
    expect(() => loadConfig({ FORGE_ALLOWED_HOSTS: 'a b' })).toThrow(/FORGE_ALLOWED_HOSTS/);
  });
});

describe('sign-in rate limits', () => {
  it('answers 429 with Retry-After once a credential or an address has used its attempts, fleet-wide', async () => {
    const s = await createServedForge({ FORGE_LOGIN_FAILURES_PER_CREDENTIAL: '3', FORGE_LOGIN_ATTEMPTS_PER_MINUTE: '8' });
    try {
      await s.forge.users.create({ id: 'system', roles: ['admin'], trust_level: 100 }, { name: 'rita', role: 'operator', trust_level: 60, password: 'the right passphrase' });
      const login = (name: string, password: string) =>
        fetch(`${s.url}/admin/login`, {
          method: 'POST',
          redirect: 'manual',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ name, password }).toString(),
        });
      for (let i = 0; i < 3; i++) expect((await login('rita', 'a wrong guess')).status).toBe(401);
      const blocked = await login('rita', 'the right passphrase'); // even the right one waits now
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await blocked.text()).toContain('Too many sign-in attempts');
      // Another credential from the same address still has its own attempts, until the address's run out.
      expect((await login('someone-else', 'x')).status).toBe(401);
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await login(`user-${i}`, 'x')).status);
      expect(statuses).toEqual([401, 401, 401, 429]); // 8 attempts from this address per minute
    } finally {
      await s.cleanup();
    }
  });
});

describe('password login tokens', () => {
  it('issues a short-lived access token and a rotating refresh token; a reused refresh token ends its login', async () => {
    const user = await t.forge.users.create(
      { id: 'system', roles: ['admin'], trust_level: 100 },
      { name: 'tina', role: 'reader', trust_level: 40, password: 'correct horse battery' },
    );
    const anon = { authorization: '' };
    expect(await callJson(t.url, 'POST', '/v2/auth/login', { name: 'tina', password: 'wrong horse battery' }, anon)).toMatchObject({
      status: 401,
      body: { error: 'unauthenticated' },
    });
    const login = await callJson(t.url, 'POST', '/v2/auth/login', { name: 'tina', password: 'correct horse battery' }, anon);
    expect(login.status).toBe(200);
    expect(login.body).toMatchObject({ token_type: 'Bearer', expires_in: 900, access_token: expect.stringMatching(/^ey/), refresh_token: expect.stringMatching(/^forgert_/) });
    const bearer = (token: unknown) => ({ authorization: `Bearer ${token as string}` });
    expect((await callJson(t.url, 'GET', '/v2/auth/me', undefined, bearer(login.body.access_token))).body).toMatchObject({ user: { id: user.id, role: 'reader' }, via: 'token' });
    expect((await callJson(t.url, 'GET', '/v2/dead-letters', undefined, bearer(login.body.access_token))).status).toBe(403);

    // Rotation: each refresh uses its token up.
    const first = await callJson(t.url, 'POST', '/v2/auth/refresh', { refresh_token: login.body.refresh_token }, anon);
    expect(first.status).toBe(200);
    expect(first.body.refresh_token).not.toBe(login.body.refresh_token);
    // The old one again: a copy is in someone else's hands, so the whole login ends — the new token too.
    expect(await callJson(t.url, 'POST', '/v2/auth/refresh', { refresh_token: login.body.refresh_token }, anon)).toMatchObject({
      status: 401,
      body: { details: { reason: 'refresh_reused' } },
    });
    expect(await callJson(t.url, 'POST', '/v2/auth/refresh', { refresh_token: first.body.refresh_token }, anon)).toMatchObject({
      status: 401,
      body: { details: { reason: 'invalid' } },
    });
    expect((await t.forge.store.listAudit({ limit: 1, action: 'session.revoke' }))[0]?.details).toMatchObject({ reason: 'refresh token reused' });

    // Logout ends a login.
    const again = await callJson(t.url, 'POST', '/v2/auth/login', { name: 'tina', password: 'correct horse battery' }, anon);
    expect((await callJson(t.url, 'POST', '/v2/auth/logout', { refresh_token: again.body.refresh_token }, bearer(again.body.access_token))).status).toBe(204);
    expect((await callJson(t.url, 'POST', '/v2/auth/refresh', { refresh_token: again.body.refresh_token }, anon)).status).toBe(401);

    // An expired access token (signed with the fleet's key, already past its time) and a forged one are refused.
    const secret = new TextEncoder().encode(readFileSync(path.join(t.dataDir, 'token.secret'), 'utf8').trim());
    const expired = await new SignJWT({ role: 'reader' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(user.id)
      .setIssuer('forge')
      .setAudience('forge-api')
      .setIssuedAt(1)
      .setExpirationTime(2)
      .sign(secret);
    expect(await callJson(t.url, 'GET', '/v2/auth/me', undefined, bearer(expired))).toMatchObject({ status: 401, body: { details: { reason: 'expired' } } });
    const forged = await new SignJWT({ role: 'admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(user.id)
      .setIssuer('forge')
      .setAudience('forge-api')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('x'.repeat(48)));
    expect(await callJson(t.url, 'GET', '/v2/auth/me', undefined, bearer(forged))).toMatchObject({ status: 401, body: { details: { reason: 'invalid' } } });
    // A user disabled after login is refused at once, whatever the token's remaining life.
    await t.forge.users.update({ id: 'system', roles: ['admin'], trust_level: 100 }, user.id, { disabled: true, reason: 'left' });
    expect((await callJson(t.url, 'GET', '/v2/auth/me', undefined, bearer(first.body.access_token))).status).toBe(401);
  });
});

describe('a second factor (TOTP)', () => {
  it('is enrolled and confirmed by its user, then needed by every password sign-in', async () => {
    await t.forge.users.create({ id: 'system', roles: ['admin'], trust_level: 100 }, { name: 'otto', role: 'reader', trust_level: 40, password: 'correct horse battery' });
    const anon = { authorization: '' };
    const login = (extra: Record<string, string> = {}) => callJson(t.url, 'POST', '/v2/auth/login', { name: 'otto', password: 'correct horse battery', ...extra }, anon);
    const first = await login();
    const as = { authorization: `Bearer ${first.body.access_token as string}` };
    const enrolled = await callJson(t.url, 'POST', '/v2/auth/totp', {}, as);
    expect(enrolled.status).toBe(201);
    expect(enrolled.body).toMatchObject({ secret: expect.stringMatching(/^[A-Z2-7]{32}$/), otpauth_uri: expect.stringMatching(/^otpauth:\/\/totp\/Forge:otto\?secret=/) });
    const secret = enrolled.body.secret as string;
    expect((await login()).status).toBe(200); // pending until confirmed
    expect((await callJson(t.url, 'POST', '/v2/auth/totp/confirm', { code: '000000' === totpCode(secret) ? '111111' : '000000' }, as)).status).toBe(400);
    expect((await callJson(t.url, 'POST', '/v2/auth/totp/confirm', { code: totpCode(secret) }, as)).body).toMatchObject({ name: 'otto', totp_enabled: true });

    expect(await login()).toMatchObject({ status: 401, body: { details: { reason: 'totp_required' } } });
    const wrong = totpCode(secret, Date.now() + 10 * 60_000);
    expect((await login({ totp: wrong === totpCode(secret) ? '123456' : wrong })).status).toBe(401);
    expect((await login({ totp: totpCode(secret) })).status).toBe(200);
    // The browser sign-in asks for it too.
    const form = (totp: string) =>
      fetch(`${t.url}/admin/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ name: 'otto', password: 'correct horse battery', totp }).toString(),
      });
    expect((await form('')).status).toBe(401);
    expect((await form(totpCode(secret))).status).toBe(303);

    expect((await callJson(t.url, 'POST', '/v2/auth/totp/disable', { code: totpCode(secret) }, as)).body).toMatchObject({ totp_enabled: false });
    expect((await login()).status).toBe(200);
    const actions = (await t.forge.store.listAudit({ limit: 10, action: 'user.totp.enable' })).length;
    expect(actions).toBe(1);
  });
});

describe('self-registration', () => {
  it('is closed by default, and when opened makes readers at trust 40 who are signed in at once', async () => {
    const anon = { authorization: '' };
    expect(await callJson(t.url, 'POST', '/v2/auth/register', { name: 'walk-in', password: 'a long enough secret' }, anon)).toMatchObject({
      status: 403,
      body: { error: 'registration_closed' },
    });
    const open = await createServedForge({ FORGE_SELF_REGISTRATION: 'on' });
    try {
      const made = await callJson(open.url, 'POST', '/v2/auth/register', { name: 'walk-in', password: 'a long enough secret' }, anon);
      expect(made.status).toBe(201);
      expect(made.body).toMatchObject({ user: { name: 'walk-in', role: 'reader', trust_level: 40 }, token_type: 'Bearer', access_token: expect.any(String) });
      const as = { authorization: `Bearer ${made.body.access_token as string}` };
      expect((await callJson(open.url, 'GET', '/v2/capsules', undefined, as)).status).toBe(200);
      expect((await callJson(open.url, 'POST', '/v2/capsules', { content: 'x', type: 'knowledge' }, as)).status).toBe(403);
      expect((await callJson(open.url, 'POST', '/v2/auth/register', { name: 'walk-in', password: 'another long secret' }, anon)).status).toBe(409);
      expect((await callJson(open.url, 'POST', '/v2/auth/register', { name: 'short', password: 'tiny' }, anon)).status).toBe(400);
    } finally {
      await open.cleanup();
    }
  });
});
