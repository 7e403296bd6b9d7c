import { Queue } from 'bullmq';
import { afterEach, expect, it } from 'vitest';
import { EVENT_QUEUE } from '../src/events/bus.js';
import { relayAuditEvents } from '../src/events/outbox.js';
import { DEAD_LETTER_QUEUE, type DeadLetter } from '../src/flows/request-flow.js';
import type { ForgeEvent } from '../src/store/graph-store.js';
import { createTestForge, eventually, type TestForge } from './helpers/forge.js';

let t: TestForge | undefined;
afterEach(async () => {
  await t?.cleanup();
  t = undefined;
});

const source = { type: 'overlay', id: 'o-security', name: 'security_validator' } as const;

it('validates, persists and delivers events to their subscribers, each event once per subscriber, threats first', async () => {
  t = await createTestForge();
  const { events, store } = t.forge;
  const seen: Array<[string, ForgeEvent]> = [];
  events.subscribe('ml', ['security_threat'], async (e) => void seen.push(['ml', e]));
  events.subscribe('audit', '*', async (e) => void seen.push(['audit', e]));

  // Published before the workers start: queued, then delivered by priority (the threat ahead of the rest).
  const custom = await events.publish({ kind: 'custom.note', payload: { text: 'hello' }, trust_level: 40, source });
  const threat = await events.publish({ kind: 'security_threat', payload: { pattern: 'prompt injection', severity: 'high' }, trust_level: 60, source, correlation_id: 'req-1' });
  // A cascade: published while handling the threat.
  const update = await events.publish({
    kind: 'model_updated',
    payload: { model: 'risk-v2' },
    trust_level: 60,
    source: { type: 'overlay', id: 'o-ml', name: 'ml_intelligence' },
    parent: threat,
  });
  expect(update).toMatchObject({ cascade_id: threat.id, hop: 1, parent_id: threat.id });
  // Queued by priority: the threat's deliveries are taken first (workers then run up to 16 at a time, so
  // the order the handlers are called in is not the queue's).
  const queued = await t.forge.queues.events.getJobs(['prioritized'], 0, -1, true);
  const kindOf = new Map([custom, threat, update].map((e) => [e.id, e.kind]));
  expect(queued.map((j) => `${kindOf.get(j.data.event_id)} ${j.data.subscriber}`)).toEqual([
    'security_threat ml',
    'security_threat audit',
    'model_updated audit',
    'custom.note audit',
  ]);
  t.forge.startWorkers();
  await eventually(async () => (seen.length === 4 ? true : undefined), 10_000, 'four deliveries');
  // A handler has run before its delivery is recorded: wait for the records too.
  const recorded = async () =>
    (
      await Promise.all(
        [
          [threat.id, 'ml'],
          [threat.id, 'audit'],
          [update.id, 'audit'],
          [custom.id, 'audit'],
        ].map(([e, s]) => store.wasDelivered(e as string, s as string)),
      )
    ).every(Boolean);
  await eventually(async () => ((await recorded()) ? true : undefined), 10_000, 'the four deliveries recorded');
  expect(seen.filter(([s]) => s === 'ml').map(([, e]) => e.id)).toEqual([threat.id]);
  expect(
    seen
      .filter(([s]) => s === 'audit')
      .map(([, e]) => e.kind)
      .sort(),
  ).toEqual(['custom.note', 'model_updated', 'security_threat']);
  expect(seen.find(([, e]) => e.id === threat.id)?.[1]).toMatchObject({
    kind: 'security_threat',
    payload: { pattern: 'prompt injection', severity: 'high' },
    source,
    correlation_id: 'req-1',
    trust_level: 60,
  });
  expect((await store.listEvents({ limit: 10, cascade_id: threat.id })).map((e) => e.kind)).toEqual(['security_threat', 'model_updated']);
  expect((await store.listEvents({ limit: 10, max_trust: 40 })).map((e) => e.id)).toEqual([custom.id]);

  // Publishing the same id again (a publisher's retry) records and delivers nothing twice.
  await events.publish({ id: threat.id, kind: 'security_threat', payload: { pattern: 'prompt injection', severity: 'high' }, trust_level: 60, source });
  // And a redelivered job is skipped by the subscriber that already handled it.
  expect(await events.deliver({ data: { event_id: threat.id, subscriber: 'ml' } })).toEqual({ delivered: false });
  const fresh = await events.publish({ kind: 'custom.note', payload: { text: 'after' }, trust_level: 40, source });
  await eventually(async () => (seen.some(([, e]) => e.id === fresh.id) ? true : undefined), 10_000, 'the next delivery');
  expect(seen.filter(([, e]) => e.id === threat.id)).toHaveLength(2);
});

