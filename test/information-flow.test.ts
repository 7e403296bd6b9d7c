/**
 * No write-down, as a property. Capsules with marker words at random trust levels, callers at every level,
 * the six core overlays, and the leaky overlay (test/helpers/leaky-overlay.ts) at trust 40 and 100 bound to
 * analysis and intelligence and subscribed to events: each tries every output channel (events,
 * capsule_create, log, its report, its health status) with everything it is given and can read. Random
 * probes write (ask, save answers, publish, invoke, health-check) and read (search, get, list, lineage,
 * events, the live stream, cascades, the audit log, dead letters, requests, MCP, analysis) as callers at
 * every level: no marker ever reaches a reader below the label it was written at.
 *
 * A marker is `mk<label><letter><n>`: `<label>` is the trust of what it was written into (a capsule's
 * trust, the asker's or publisher's trust).
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { builtOverlays, installOverlays } from '../src/cli/core-overlays.js';
import type { Caller, OverlayRecord } from '../src/store/graph-store.js';
import { callJson, createServedForge, createUserWithKey, eventually, type ServedForge } from './helpers/forge.js';
import { leakyOverlay } from './helpers/leaky-overlay.js';

const LEVELS = [0, 40, 60, 80, 100] as const;
type Level = (typeof LEVELS)[number];
const ROOT: Caller = { id: 'root', roles: ['admin'], trust_level: 100 };
const MARKER = /mk(\d+)[a-z]\d+/g;

let t: ServedForge;
const keys = { contributor: new Map<Level, string>(), operator: new Map<Level, string>(), reader: new Map<Level, string>() };
const capsuleIds: string[] = [];
const overlays: OverlayRecord[] = [];
let pending: OverlayRecord;
const streams = new Map<Level, { socket: WebSocket; messages: string[] }>();
const mcp = new Map<Level, Client>();
let written = 0;

/** Every marker in `body` labelled above `trust`. */
function leaks(body: unknown, trust: number): string[] {
  return [...JSON.stringify(body ?? null).matchAll(MARKER)].filter((m) => Number(m[1]) > trust).map((m) => m[0]);
}

const as = (key: string) => ({ authorization: `Bearer ${key}` });

beforeAll(async () => {
  t = await createServedForge();
  await installOverlays(t.forge, ROOT, builtOverlays());
  for (const level of LEVELS) {
    for (const role of ['contributor', 'operator', 'reader'] as const) keys[role].set(level, (await createUserWithKey(t.forge, `flow-${role}-${level}`, role, level)).apiKey);
    // A user whose name is a marker of its trust: its name is labelled as it is.
    namedUsers.push((await createUserWithKey(t.forge, `named-mk${level}u0`, 'reader', level)).id);
  }
  // The adversaries: one at 40, one at CORE (through the gate, as an admin's emergency), one never approved.
  for (const [name, trust] of [
    ['leak-low', 40],
    ['leak-high', 100],
  ] as const) {
    overlays.push(await leakyOverlay(t.forge, { name, trust, phases: ['analysis', 'intelligence'], subscriptions: ['custom.probe', 'custom.leak'] }));
  }
  pending = await leakyOverlay(t.forge, { name: 'leak-pending', trust: 100, activate: false });
  // Knowledge at random levels (a fixed seed: the same capsules every run).
  const levels = fc.sample(fc.oneof(fc.constantFrom(...LEVELS), fc.integer({ min: 0, max: 100 })), { numRuns: 40, seed: 20261207 });
  for (const [i, level] of levels.entries()) {
    const words = i % 2 ? 'ledger reconciliation runs nightly' : 'ledger vault keys rotate';
    capsuleIds.push((await t.forge.capsules.create(ROOT, { content: `Note mk${level}c${i}: the ${words}.`, type: 'knowledge', trust_level: level })).id);
  }
  // The live stream, as a reader at every level, for the whole run.
  for (const level of LEVELS) {
    const socket = new WebSocket(`${t.url.replace('http', 'ws')}/ws/events`, { headers: as(keys.reader.get(level) as string) });
    const messages: string[] = [];
    socket.on('message', (m: Buffer) => messages.push(m.toString()));
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    streams.set(level, { socket, messages });
    const client = new Client({ name: 'flow-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', t.url), { requestInit: { headers: as(keys.reader.get(level) as string) } }));
    mcp.set(level, client);
  }
}, 120_000);

