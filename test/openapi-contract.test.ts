import type { Server } from 'node:http';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PERMISSIONS, ROUTES } from '../src/auth/authorization.js';
import { totpCode } from '../src/auth/totp.js';
import type { Forge } from '../src/app.js';
import { createIngressApp, listen } from '../src/producers/ingress.js';
import { BROWSER_ROUTES } from '../src/producers/openapi/operations.js';
import { documentedRoutes, openApiDocument, statusesOf } from '../src/producers/openapi/document.js';
import { createServedForge, createUserWithKey, eventually, storageOutage, type ServedForge } from './helpers/forge.js';
import { compileWat } from './helpers/wat.js';

/**
 * The contract cannot drift: every route of the document is called for every status the document says it
 * answers, and each real answer is validated against the document's schema for that status. An answer
 * with a status the document does not list fails too.
 */

const doc = openApiDocument();
const ajv = new Ajv2020({ strict: false, validateSchema: false, allErrors: true });
addFormats.default(ajv);
ajv.addSchema({ ...doc, $id: 'forge' });

const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
const validators = new Map<string, ValidateFunction>();
function validatorFor(path: string, method: string, status: string): ValidateFunction {
  const ref = `forge#/${pointer('paths', path, method, 'responses', status, 'content', 'application/json', 'schema')}`;
  let v = validators.get(ref);
  if (!v) validators.set(ref, (v = ajv.compile({ $ref: ref })));
  return v;
}

interface Call {
  readonly params?: Record<string, string>;
  readonly query?: string;
  readonly body?: unknown;
  readonly text?: string;
  readonly form?: FormData;
  /** The API key to call with; null: anonymous. */
  readonly key?: string | null;
  readonly headers?: Record<string, string>;
  /** Another ingress of the same Forge (a variant configuration). */
  readonly base?: string;
}

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown> & { items?: Array<Record<string, unknown>> };
  readonly headers: Headers;
}

let t: ServedForge;
let forge: Forge;
let admin: string;
let adminId: string;
let reader: { id: string; apiKey: string };
const extra: Server[] = [];
const covered = new Set<string>();

