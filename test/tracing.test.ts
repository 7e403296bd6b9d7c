import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { callJson, createServedForge, eventually, type ServedForge, TEST_SETUP } from './helpers/forge.js';
import { compileWat } from './helpers/wat.js';

interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly name: string;
  readonly attributes: Record<string, unknown>;
  readonly service: string;
}

/** A local OTLP/HTTP receiver (JSON), as a collector would be. */
let receiver: Server;
let endpoint: string;
const spans: ReceivedSpan[] = [];
const paths: string[] = [];

type AnyValue = { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean };
const valueOf = (v: AnyValue) => v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : (v.doubleValue ?? v.boolValue));

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      paths.push(`${req.method} ${req.url} ${req.headers['content-type']}`);
      const parsed = JSON.parse(body) as {
        resourceSpans: Array<{
          resource: { attributes: Array<{ key: string; value: AnyValue }> };
          scopeSpans: Array<{ spans: Array<{ traceId: string; spanId: string; parentSpanId?: string; name: string; attributes?: Array<{ key: string; value: AnyValue }> }> }>;
        }>;
      };
      for (const rs of parsed.resourceSpans) {
        const service = String(valueOf(rs.resource.attributes.find((a) => a.key === 'service.name')?.value ?? {}));
        for (const ss of rs.scopeSpans)
          for (const s of ss.spans) {
            spans.push({
              traceId: s.traceId,
              spanId: s.spanId,
              parentSpanId: s.parentSpanId ?? '',
              name: s.name,
              attributes: Object.fromEntries((s.attributes ?? []).map((a) => [a.key, valueOf(a.value)])),
              service,
            });
          }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(receiver.address() as { port: number }).port}`;
});
afterAll(() => new Promise((resolve) => receiver.close(resolve)));

let t: ServedForge | undefined;
afterAll(async () => t?.cleanup());

it('one request is one trace: the ingress, its flow’s seven jobs and each overlay call, parented right, exported over OTLP', async () => {
  t = await createServedForge({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_SERVICE_NAME: 'forge-under-test', FORGE_OVERLAY_THREADS: '1' });
  const { forge, url } = t;
  const root = { id: 'root', roles: ['admin'], trust_level: 100 };
  await forge.capsules.create(root, { content: 'Settlement runs nightly at 23:00 UTC.', type: 'knowledge', trust_level: 40 });
  const overlay = await forge.overlays.registry.register(
    root,
    'name: searcher\nversion: 1.0.0\nphases: [context]\ncapabilities: [capsule:read]\nlimits: { max_execution_ms: 2000 }',
    await compileWat('phase-search'),
  );
  await forge.overlays.registry.activate(root, overlay.id, { authority: TEST_SETUP });

  const posted = await callJson(url, 'POST', '/v2/requests', { query: 'When does settlement run?' });
  const id = posted.body.id as string;
  expect((await callJson(url, 'GET', `/v2/requests/${id}?wait=10000`)).body).toMatchObject({ status: 'completed' });

  const trace = await eventually(
    async () => {
      const http = spans.find((s) => s.name === 'POST /v2/requests');
      if (!http) return undefined;
      const mine = spans.filter((s) => s.traceId === http.traceId);
      const processed = new Set(mine.filter((s) => s.name.startsWith('process ')).map((s) => s.attributes['bullmq.queue.name']));
      return processed.size === 7 && mine.some((s) => s.name === 'overlay searcher.process') ? { http, mine } : undefined;
    },
    20_000,
    'the whole trace',
  );
  const { http, mine } = trace;
  expect(http.parentSpanId).toBe('');
  expect(http.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.response.status_code': 202 });
  expect(http.service).toBe('forge-under-test');
  // Every span of the trace hangs off another span of it, up to the request.
  const ids = new Set(mine.map((s) => s.spanId));
  for (const s of mine.filter((x) => x !== http)) expect(ids.has(s.parentSpanId), `${s.name} has its parent in the trace`).toBe(true);
  const processedQueues = mine.filter((s) => s.name.startsWith('process ')).map((s) => String(s.attributes['bullmq.queue.name']));
  expect(processedQueues.sort()).toEqual(['analysis', 'context', 'intelligence', 'metrics', 'optimization', 'security', 'storage']);
  // The overlay call is inside the context job's processing, with its fuel and outcome.
  const call = mine.find((s) => s.name === 'overlay searcher.process') as ReceivedSpan;
  expect(call.attributes).toMatchObject({ 'forge.overlay.id': overlay.id, 'forge.overlay.outcome': 'success' });
  expect(Number(call.attributes['forge.overlay.fuel_consumed'])).toBeGreaterThan(0);
  const ancestors = (s: ReceivedSpan): string[] => {
    const parent = mine.find((p) => p.spanId === s.parentSpanId);
    return parent ? [parent.name, ...ancestors(parent)] : [];
  };
  expect(ancestors(call)[0]).toBe('process context');
  expect(ancestors(call).at(-1)).toBe('POST /v2/requests');
  expect(paths[0]).toMatch(/^POST \/v1\/traces application\/json/);
}, 40_000);