afterAll(async () => {
  for (const { socket } of streams.values()) socket.close();
  for (const client of mcp.values()) await client.close();
  await t.cleanup();
});

type Write = 'ask' | 'save' | 'publish' | 'invoke' | 'health';
type Read =
  'search' | 'get' | 'list' | 'lineage' | 'events' | 'event' | 'cascade' | 'audit' | 'dead-letters' | 'requests' | 'request' | 'mcp-search' | 'mcp-ask' | 'affected' | 'names';
const WRITES: readonly Write[] = ['ask', 'save', 'publish', 'invoke', 'health'];
const READS: readonly Read[] = [
  'search',
  'get',
  'list',
  'lineage',
  'events',
  'event',
  'cascade',
  'audit',
  'dead-letters',
  'requests',
  'request',
  'mcp-search',
  'mcp-ask',
  'affected',
  'names',
];
const requestIds: string[] = [];
const namedUsers: string[] = [];

/** One write as a caller at `level`: everything it makes carries marker `mk<level>…`. */
async function write(op: Write, level: Level, n: number): Promise<void> {
  const marker = `mk${level}${op[0]}${written++}`;
  switch (op) {
    case 'ask':
    case 'save': {
      const key = keys.contributor.get(level) as string;
      const posted = await callJson(t.url, 'POST', '/v2/requests', { query: `Which ledger notes mention ${marker}?`, save_as_capsule: op === 'save' }, as(key));
      requestIds.push(posted.body.id as string);
      const done = (await callJson(t.url, 'GET', `/v2/requests/${posted.body.id as string}?wait=15000`, undefined, as(key))).body;
      expect(['completed', 'rejected']).toContain(done.status);
      return;
    }
    case 'publish': {
      const res = await callJson(t.url, 'POST', '/v2/events', { kind: 'custom.probe', payload: { note: marker }, trust_level: level }, as(keys.contributor.get(level) as string));
      expect(res.status).toBe(201);
      return;
    }
    case 'invoke': {
      const overlay = overlays[n % overlays.length] as OverlayRecord;
      const res = await callJson(t.url, 'POST', `/v2/overlays/${overlay.id}/invoke`, { function: 'process', args: { note: marker } }, as(keys.operator.get(level) as string));
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return;
    }
    case 'health': {
      const overlay = [...overlays, pending][n % (overlays.length + 1)] as OverlayRecord;
      expect((await callJson(t.url, 'GET', `/v2/overlays/${overlay.id}/health`, undefined, as(keys.operator.get(level) as string))).status).toBe(200);
      return;
    }
  }
}