it('refuses an unknown kind or a payload that does not fit, naming the issues, and records nothing', async () => {
  t = await createTestForge();
  const { events, store } = t.forge;
  await expect(events.publish({ kind: 'made_up', payload: {}, trust_level: 40, source })).rejects.toMatchObject({ code: 'validation_failed', httpStatus: 400 });
  const error = await events.publish({ kind: 'security_threat', payload: { pattern: 'x', severity: 'apocalyptic', extra: 1 }, trust_level: 40, source }).catch((e: unknown) => e);
  expect(error).toMatchObject({ name: 'RequestValidationError' });
  const paths = (error as { issues: Array<{ path: PropertyKey[] }> }).issues.map((i) => i.path.join('.'));
  expect(paths).toEqual(expect.arrayContaining(['payload.severity', 'payload']));
  expect(await store.listEvents({ limit: 10 })).toEqual([]);
});

it('retries a failing subscriber, then dead-letters its delivery with the error, while others still get the event', async () => {
  t = await createTestForge({ FORGE_BACKOFF_MS: '10' });
  const { events } = t.forge;
  let calls = 0;
  const good: string[] = [];
  events.subscribe('flaky', ['optimization_applied'], async () => {
    calls++;
    throw new Error('downstream is down');
  });
  events.subscribe('steady', ['optimization_applied'], async (e) => void good.push(e.id));
  t.forge.startWorkers();
  const event = await events.publish({ kind: 'optimization_applied', payload: { target: 'cache', change: 'ttl 300 → 600' }, trust_level: 60, source });
  const deadLetters = new Queue<DeadLetter>(DEAD_LETTER_QUEUE, { connection: { url: t.config.redisUrl as string }, prefix: t.config.queuePrefix });
  try {
    const letter = await eventually(async () => (await deadLetters.getJobs(['waiting'])).find((j) => j.data.queue === EVENT_QUEUE), 20_000, 'a dead letter');
    expect(letter.data).toMatchObject({
      queue: EVENT_QUEUE,
      job_name: 'deliver',
      data: { event_id: event.id, subscriber: 'flaky' },
      error: { message: 'downstream is down' },
      attempts: 5,
    });
    expect(calls).toBe(5);
    expect(good).toEqual([event.id]);
  } finally {
    await deadLetters.close();
  }
}, 30_000);

it('announces committed changes as system events from the audit log (the outbox): each once, even when replayed', async () => {
  t = await createTestForge({ FORGE_OUTBOX_INTERVAL_MS: '50' });
  const { forge } = t;
  const seen: ForgeEvent[] = [];
  forge.events.subscribe('watcher', ['capsule_created', 'capsule_updated', 'trust_changed'], async (e) => void seen.push(e));
  const admin = { id: 'root', roles: ['admin'], trust_level: 100 };
  const created = await forge.capsules.create(admin, { content: 'Payments settle nightly.', type: 'knowledge', trust_level: 60 });
  const updated = await forge.capsules.update(admin, created.id, { content: 'Payments settle nightly at 23:00 UTC.' });
  const user = await forge.users.create(admin, { name: 'olga', role: 'reader', trust_level: 40 });
  await forge.users.update(admin, user.id, { trust_level: 60, reason: 'completed training' });
  forge.startWorkers();
  await eventually(async () => (seen.length === 3 ? true : undefined), 10_000, 'three system events');
  // Delivered by priority (trust changes ahead of capsule events), so compared in kind order.
  expect(seen.map((e) => [e.kind, e.payload, e.trust_level, e.source.type]).sort((a, b) => String(a[0]).localeCompare(String(b[0])))).toEqual([
    ['capsule_created', { capsule_id: created.id, version: '1.0.0', trust_level: 60 }, 60, 'system'],
    ['capsule_updated', { capsule_id: updated.id, version: updated.version, previous_id: created.id, trust_level: 60 }, 60, 'system'],
    ['trust_changed', { user_id: user.id, from: 40, to: 60, reason: 'completed training' }, 60, 'system'],
  ]);
  // A replay from the start (a lost cursor, two relays at once) records and delivers nothing twice.
  const before = (await forge.store.listEvents({ limit: 100 })).length;
  expect(
    await relayAuditEvents({
      store: {
        ...forge.store,
        getCursor: async () => 0,
        advanceCursor: async () => undefined,
        listAuditAfter: (a, l) => forge.store.listAuditAfter(a, l),
        getOverlay: (id) => forge.store.getOverlay(id),
      },
      bus: forge.events,
    }),
  ).toBeGreaterThanOrEqual(3);
  expect((await forge.store.listEvents({ limit: 100 })).length).toBe(before);
  const late = await forge.capsules.create(admin, { content: 'Refunds take five days.', type: 'knowledge', trust_level: 40 });
  await eventually(async () => (seen.some((e) => e.payload.capsule_id === late.id) ? true : undefined), 10_000, 'the next capsule');
  expect(seen).toHaveLength(4);
});