/** Calls a route by its template and checks the answer against the document. */
async function call(method: string, template: string, c: Call = {}): Promise<Answer> {
  const path = template.replace(/:([A-Za-z_]+)/g, (_m, name: string) => encodeURIComponent(c.params?.[name] ?? `no-such-${name}`));
  const key = c.key === undefined ? admin : c.key;
  const headers: Record<string, string> = { ...(key ? { authorization: `Bearer ${key}` } : {}), ...c.headers };
  let body: FormData | string | undefined;
  if (c.form) body = c.form;
  else if (c.text !== undefined) {
    body = c.text;
    headers['content-type'] ??= 'text/plain';
  } else if (c.body !== undefined) {
    body = JSON.stringify(c.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(`${c.base ?? t.url}${path}${c.query ? `?${c.query}` : ''}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  const what = `${method} ${template} → ${res.status}: ${text.slice(0, 300)}`;
  const openApiPath = template.replace(/:([A-Za-z_]+)/g, '{$1}');
  const operation = (doc.paths?.[openApiPath] as Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }> | undefined)?.[method.toLowerCase()];
  expect(operation, `${method} ${template} is not in the document`).toBeDefined();
  const documented = operation?.responses[String(res.status)];
  expect(documented, `undocumented status: ${what}`).toBeDefined();
  let parsed: unknown = null;
  const content = documented?.content;
  if (content?.['application/json']) {
    expect(res.headers.get('content-type') ?? '', what).toMatch(/^application\/json/);
    parsed = JSON.parse(text);
    const validate = validatorFor(openApiPath, method.toLowerCase(), String(res.status));
    if (!validate(parsed)) expect.fail(`${what}\ndoes not match the document: ${ajv.errorsText(validate.errors, { separator: '\n' })}`);
  } else if (content) {
    expect(res.headers.get('content-type') ?? '', what).toMatch(new RegExp(`^${Object.keys(content)[0]?.split('/')[0] ?? 'text'}`));
  } else {
    expect(text, `${what}: documented without a body`).toBe('');
  }
  covered.add(`${method} ${template} ${res.status}`);
  return { status: res.status, body: (parsed ?? {}) as Answer['body'], headers: res.headers };
}

/** The call answers `status` (and the document allows it: `call` checks that). */
async function expectStatus(status: number, method: string, template: string, c: Call = {}): Promise<Answer> {
  const answer = await call(method, template, c);
  expect(answer.status, `${method} ${template}: ${JSON.stringify(answer.body).slice(0, 300)}`).toBe(status);
  return answer;
}

/** A variant ingress of the same Forge: its services with some replaced (prototype-backed, so the rest is the real one). */
async function variant(replace: Record<string, unknown>): Promise<string> {
  const services = Object.assign(Object.create(forge) as Forge, replace);
  const { server, url } = await listen(createIngressApp(services), '127.0.0.1', 0);
  extra.push(server);
  return url;
}

const overlayManifest = (name: string, version = '1.0.0', more = '') =>
  `name: ${name}\nversion: ${version}\nentry_points: [echo]\ncapabilities: [capsule:read, event:publish]\n${more}`;
function overlayForm(manifest: string, wasm: Uint8Array): FormData {
  const form = new FormData();
  form.set('manifest', manifest);
  form.set('wasm', new Blob([wasm]), 'overlay.wasm');
  return form;
}

beforeAll(async () => {
  t = await createServedForge(
    {
      FORGE_SELF_REGISTRATION: 'on',
      FORGE_LOGIN_FAILURES_PER_CREDENTIAL: '3',
      FORGE_LOGIN_ATTEMPTS_PER_MINUTE: '30',
      FORGE_OVERLAY_THREADS: '1',
      FORGE_OVERLAY_MAX_WASM_BYTES: '65536',
    },
    { handlers: { storage: storageOutage(9) } },
  );
  forge = t.forge;
  ({ apiKey: admin, id: adminId } = await createUserWithKey(forge, 'contract-admin', 'admin', 100));
  reader = await createUserWithKey(forge, 'contract-reader', 'reader', 40);
}, 60_000);
afterAll(async () => {
  for (const s of extra) await new Promise((r) => s.close(r));
  await t?.cleanup();
});

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 with its security schemes, and documents every API route of the authorisation table', async () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.components?.securitySchemes ?? {}).sort()).toEqual(['accessToken', 'apiKey']);
    const documented = documentedRoutes().map(({ rule }) => `${rule.method} ${rule.path}`);
    expect(documented.length + BROWSER_ROUTES.length).toBe(ROUTES.length);
    for (const rule of ROUTES) {
      const op = (doc.paths?.[rule.path.replace(/:([A-Za-z_]+)/g, '{$1}')] as Record<string, { security?: unknown[] }> | undefined)?.[rule.method.toLowerCase()];
      if (BROWSER_ROUTES.includes(`${rule.method} ${rule.path}`)) expect(op, `${rule.method} ${rule.path}`).toBeUndefined();
      else expect(op?.security, `${rule.method} ${rule.path}`).toEqual(PERMISSIONS[rule.permission] === 'anyone' ? [] : [{ apiKey: [] }, { accessToken: [] }]);
    }
    // Served as it is generated.
    const served = await expectStatus(200, 'GET', '/v2/openapi.json', { key: null });
    expect(served.body).toEqual(JSON.parse(JSON.stringify(doc)));
  });
});

describe('every route × status, validated against the document', () => {
  it('answers each documented status with a body the document describes', async () => {
    // ---- what every route shares: who may call it, what it takes, what it finds ------------------------
    for (const { rule, op } of documentedRoutes()) {
      const { errors } = statusesOf(rule, op);
      const m = rule.method;
      if (PERMISSIONS[rule.permission] !== 'anyone') await expectStatus(401, m, rule.path, { key: null, ...(op.body ? { body: {} } : {}) });
      if (!['anyone', 'reader'].includes(PERMISSIONS[rule.permission])) await expectStatus(403, m, rule.path, { key: reader.apiKey, ...(op.body ? { body: {} } : {}) });
      if (errors.includes(415)) await expectStatus(415, m, rule.path, { text: 'not json' });
      if (errors.includes(400)) {
        // (A route whose 400 has a body of its own is covered with its section.)
        if (op.multipart) await expectStatus(400, m, rule.path, { form: new FormData() });
        else if (op.body) await expectStatus(400, m, rule.path, { body: { not_a_field: true }, params: {} });
        else if (op.query) await expectStatus(400, m, rule.path, { query: 'not_a_field=1' });
      }
    }

    // ---- system ----------------------------------------------------------------------------------------
    await expectStatus(200, 'GET', '/healthz', { key: null });
    await expectStatus(200, 'GET', '/metrics');
    expect((await expectStatus(200, 'GET', '/v2/system/health')).body).toHaveProperty('queues');
    expect((await expectStatus(200, 'GET', '/v2/system/health', { key: null })).body).toEqual({ status: 'ok' });
    const degraded = await variant({ fleet: Object.assign(Object.create(forge.fleet) as object, { ping: async () => Promise.reject(new Error('redis is away')) }) });
    expect((await expectStatus(503, 'GET', '/v2/system/health', { base: degraded })).body).toMatchObject({ status: 'degraded', redis: { ok: false } });
    await expectStatus(200, 'GET', '/v2/system/metrics');
    await expectStatus(200, 'GET', '/v2/system/audit-log', { query: 'limit=5&verify=true' });

    // ---- capsules ----------------------------------------------------------------------------------------
    const root = await expectStatus(201, 'POST', '/v2/capsules', { body: { content: 'Contract root: the pump is serviced quarterly.', trust_level: 60, tags: ['contract'] } });
    const rootId = String(root.body.id);
    await expectStatus(404, 'POST', '/v2/capsules', { body: { content: 'orphan', derived_from: [{ parent_id: 'no-such-capsule' }] } });
    await expectStatus(409, 'POST', '/v2/capsules', { body: { content: 'below its source', trust_level: 20, derived_from: [{ parent_id: rootId }] } });
    await expectStatus(200, 'GET', '/v2/capsules', { query: 'tag=contract' });
    await expectStatus(200, 'GET', '/v2/capsules/search', { query: 'q=pump%20serviced' });
    await expectStatus(200, 'GET', '/v2/capsules/:id', { params: { id: rootId } });
    await expectStatus(404, 'GET', '/v2/capsules/:id', { params: { id: rootId }, key: reader.apiKey });
    const v2 = await expectStatus(200, 'PUT', '/v2/capsules/:id', { params: { id: rootId }, body: { content: 'Contract root: serviced monthly now.' } });
    await expectStatus(409, 'PUT', '/v2/capsules/:id', { params: { id: rootId }, body: { content: 'an old version again' } });
    await expectStatus(404, 'PUT', '/v2/capsules/:id', { body: { content: 'nothing there' } });
    const fork = await expectStatus(201, 'POST', '/v2/capsules/:id/fork', { params: { id: String(v2.body.id) }, body: { reason: 'contract fork' } });
    await expectStatus(404, 'POST', '/v2/capsules/:id/fork', { body: {} });
    // A saved answer whose source gets a new version is stale: asked again through rederive.
    const cited = await expectStatus(201, 'POST', '/v2/capsules', { body: { content: 'Contract source: the pump is serviced weekly.' } });
    const answer = await expectStatus(201, 'POST', '/v2/capsules', {
      body: {
        content: 'The pump is serviced weekly. [1]',
        type: 'insight',
        metadata: { request_id: 'contract-request', query: 'How often is the pump serviced?' },
        derived_from: [{ parent_id: String(cited.body.id) }],
      },
    });
    await expectStatus(409, 'POST', '/v2/capsules/:id/rederive', { params: { id: String(answer.body.id) } });
    await expectStatus(200, 'PUT', '/v2/capsules/:id', { params: { id: String(cited.body.id) }, body: { content: 'Contract source: the pump is serviced daily.' } });
    await expectStatus(202, 'POST', '/v2/capsules/:id/rederive', { params: { id: String(answer.body.id) } });
    await expectStatus(404, 'POST', '/v2/capsules/:id/rederive');
    const lineage = await expectStatus(200, 'GET', '/v2/capsules/:id/lineage', { params: { id: String(fork.body.id) } });
    expect((lineage.body.ancestors as unknown[]).length).toBe(2);
    await expectStatus(404, 'GET', '/v2/capsules/:id/lineage');
    await expectStatus(200, 'GET', '/v2/capsules/:id/descendants', { params: { id: rootId } });
    await expectStatus(404, 'GET', '/v2/capsules/:id/descendants');
    await expectStatus(200, 'DELETE', '/v2/capsules/:id', { params: { id: String(fork.body.id) } });
    await expectStatus(404, 'DELETE', '/v2/capsules/:id');

    // ---- requests (the first ones' storage jobs fail into the dead-letter queue) ---------------------------
    const asked = await expectStatus(202, 'POST', '/v2/requests', { body: { query: 'how often is the pump serviced?' }, headers: { 'idempotency-key': 'contract-1' } });
    expect(
      (await expectStatus(200, 'POST', '/v2/requests', { body: { query: 'how often is the pump serviced?' }, headers: { 'idempotency-key': 'contract-1' } })).headers.get(
        'idempotent-replayed',
      ),
    ).toBe('true');
    await expectStatus(202, 'POST', '/v2/requests', { body: { query: 'a second question' } });
    // Saving the answer writes a capsule: a reader may not.
    await expectStatus(403, 'POST', '/v2/requests', { body: { query: 'a third question', save_as_capsule: true }, key: reader.apiKey });
    const done = await expectStatus(200, 'GET', '/v2/requests/:id', { params: { id: String(asked.body.id) }, query: 'wait=20000' });
    expect(done.body.status).toBe('completed');
    await expectStatus(404, 'GET', '/v2/requests/:id', { params: { id: String(asked.body.id) }, key: reader.apiKey });
    expect((await expectStatus(200, 'GET', '/v2/requests', { query: 'limit=1' })).body.next_before).toEqual(expect.any(String));
    expect((await expectStatus(200, 'GET', '/v2/requests', { key: reader.apiKey })).body.items).toEqual([]);
    // An operator reads others' requests only at or below its own trust: the admin's (trust 100) are not for one at 40.
    const lowOperator = await createUserWithKey(forge, 'contract-operator', 'operator', 40);
    await expectStatus(404, 'GET', '/v2/requests/:id', { params: { id: String(asked.body.id) }, key: lowOperator.apiKey });
    expect((await expectStatus(200, 'GET', '/v2/requests', { key: lowOperator.apiKey })).body.items).toEqual([]);
    expect(
      (
        await expectStatus(200, 'GET', '/v2/requests/:id', {
          params: { id: String(asked.body.id) },
          key: (await createUserWithKey(forge, 'contract-op-high', 'operator', 100)).apiKey,
        })
      ).body.id,
    ).toBe(asked.body.id);

    // ---- events and cascades ---------------------------------------------------------------------------------
    const event = await expectStatus(201, 'POST', '/v2/events', { body: { kind: 'custom.contract', payload: { n: 1 } } });
    await expectStatus(200, 'GET', '/v2/events', { query: 'kind=custom.contract' });
    await expectStatus(200, 'GET', '/v2/events/:id', { params: { id: String(event.body.id) } });
    await expectStatus(404, 'GET', '/v2/events/:id');
    await expectStatus(200, 'GET', '/v2/cascades/:id', { params: { id: String(event.body.cascade_id) } });
    await expectStatus(404, 'GET', '/v2/cascades/:id');
    await expectStatus(202, 'POST', '/v2/events/replay', { body: { subscriber: 'overlay:nobody', after_seq: 0 } });
    await expectStatus(426, 'GET', '/ws/events');

    // ---- overlays --------------------------------------------------------------------------------------------
    const wasm = await compileWat('abi-test');
    const stable = await expectStatus(201, 'POST', '/v2/overlays', { form: overlayForm(overlayManifest('contract-echo'), wasm) });
    const stableId = String(stable.body.id);
    await expectStatus(409, 'POST', '/v2/overlays', { form: overlayForm(overlayManifest('contract-echo'), wasm) });
    await expectStatus(413, 'POST', '/v2/overlays', { form: overlayForm(overlayManifest('contract-big'), new Uint8Array(70_000)) });
    const candidate = await expectStatus(201, 'POST', '/v2/overlays', { form: overlayForm(overlayManifest('contract-echo', '1.1.0'), wasm) });
    const needy = await expectStatus(201, 'POST', '/v2/overlays', {
      form: overlayForm(overlayManifest('contract-needy', '1.0.0', 'dependencies: { contract-absent: ^1.0.0 }'), wasm),
    });
    await expectStatus(200, 'GET', '/v2/overlays', { query: 'name=contract-echo' });
    await expectStatus(200, 'GET', '/v2/overlays/:id', { params: { id: stableId } });
    await expectStatus(404, 'GET', '/v2/overlays/:id');
    await expectStatus(409, 'POST', '/v2/overlays/:id/invoke', { params: { id: stableId }, body: { function: 'echo', args: { x: 1 } } });
    await expectStatus(200, 'POST', '/v2/overlays/:id/activate', { params: { id: stableId }, body: {} });
    await expectStatus(409, 'POST', '/v2/overlays/:id/activate', { params: { id: String(needy.body.id) }, body: {} });
    await expectStatus(404, 'POST', '/v2/overlays/:id/activate', { body: {} });
    await expectStatus(200, 'POST', '/v2/overlays/:id/invoke', { params: { id: stableId }, body: { function: 'echo', args: { x: 1 } } });
    await expectStatus(404, 'POST', '/v2/overlays/:id/invoke', { body: { function: 'echo' } });
    await expectStatus(200, 'GET', '/v2/overlays/:id/metrics', { params: { id: stableId } });
    await expectStatus(404, 'GET', '/v2/overlays/:id/metrics');
    await expectStatus(200, 'GET', '/v2/overlays/:id/health', { params: { id: stableId } });
    await expectStatus(404, 'GET', '/v2/overlays/:id/health');
    await expectStatus(409, 'POST', '/v2/overlays/:id/recover', { params: { id: stableId } });
    // Quarantined as the immune system does it, then recovered (healthy: active again).
    await forge.overlays.executor.quarantine(await forge.overlays.registry.get(stableId), 'contract test');
    expect((await expectStatus(200, 'GET', '/v2/immune/quarantined')).body.items?.map((o) => o.id)).toEqual([stableId]);
    expect((await expectStatus(200, 'POST', '/v2/overlays/:id/recover', { params: { id: stableId } })).body).toMatchObject({ healthy: true, overlay: { state: 'active' } });
    await expectStatus(404, 'POST', '/v2/overlays/:id/recover');
    await expectStatus(201, 'POST', '/v2/overlays/:id/canary', { params: { id: stableId }, body: { candidate_id: String(candidate.body.id), min_requests: 1000 } });
    await expectStatus(409, 'POST', '/v2/overlays/:id/canary', { params: { id: stableId }, body: { candidate_id: stableId } });
    // Only an admin may declare an emergency at the governance gate.
    await expectStatus(403, 'POST', '/v2/overlays/:id/canary', {
      params: { id: stableId },
      body: { candidate_id: String(candidate.body.id), emergency: { reason: 'an operator may not declare one' } },
      key: (await createUserWithKey(forge, 'contract-canary-op', 'operator', 100)).apiKey,
    });
    await expectStatus(404, 'POST', '/v2/overlays/:id/canary', { body: { candidate_id: stableId } });
    await expectStatus(200, 'GET', '/v2/overlays/:id/canary', { params: { id: stableId } });
    await expectStatus(404, 'GET', '/v2/overlays/:id/canary');
    const stopped = await expectStatus(200, 'POST', '/v2/overlays/:id/canary/stop', { params: { id: stableId }, body: { reason: 'contract' } });
    expect(stopped.body).toMatchObject({ status: 'rolled_back', reason: expect.stringContaining('contract') });
    await expectStatus(409, 'POST', '/v2/overlays/:id/canary/stop', { params: { id: stableId }, body: { reason: 'again' } });
    await expectStatus(404, 'POST', '/v2/overlays/:id/canary/stop', { body: { reason: 'none' } });
    await expectStatus(200, 'GET', '/v2/overlays/:id/affected', { params: { id: stableId } });
    await expectStatus(404, 'GET', '/v2/overlays/:id/affected');
    await expectStatus(200, 'POST', '/v2/overlays/:id/suspend', { params: { id: stableId }, body: { reason: 'contract test' } });
    await expectStatus(404, 'POST', '/v2/overlays/:id/suspend', { body: { reason: 'contract test' } });
    await expectStatus(200, 'GET', '/v2/immune/quarantined');
    await expectStatus(204, 'DELETE', '/v2/overlays/:id', { params: { id: String(needy.body.id) } });
    await expectStatus(404, 'DELETE', '/v2/overlays/:id');

    // ---- governance ----------------------------------------------------------------------------------------
    const proposal = await expectStatus(201, 'POST', '/v2/governance/proposals', {
      body: { title: 'Contract policy', description: 'Keep the contract honest.', kind: 'policy', action: { text: 'the document is the contract' } },
    });
    const proposalId = String(proposal.body.id);
    await expectStatus(200, 'GET', '/v2/governance/proposals');
    await expectStatus(200, 'GET', '/v2/governance/proposals/:id', { params: { id: proposalId } });
    await expectStatus(404, 'GET', '/v2/governance/proposals/:id');
    await expectStatus(409, 'POST', '/v2/governance/proposals/:id/votes', { params: { id: proposalId }, body: { choice: 'for' } });
    await expectStatus(200, 'POST', '/v2/governance/proposals/:id/open', { params: { id: proposalId }, body: {} });
    await expectStatus(409, 'POST', '/v2/governance/proposals/:id/open', { params: { id: proposalId }, body: {} });
    await expectStatus(404, 'POST', '/v2/governance/proposals/:id/open', { body: {} });
    await expectStatus(200, 'POST', '/v2/governance/proposals/:id/votes', { params: { id: proposalId }, body: { choice: 'for' } });
    await expectStatus(403, 'POST', '/v2/governance/proposals/:id/votes', { params: { id: proposalId }, body: { choice: 'for' }, key: reader.apiKey });
    await expectStatus(404, 'POST', '/v2/governance/proposals/:id/votes', { body: { choice: 'for' } });
    await expectStatus(200, 'GET', '/v2/governance/proposals/:id/votes', { params: { id: proposalId } });
    await expectStatus(404, 'GET', '/v2/governance/proposals/:id/votes');
    await expectStatus(200, 'GET', '/v2/governance/proposals/:id/analysis', { params: { id: proposalId } });
    // A re-run needs a contributor, and each caller's runs are limited (the first was one of five).
    await expectStatus(403, 'GET', '/v2/governance/proposals/:id/analysis', { params: { id: proposalId }, query: 'refresh=true', key: reader.apiKey });
    for (let i = 0; i < 4; i++) await expectStatus(200, 'GET', '/v2/governance/proposals/:id/analysis', { params: { id: proposalId }, query: 'refresh=true' });
    await expectStatus(429, 'GET', '/v2/governance/proposals/:id/analysis', { params: { id: proposalId }, query: 'refresh=true' });
    await expectStatus(404, 'GET', '/v2/governance/proposals/:id/analysis');
    await expectStatus(200, 'GET', '/v2/governance/settings');
    const delegate = await createUserWithKey(forge, 'contract-delegate', 'operator', 90);
    await expectStatus(200, 'PUT', '/v2/governance/delegation', { body: { delegate_id: delegate.id } });
    await expectStatus(409, 'PUT', '/v2/governance/delegation', { body: { delegate_id: adminId }, key: delegate.apiKey });
    await expectStatus(404, 'PUT', '/v2/governance/delegation', { body: { delegate_id: 'no-such-user' } });
    await expectStatus(200, 'GET', '/v2/governance/delegation');
    await expectStatus(200, 'DELETE', '/v2/governance/delegation');

    // ---- dead letters (the storage outage made two at least) ------------------------------------------------------------
    const letters = await eventually(
      async () => {
        const page = await call('GET', '/v2/dead-letters', { query: 'queue=storage' });
        return (page.body.items ?? []).length >= 2 ? page.body.items : undefined;
      },
      20_000,
      'two storage dead letters',
    );
    const [first, second] = letters as Array<{ id: string }>;
    await expectStatus(200, 'GET', '/v2/dead-letters/:id', { params: { id: String(first?.id) } });
    await expectStatus(404, 'GET', '/v2/dead-letters/:id');
    await expectStatus(200, 'POST', '/v2/dead-letters/:id/retry', { params: { id: String(first?.id) } });
    await expectStatus(404, 'POST', '/v2/dead-letters/:id/retry');
    await expectStatus(204, 'DELETE', '/v2/dead-letters/:id', { params: { id: String(second?.id) } });
    await expectStatus(404, 'DELETE', '/v2/dead-letters/:id');
    await expectStatus(200, 'POST', '/v2/dead-letters/retry', { body: { queue: 'storage' } });
    await expectStatus(200, 'POST', '/v2/dead-letters/purge', { body: { queue: 'storage' } });

    // ---- users and keys -----------------------------------------------------------------------------------------
    const user = await expectStatus(201, 'POST', '/v2/users', { body: { name: 'contract-user', role: 'contributor', trust_level: 50, password: 'correct horse battery' } });
    const userId = String(user.body.id);
    await expectStatus(409, 'POST', '/v2/users', { body: { name: 'contract-user', role: 'reader', trust_level: 10 } });
    await expectStatus(200, 'GET', '/v2/users');
    // Names: a reader (trust 40) learns the names of users at or below it only (contract-user is at 50).
    const named = await expectStatus(200, 'GET', '/v2/names', { query: `ids=${String(user.body.id)},${reader.id},no-such-user`, key: reader.apiKey });
    expect(named.body.items).toEqual([{ id: reader.id, name: 'contract-reader' }]);
    expect((await expectStatus(200, 'GET', '/v2/names', { query: `ids=${String(user.body.id)}` })).body.items).toEqual([{ id: user.body.id, name: 'contract-user' }]);
    await expectStatus(400, 'GET', '/v2/names', { query: `ids=${Array.from({ length: 101 }, (_, i) => `u${i}`).join(',')}` });
    await expectStatus(200, 'GET', '/v2/users/:id', { params: { id: userId } });
    await expectStatus(404, 'GET', '/v2/users/:id');
    await expectStatus(200, 'PATCH', '/v2/users/:id', { params: { id: userId }, body: { trust_level: 55, reason: 'contract' } });
    await expectStatus(404, 'PATCH', '/v2/users/:id', { body: { trust_level: 55, reason: 'contract' } });
    await expectStatus(200, 'GET', '/v2/users/:id/trust-history', { params: { id: userId } });
    await expectStatus(404, 'GET', '/v2/users/:id/trust-history');
    const issued = await expectStatus(201, 'POST', '/v2/users/:id/keys', { params: { id: userId }, body: { label: 'contract' } });
    await expectStatus(404, 'POST', '/v2/users/:id/keys', { body: { label: 'x' } });
    await expectStatus(200, 'GET', '/v2/users/:id/keys', { params: { id: userId } });
    await expectStatus(404, 'GET', '/v2/users/:id/keys');
    await expectStatus(200, 'DELETE', '/v2/keys/:id', { params: { id: String(issued.body.id) } });
    await expectStatus(404, 'DELETE', '/v2/keys/:id');

    // ---- auth ------------------------------------------------------------------------------------------------
    await expectStatus(200, 'GET', '/v2/auth/me');
    const pair = await expectStatus(200, 'POST', '/v2/auth/login', { key: null, body: { name: 'contract-user', password: 'correct horse battery' } });
    const refreshed = await expectStatus(200, 'POST', '/v2/auth/refresh', { key: null, body: { refresh_token: String(pair.body.refresh_token) } });
    await expectStatus(401, 'POST', '/v2/auth/refresh', { key: null, body: { refresh_token: 'forgert_not-a-token' } });
    await expectStatus(204, 'POST', '/v2/auth/logout', { key: null, body: { refresh_token: String(refreshed.body.refresh_token) } });
    const registered = await expectStatus(201, 'POST', '/v2/auth/register', { key: null, body: { name: 'contract-self', password: 'a long enough password' } });
    await expectStatus(409, 'POST', '/v2/auth/register', { key: null, body: { name: 'contract-self', password: 'a long enough password' } });
    const closed = await variant({ config: { ...forge.config, selfRegistration: false } });
    await expectStatus(403, 'POST', '/v2/auth/register', { key: null, base: closed, body: { name: 'contract-late', password: 'a long enough password' } });
    // A second factor, as the self-registered user (its access token is a bearer credential too).
    const self = String(registered.body.access_token);
    const enrolled = await expectStatus(201, 'POST', '/v2/auth/totp', { key: self });
    await expectStatus(200, 'POST', '/v2/auth/totp/confirm', { key: self, body: { code: totpCode(String(enrolled.body.secret)) } });
    await expectStatus(409, 'POST', '/v2/auth/totp', { key: self });
    await expectStatus(200, 'POST', '/v2/auth/totp/disable', { key: self, body: { code: totpCode(String(enrolled.body.secret)) } });
    await expectStatus(409, 'POST', '/v2/auth/totp/confirm', { key: self, body: { code: '123456' } });
    // Wrong passwords: refused, then limited.
    for (let i = 0; i < 3; i++) await expectStatus(401, 'POST', '/v2/auth/login', { key: null, body: { name: 'contract-user', password: 'wrong password' } });
    expect((await expectStatus(429, 'POST', '/v2/auth/login', { key: null, body: { name: 'contract-user', password: 'wrong password' } })).headers.get('retry-after')).toMatch(
      /^\d+$/,
    );
    // Registration attempts count against the address: spend what is left of the minute.
    let limited: Answer | null = null;
    for (let i = 0; i < 40 && !limited; i++) {
      const a = await call('POST', '/v2/auth/register', { key: null, body: { name: `contract-flood-${i}`, password: 'a long enough password' } });
      if (a.status === 429) limited = a;
      else expect(a.status).toBe(201);
    }
    expect(limited?.headers.get('retry-after')).toMatch(/^\d+$/);

    // ---- MCP over HTTP -----------------------------------------------------------------------------------------
    const mcpHeaders = { accept: 'application/json, text/event-stream' };
    const init = await expectStatus(200, 'POST', '/mcp', {
      headers: mcpHeaders,
      body: { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'contract', version: '1' } } },
    });
    expect(init.body).toMatchObject({ result: { serverInfo: { name: 'forge' } } });
    await expectStatus(202, 'POST', '/mcp', { headers: mcpHeaders, body: { jsonrpc: '2.0', method: 'notifications/initialized' } });
    await expectStatus(400, 'POST', '/mcp', { headers: mcpHeaders, body: { not: 'json-rpc' } });
    await expectStatus(406, 'POST', '/mcp', { headers: { accept: 'text/html' }, body: { jsonrpc: '2.0', id: 2, method: 'tools/list' } });
    const unparsed = await expectStatus(400, 'POST', '/mcp', { headers: { ...mcpHeaders, 'content-type': 'application/json' }, text: '{"jsonrpc": ' });
    expect(unparsed.body).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700 } });
    await expectStatus(405, 'GET', '/mcp');
    await expectStatus(405, 'DELETE', '/mcp');

    // ---- every documented pair was seen ------------------------------------------------------------------------
    const expected = documentedRoutes().flatMap(({ rule, op }) => {
      const { ok, errors } = statusesOf(rule, op);
      return [...ok, ...errors].map((s) => `${rule.method} ${rule.path} ${s}`);
    });
    expect(expected.filter((pair) => !covered.has(pair))).toEqual([]);
    console.log(`[contract] ${covered.size} route × status pairs validated against the document (${expected.length} documented)`);
  }, 120_000);
});
