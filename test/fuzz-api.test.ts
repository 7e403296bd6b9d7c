import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { authHeaders, createServedForge, type ServedForge } from './helpers/forge.js';

let t: ServedForge;
let base: string;
let capsuleId: string;

beforeAll(async () => {
  t = await createServedForge({ FORGE_BODY_LIMIT: '16kb' });
  base = t.url;
  capsuleId = (await t.forge.capsules.create(t.forge.localCaller, { content: 'A capsule the fuzzer can aim at.', type: 'knowledge' })).id;
});
afterAll(async () => t.cleanup());

type Route = readonly [method: string, path: string];
const ROUTES: readonly Route[] = [
  ['POST', '/v2/requests'],
  ['GET', '/v2/requests/:id'],
  ['GET', '/v2/capsules'],
  ['POST', '/v2/capsules'],
  ['GET', '/v2/capsules/search'],
  ['GET', '/v2/capsules/:id'],
  ['PUT', '/v2/capsules/:id'],
  ['DELETE', '/v2/capsules/:id'],
  ['GET', '/v2/capsules/:id/lineage'],
  ['GET', '/v2/capsules/:id/descendants'],
  ['POST', '/v2/capsules/:id/fork'],
  ['GET', '/v2/system/health'],
  ['GET', '/v2/system/metrics'],
  ['GET', '/v2/system/audit-log'],
  ['POST', '/v2/overlays'],
  ['GET', '/v2/overlays'],
  ['GET', '/v2/overlays/:id'],
  ['POST', '/v2/overlays/:id/activate'],
  ['POST', '/v2/overlays/:id/suspend'],
  ['POST', '/v2/overlays/:id/invoke'],
  ['POST', '/v2/overlays/:id/recover'],
  ['GET', '/v2/overlays/:id/metrics'],
  ['GET', '/v2/overlays/:id/health'],
  ['DELETE', '/v2/overlays/:id'],
  ['GET', '/v2/immune/quarantined'],
  ['GET', '/v2/dead-letters'],
  ['GET', '/v2/dead-letters/:id'],
  ['POST', '/v2/dead-letters/:id/retry'],
  ['POST', '/v2/dead-letters/retry'],
  ['POST', '/v2/dead-letters/purge'],
  ['DELETE', '/v2/dead-letters/:id'],
];

// Values of the shapes the API uses, mixed with anything JSON can carry.
const field = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom('knowledge', 'insight', '1.0.0', '^1.0.0', 'true', '2026-01-01T00:00:00Z', '-1', '1e309', '__proto__', 'constructor'),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
);
const keys = fc.constantFrom(
  'query',
  'content',
  'type',
  'version',
  'trust_level',
  'required_trust',
  'save_as_capsule',
  'metadata',
  'tags',
  'derived_from',
  'reason',
  'config',
  'ttl_seconds',
  'function',
  'args',
  'timeout_ms',
  'queue',
  'error',
  'since',
  'until',
  'limit',
  'cursor',
  'q',
  'min_trust',
  'wait',
  'state',
  'extra',
);
const body = fc.oneof(
  fc.dictionary(keys, field, { maxKeys: 6 }).map((o) => JSON.stringify(o)),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 200 }),
  fc.constant(''),
);
const query = fc.dictionary(keys, fc.oneof(fc.string({ maxLength: 30 }), fc.integer().map(String), fc.constantFrom('1e9', '-5', 'NaN', '')), { maxKeys: 4 });
const id = fc.oneof(fc.string({ minLength: 1, maxLength: 40 }), fc.uuid(), fc.constant('CAPSULE'), fc.constantFrom('..', '%00', '.context'));

it('answers every endpoint below 500, whatever the input', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...ROUTES),
      id,
      query,
      body,
      fc.constantFrom('application/json', 'text/plain', 'multipart/form-data; boundary=x'),
      async ([method, template], rawId, q, payload, contentType) => {
        const target = rawId === 'CAPSULE' ? capsuleId : rawId;
        const path = template.replace(':id', encodeURIComponent(target));
        const search = new URLSearchParams(Object.entries(q).map(([k, v]): [string, string] => [k, k === 'wait' ? '0' : v])).toString();
        const res = await fetch(`${base}${path}${search ? `?${search}` : ''}`, {
          method,
          ...(method === 'GET' || method === 'DELETE' ? { headers: authHeaders(base) } : { headers: { 'content-type': contentType, ...authHeaders(base) }, body: payload }),
        });
        await res.arrayBuffer();
        expect(res.status, `${method} ${path}?${search} ${payload.slice(0, 100)}`).toBeLessThan(500);
      },
    ),
    { numRuns: 2000, seed: 20261121 },
  );
}, 120_000);
