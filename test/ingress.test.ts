import { request } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { authHeaders, callJson, createServedForge, createUserWithKey, type ServedForge } from './helpers/forge.js';

let t: ServedForge;
let base: string;

beforeEach(async () => {
  t = await createServedForge({ FORGE_BODY_LIMIT: '4kb' });
  base = t.url;
});
afterEach(async () => t.cleanup());

const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => callJson(base, method, path, body, headers);

describe('requests API', () => {
  it('accepts a request with 202 and long-polls it to its answer', async () => {
    await call('POST', '/v2/capsules', { content: 'Settlement runs nightly between 23:00 and 01:00 UTC.', type: 'knowledge' });
    const posted = await call('POST', '/v2/requests', { query: 'When does settlement run?' }, { 'x-correlation-id': 'corr-1' });
    expect(posted.status).toBe(202);
    expect(posted.body).toMatchObject({ status: 'queued', correlation_id: 'corr-1' });
    expect(posted.headers.get('location')).toBe(`/v2/requests/${posted.body.id}`);
    const done = await call('GET', `/v2/requests/${posted.body.id}?wait=10000`);
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ id: posted.body.id, status: 'completed', error: null });
    expect(done.body.answer).toContain('Settlement runs nightly');
    expect(done.body.citations).toHaveLength(1);
    expect(Object.keys(done.body.phase_timings as object)).toHaveLength(5);
  });

  it('returns the original request for a repeated Idempotency-Key', async () => {
    const first = await call('POST', '/v2/requests', { query: 'first' }, { 'idempotency-key': 'abc-123' });
    const again = await call('POST', '/v2/requests', { query: 'second' }, { 'idempotency-key': 'abc-123' });
    expect(first.status).toBe(202);
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.id).toBe(first.body.id);
  });

  it('answers bad input with 400 and the zod issues, and accepts nothing', async () => {
    const cases: Array<[unknown, string]> = [
      [{}, 'query'],
      [{ query: '' }, 'query'],
      [{ query: 'x', required_trust: 101 }, 'required_trust'],
      [{ query: 'x', save_as_capsule: 'yes' }, 'save_as_capsule'],
      [{ query: 'x', surprise: 1 }, ''],
      [[1, 2], ''],
    ];
    for (const [body, field] of cases) {
      const res = await call('POST', '/v2/requests', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error).toBe('validation_failed');
      const issues = (res.body.details as { issues: Array<{ path: string[]; message: string }> }).issues;
      expect(issues.length).toBeGreaterThan(0);
      if (field) expect(issues.map((i) => i.path.join('.'))).toContain(field);
    }
    expect((await call('POST', '/v2/requests', { query: 'x' }, { 'idempotency-key': 'has space' })).status).toBe(400);
    expect((await call('GET', '/v2/requests/whatever?wait=-5')).status).toBe(400);
    expect((await t.forge.store.stats()).requests).toBe(0);
  });

  it('answers malformed JSON with 400, an oversized body with 413, unknown ids and routes with 404', async () => {
    const bad = await call('POST', '/v2/requests', '{"query": ');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('entity_parse_failed');
    const big = await call('POST', '/v2/requests', { query: 'x'.repeat(5000) });
    expect(big.status).toBe(413);
    expect((await call('GET', '/v2/requests/00000000-0000-0000-0000-000000000000')).status).toBe(404);
    expect((await call('GET', '/v2/capsules/not-a-capsule')).status).toBe(404);
    expect((await call('GET', '/v2/nowhere')).status).toBe(404);
    expect((await call('PUT', '/v2/capsules/nope', { content: 'x' })).status).toBe(404);
  });

  it('answers a method a path does not serve with 405 and the methods it does (Allow), whatever the method', async () => {
    const raw = (method: string, path: string) =>
      new Promise<{ status: number; allow: string | undefined; body: string }>((resolve, reject) => {
        const req = request(new URL(path, t.url), { method, headers: authHeaders(t.url) }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, allow: res.headers.allow, body }));
        });
        req.on('error', reject);
        req.end();
      });
    // TRACE: a method fetch will not even send.
    const traced = await raw('TRACE', '/v2/capsules');
    expect([traced.status, traced.allow]).toEqual([405, 'GET, HEAD, POST']);
    expect(JSON.parse(traced.body)).toMatchObject({ error: 'method_not_allowed' });
    expect(await raw('PATCH', '/v2/capsules/some-id')).toMatchObject({ status: 405, allow: 'DELETE, GET, HEAD, PUT' });
    expect(await raw('DELETE', '/v2/auth/me')).toMatchObject({ status: 405, allow: 'GET, HEAD' });
    // A path nothing serves is still 404.
    expect((await raw('TRACE', '/v2/nowhere')).status).toBe(404);
    // A path two declared paths match is the more specific one's: the search, not a capsule named "search".
    expect(await raw('OPTIONS', '/v2/capsules/search')).toMatchObject({ status: 204, allow: 'GET, HEAD, OPTIONS' });
    expect(await raw('GET', '/v2/dead-letters/purge')).toMatchObject({ status: 405, allow: 'POST' });
    // Refused for its method before its body is looked at (not 415 for a body type the path never takes).
    const traceWithBody = await fetch(new URL('/v2/overlays', t.url), {
      method: 'PUT',
      headers: { ...authHeaders(t.url), 'content-type': 'multipart/form-data; boundary=x' },
      body: '--x\r\ncontent-disposition: form-data; name="manifest"\r\n\r\n{}\r\n--x--\r\n',
    });
    expect([traceWithBody.status, traceWithBody.headers.get('allow')]).toEqual([405, 'GET, HEAD, POST']);
  });

  it('answers a request head larger than it reads (a very long URL) with 431 in JSON', async () => {
    const res = await fetch(new URL(`/v2/names?ids=${'a'.repeat(20_000)}`, t.url), { headers: authHeaders(t.url) });
    expect(res.status).toBe(431);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toMatchObject({ error: 'request_header_too_large' });
  });

  it('never answers 5xx to hostile input', async () => {
    const paths = [
      '/v2/requests',
      '/v2/capsules',
      '/v2/capsules/x/fork',
      '/v2/capsules/search?q=%00%ff',
      '/v2/capsules?limit=1e9',
      '/v2/capsules?cursor=!!!',
      '/v2/system/audit-log?limit=abc',
    ];
    const bodies = ['null', '"str"', '{"query":{"$gt":1}}', '{"content":null}', '{"__proto__":{"x":1}}', '[]', '{"query":"\\u0000"}'];
    for (const p of paths) {
      for (const b of bodies) {
        const post = await call('POST', p, b);
        expect(post.status, `POST ${p} ${b}`).toBeLessThan(500);
      }
      expect((await call('GET', p)).status, `GET ${p}`).toBeLessThan(500);
    }
  });
});

