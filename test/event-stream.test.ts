import { afterEach, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Caller, ForgeEvent } from '../src/store/graph-store.js';
import { callJson, createServedForge, createUserWithKey, eventually, type ServedForge } from './helpers/forge.js';

let t: ServedForge | undefined;
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.terminate();
  await t?.cleanup();
  t = undefined;
});

interface Received {
  readonly hello: Promise<{ trust_level: number; after_seq: number }>;
  readonly events: ForgeEvent[];
  readonly closed: Promise<{ code: number; reason: string }>;
}

/** Connects to the stream with a key; collects what arrives. */
function connect(url: string, key: string | null, query = ''): Received {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws/events${query}`, key ? { headers: { authorization: `Bearer ${key}` } } : {});
  sockets.push(ws);
  const events: ForgeEvent[] = [];
  let hello: (h: { trust_level: number; after_seq: number }) => void = () => undefined;
  ws.on('message', (data) => {
    const message = JSON.parse(String(data)) as { type: string; event?: ForgeEvent; trust_level?: number; after_seq?: number };
    if (message.type === 'hello') hello(message as { trust_level: number; after_seq: number });
    else if (message.event) events.push(message.event);
  });
  return {
    hello: new Promise((resolve, reject) => {
      hello = resolve;
      ws.once('unexpected-response', (_req, res) => reject(new Error(`refused: ${res.statusCode}`)));
      ws.once('error', reject);
    }),
    events,
    closed: new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: String(reason) }))),
  };
}

const at = (trust_level: number): Caller => ({ id: `publisher-${trust_level}`, roles: ['contributor'], trust_level });

it('streams events live over an authenticated WebSocket: each client only at or below its trust, filtered by kind and cascade, resumable', async () => {
  t = await createServedForge();
  const { forge, url } = t;
  const low = await createUserWithKey(forge, 'low', 'reader', 40);
  const high = await createUserWithKey(forge, 'high', 'reader', 80);
  const a = connect(url, low.apiKey);
  const b = connect(url, high.apiKey);
  const onlyThreats = connect(url, high.apiKey, '?kinds=security_threat');
  expect(await a.hello).toMatchObject({ trust_level: 40 });
  await b.hello;
  await onlyThreats.hello;

  const secret = await forge.eventLog.publish(at(80), { kind: 'security_threat', payload: { pattern: 'trust-80 only', severity: 'high' } });
  const open = await forge.eventLog.publish(at(40), { kind: 'custom.note', payload: { text: 'for everyone' } });
  const follow = await forge.events.publish({
    kind: 'custom.note',
    payload: { text: 'in the cascade' },
    trust_level: 40,
    source: { type: 'user', id: 'x' },
    parent: open,
    via: 'user:x',
  });
  await eventually(async () => (b.events.length === 3 && a.events.length === 2 && onlyThreats.events.length === 1 ? true : undefined), 10_000, 'the live events');
  expect(b.events.map((e) => e.id)).toEqual([secret.id, open.id, follow.id]);
  // The trust-40 client never receives the trust-80 event.
  expect(a.events.map((e) => e.id)).toEqual([open.id, follow.id]);
  expect(JSON.stringify(a.events)).not.toContain('trust-80 only');
  expect(onlyThreats.events.map((e) => e.id)).toEqual([secret.id]);

  // A cascade filter, and a client resuming from a sequence number it saw replays what it missed.
  const cascade = connect(url, low.apiKey, `?cascade_id=${open.id}&after_seq=0`);
  await cascade.hello;
  await eventually(async () => (cascade.events.length === 2 ? true : undefined), 10_000, 'the replayed cascade');
  expect(cascade.events.map((e) => e.id)).toEqual([open.id, follow.id]);

  // No credential: 401 before any upgrade; a plain GET is told to upgrade.
  await expect(connect(url, null).hello).rejects.toThrow('refused: 401');
  await expect(connect(url, 'forge_000000000000_' + 'a'.repeat(43)).hello).rejects.toThrow('refused: 401');
  expect((await callJson(url, 'GET', '/ws/events')).status).toBe(426);
}, 30_000);

it('ends a stream whose key is revoked, at the next credential check (close code 4401)', async () => {
  t = await createServedForge({ FORGE_STREAM_RECHECK_MS: '100' });
  const { forge, url } = t;
  const user = await createUserWithKey(forge, 'leaver', 'reader', 60);
  const stream = connect(url, user.apiKey);
  await stream.hello;
  const keys = (await callJson(url, 'GET', `/v2/users/${user.id}/keys`)).body.items as Array<{ id: string }>;
  expect((await callJson(url, 'DELETE', `/v2/keys/${keys[0]?.id}`)).status).toBe(200);
  expect(await stream.closed).toEqual({ code: 4401, reason: 'credential no longer valid' });
}, 10_000);