/** One read as a caller at `level`: the bodies it was shown. */
async function read(op: Read, level: Level, n: number): Promise<unknown[]> {
  const reader = as(keys.reader.get(level) as string);
  const operator = as(keys.operator.get(level) as string);
  const id = capsuleIds[n % capsuleIds.length] as string;
  const events = async () => (await callJson(t.url, 'GET', '/v2/events?limit=500', undefined, reader)).body.items as Array<{ id: string }>;
  switch (op) {
    case 'search':
      return [(await callJson(t.url, 'GET', '/v2/capsules/search?q=ledger%20note&limit=50', undefined, reader)).body];
    case 'get':
      return [(await callJson(t.url, 'GET', `/v2/capsules/${id}`, undefined, reader)).body];
    case 'list':
      return [(await callJson(t.url, 'GET', '/v2/capsules?limit=200', undefined, reader)).body];
    case 'lineage':
      return [
        (await callJson(t.url, 'GET', `/v2/capsules/${id}/lineage`, undefined, reader)).body,
        (await callJson(t.url, 'GET', `/v2/capsules/${id}/descendants`, undefined, reader)).body,
      ];
    case 'events':
      return [await events()];
    case 'event':
    case 'cascade': {
      // Any event's id (read as CORE), asked for as this reader: what is above it must not exist for it.
      const all = await t.forge.store.listEvents({ limit: 500 });
      const event = all[n % Math.max(1, all.length)];
      if (!event) return [];
      return [(await callJson(t.url, 'GET', op === 'event' ? `/v2/events/${event.id}` : `/v2/cascades/${event.id}`, undefined, reader)).body];
    }
    case 'audit':
      return [(await callJson(t.url, 'GET', '/v2/system/audit-log?limit=500', undefined, operator)).body];
    case 'dead-letters':
      return [(await callJson(t.url, 'GET', '/v2/dead-letters?limit=100', undefined, operator)).body];
    case 'requests':
      return [(await callJson(t.url, 'GET', '/v2/requests?limit=100', undefined, operator)).body];
    case 'request': {
      const rid = requestIds[n % Math.max(1, requestIds.length)];
      return rid ? [(await callJson(t.url, 'GET', `/v2/requests/${rid}`, undefined, operator)).body] : [];
    }
    case 'mcp-search':
      return [await (mcp.get(level) as Client).callTool({ name: 'search_capsules', arguments: { query: 'ledger note', limit: 50 } })];
    case 'mcp-ask':
      return [await (mcp.get(level) as Client).callTool({ name: 'ask', arguments: { question: 'What do the ledger notes say?', wait_ms: 15_000 } })];
    case 'names':
      return [(await callJson(t.url, 'GET', `/v2/names?ids=${namedUsers.join(',')}`, undefined, reader)).body];
    case 'affected': {
      const overlay = overlays[n % overlays.length] as OverlayRecord;
      return [(await callJson(t.url, 'GET', `/v2/overlays/${overlay.id}/affected?hops=5`, undefined, operator)).body];
    }
  }
}

it('never lets a marker reach a reader below its label, through any output channel and any read surface (property-based)', async () => {
  let probes = 0;
  let writes = 0;
  const found: string[] = [];
  await fc.assert(
    fc.asyncProperty(fc.record({ op: fc.constantFrom<Write | Read>(...WRITES, ...READS), level: fc.constantFrom(...LEVELS), n: fc.nat() }), async ({ op, level, n }) => {
      if ((WRITES as readonly string[]).includes(op)) {
        await write(op as Write, level, n);
        writes++;
        return;
      }
      const bodies = await read(op as Read, level, n);
      probes++;
      const leaked = bodies.flatMap((b) => leaks(b, level));
      found.push(...leaked.map((m) => `${op} at ${level}: ${m}`));
      expect(leaked, `${op} as trust ${level}`).toEqual([]);
    }),
    { numRuns: 300, seed: 20261207 },
  );
  // Let the cascades the writes started finish, then read the live streams and every surface once more.
  await eventually(async () => ((await t.forge.queues.events.getJobCounts('waiting', 'active', 'delayed')).waiting === 0 ? true : undefined), 30_000, 'the event queue to drain');
  for (const level of LEVELS) {
    for (const op of READS) {
      probes++;
      const leaked = (await read(op, level, probes)).flatMap((b) => leaks(b, level));
      found.push(...leaked.map((m) => `${op} at ${level} (final): ${m}`));
    }
    const { messages } = streams.get(level) as { messages: string[] };
    probes += messages.length;
    found.push(...messages.flatMap((m) => leaks(m, level)).map((m) => `ws at ${level}: ${m}`));
  }
  const leakEvents = (await t.forge.store.listEvents({ limit: 10_000, kind: 'custom.leak' })).length;
  const leakCapsules = (await t.forge.store.listCapsules({ tag: undefined }, { limit: 10_000 })).items.filter((c) => c.owner_id.startsWith('overlay:leak')).length;
  console.log(
    `information flow: ${probes} read probes (live-stream messages included) after ${writes} writes; the leaky overlays published ${leakEvents} events and wrote ${leakCapsules} capsules; ${found.length} leaks`,
  );
  expect(found).toEqual([]);
  // The adversaries did try: their events exist (at their labels), so the property is not vacuous.
  expect(leakEvents).toBeGreaterThan(0);
}, 300_000);