describe('capsules API', () => {
  it('creates, reads, versions, forks, archives and traces lineage', async () => {
    const created = await call('POST', '/v2/capsules', { content: 'Deploys need a canary stage.', type: 'decision', tags: ['deploy'], metadata: { team: 'platform' } });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(created.body).toMatchObject({ version: '1.0.0', owner_id: t.admin.id, trust_level: 60, tags: ['deploy'] });
    expect((await call('GET', `/v2/capsules/${id}`)).body.content).toBe('Deploys need a canary stage.');

    const v2 = await call('PUT', `/v2/capsules/${id}`, { content: 'Deploys need a canary stage of 30 minutes.', reason: 'clarified' });
    expect(v2.status).toBe(200);
    expect(v2.body).toMatchObject({ version: '1.0.1', parent_id: id });
    expect((await call('GET', `/v2/capsules/${id}`)).body.superseded_by).toBe(v2.body.id);
    const stale = await call('PUT', `/v2/capsules/${id}`, { content: 'lost update' });
    expect(stale.status).toBe(409);

    const fork = await call('POST', `/v2/capsules/${v2.body.id}/fork`, { content: 'EU deploys need approval and a canary.', reason: 'eu' });
    expect(fork.status).toBe(201);
    const lineage = await call('GET', `/v2/capsules/${fork.body.id}/lineage`);
    expect((lineage.body.ancestors as Array<{ capsule: { id: string }; depth: number; edge: { reason: string } }>).map((a) => [a.capsule.id, a.depth, a.edge.reason])).toEqual([
      [v2.body.id, 1, 'eu'],
      [id, 2, 'clarified'],
    ]);
    const descendants = await call('GET', `/v2/capsules/${id}/descendants`);
    expect((descendants.body.descendants as unknown[]).length).toBe(2);

    const archived = await call('DELETE', `/v2/capsules/${fork.body.id}`);
    expect(archived.body.archived).toBe(true);
    const list = await call('GET', '/v2/capsules?limit=10');
    expect((list.body.items as Array<{ id: string }>).map((c) => c.id)).toEqual([v2.body.id]);
    const audit = await call('GET', '/v2/system/audit-log?verify=true');
    expect((audit.body.entries as Array<{ action: string }>).map((e) => e.action)).toEqual([
      'capsule.archive',
      'capsule.fork',
      'capsule.update',
      'capsule.create',
      'key.create', // the test's admin, made when the ingress was served
      'user.create',
    ]);
    expect(audit.body.verification).toMatchObject({ ok: true, checked: 6 });
  });

  it('keeps capsules above the caller trust invisible and unwritable', async () => {
    expect((await call('POST', '/v2/capsules', { content: 'secret', trust_level: 90 })).status).toBe(403);
    const core = await t.forge.capsules.create(
      { id: 'root', roles: ['admin'], trust_level: 100 },
      { content: 'Key rotation schedule for settlement files.', type: 'decision', trust_level: 100 },
    );
    expect((await call('GET', `/v2/capsules/${core.id}`)).status).toBe(404);
    const search = await call('GET', '/v2/capsules/search?q=key%20rotation%20schedule');
    expect(search.body.results).toEqual([]);
  });

  it('searches with a trust floor applied before the limit', async () => {
    const admin = { id: 'root', roles: ['admin'], trust_level: 100 };
    for (let i = 0; i < 12; i++) await t.forge.capsules.create(admin, { content: `Chargeback handling guide ${i}`, type: 'knowledge', trust_level: 30 });
    const trusted = await t.forge.capsules.create(admin, { content: 'Chargeback handling policy, approved', type: 'knowledge', trust_level: 60 });
    const res = await call('GET', '/v2/capsules/search?q=chargeback%20handling&limit=3&min_trust=50');
    expect(res.status).toBe(200);
    const results = res.body.results as Array<{ capsule: { id: string }; score: number }>;
    expect(results.map((r) => r.capsule.id)).toEqual([trusted.id]);
    expect((await call('GET', '/v2/capsules/search?q=chargeback&limit=3')).body.results).toHaveLength(3);
    expect((await call('GET', '/v2/capsules/search?limit=3')).status).toBe(400);
  });
});

describe('system', () => {
  it('reports health with queue depths including the dead-letter queue', async () => {
    const res = await call('GET', '/v2/system/health');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok', redis: { ok: true }, store: { ok: true, kind: 'sqlite' } });
    expect(Object.keys(res.body.queues as object).sort()).toEqual([
      'analysis',
      'context',
      'dead-letter',
      'health-checks',
      'intelligence',
      'metrics',
      'optimization',
      'overlay-expiry',
      'security',
      'storage',
    ]);
    expect(res.body).toMatchObject({ dead_letters: 0, overlays: { active: 0, quarantined: 0, unhealthy: [] } });
  });

  it('exposes Prometheus metrics: queue depths, phase durations, dead letters, request outcomes', async () => {
    const posted = await call('POST', '/v2/requests', { query: 'metrics please' });
    await call('GET', `/v2/requests/${posted.body.id}?wait=10000`);
    const res = await fetch(`${base}/metrics`, { headers: authHeaders(base) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toMatch(/forge_queue_jobs\{queue="context",state="waiting"\} 0/);
    expect(text).toMatch(/forge_phase_duration_seconds_count\{phase="context",outcome="ok"\} 1/);
    expect(text).toMatch(/forge_dead_letters 0/);
    expect(text).toContain('forge_process_');
  });

  it('serves Bull Board with every queue, the dead-letter queue among them, to a CORE-trust operator', async () => {
    const core = { authorization: `Bearer ${(await createUserWithKey(t.forge, 'core-admin', 'admin', 100)).apiKey}` };
    const page = await fetch(`${base}/admin/queues`, { headers: core });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<html');
    // Nothing from outside: no font, script or stylesheet from another host.
    expect(html).toContain('static/css/');
    expect(html).not.toMatch(/(href|src)="https?:\/\//);
    expect((await fetch(`${base}/admin/queues`, { headers: authHeaders(base) })).status).toBe(403); // the test admin is at trust 60
    // A person refused it in a browser reads why on a page; a program still gets the JSON error.
    const reader = { authorization: `Bearer ${(await createUserWithKey(t.forge, 'board-reader', 'reader', 100)).apiKey}` };
    for (const who of [reader, authHeaders(base)]) {
      const refused = await fetch(`${base}/admin/queues`, { headers: { ...who, accept: 'text/html' } });
      expect(refused.status).toBe(403);
      expect(refused.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await refused.text()).toMatch(/You are signed in as <b>(board-reader|[^<]+)<\/b> \((reader|admin), trust (100|60)\)[\s\S]*Open the dashboard/);
    }
    const json = await fetch(`${base}/admin/queues`, { headers: reader });
    expect(json.status).toBe(403);
    expect(((await json.json()) as { error: string }).error).toBe('permission_denied');
    const api = await callJson(base, 'GET', '/admin/queues/api/queues', undefined, core);
    expect(api.status).toBe(200);
    const names = (api.body.queues as Array<{ name: string }>).map((q) => q.name).sort();
    expect(names).toEqual(['analysis', 'context', 'dead-letter', 'health-checks', 'intelligence', 'metrics', 'optimization', 'overlay-expiry', 'security', 'storage']);
  });
});
