import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CascadeNode, CascadeTree } from '../src/events/cascades.js';
import { builtOverlays, installOverlays } from '../src/cli/core-overlays.js';
import type { Caller } from '../src/store/graph-store.js';
import { callJson, createServedForge, createTestForge, createUserWithKey, eventually, submitAndWait, type ServedForge, type TestForge, CORE_READER } from './helpers/forge.js';
import { relayOverlay } from './helpers/relay-overlay.js';

const root = path.resolve(import.meta.dirname, '..');
const ADMIN: Caller = { id: 'root', roles: ['admin'], trust_level: 100 };
const ANALYST: Caller = { id: 'analyst', roles: ['contributor'], trust_level: 60 };

let t: TestForge | ServedForge | undefined;
afterEach(async () => {
  await t?.cleanup();
  t = undefined;
});

/** The tree as lines: `hop kind (source) -> target outcome`, depth first. */
function chain(node: CascadeNode): string[] {
  if (!('links' in node)) return [`${node.event.hop} [redacted]`];
  const e = node.event;
  const head = `${e.hop} ${e.kind} from ${e.source.type === 'overlay' ? `overlay:${e.source.name}` : `${e.source.type}:${e.source.id}`}`;
  // Deliveries of one event run in parallel: listed by target, not by the order they finished.
  const links = [...node.links].sort((a, b) => (a.target < b.target ? -1 : 1)).map((l) => `  -> ${l.target} ${l.outcome}${l.reason ? ` (${l.reason})` : ''}`);
  return [head, ...links, ...node.children.flatMap(chain)];
}

async function settled(tree: () => Promise<CascadeTree>, expected: { delivered: number; stopped: number }): Promise<CascadeTree> {
  return eventually(
    async () => {
      const tr = await tree();
      return tr.delivered === expected.delivered && tr.stopped.cycle + tr.stopped.hop_limit === expected.stopped ? tr : undefined;
    },
    20_000,
    `${expected.delivered} deliveries and ${expected.stopped} stops`,
  );
}

describe('the spec cascade through the core overlays', () => {
  beforeAll(() => {
    if (builtOverlays().length < 6) execFileSync(process.execPath, ['scripts/build-overlays.mjs'], { cwd: root, stdio: 'inherit' });
  }, 120_000);

  it('a refused query → security_threat → ml-intelligence → model_updated → performance-optimizer → optimization_applied → symbolic-governance → governance_action → the audit log and lineage-tracker, traced as one tree', async () => {
    const served = await createServedForge({ FORGE_OVERLAY_THREADS: '2' });
    t = served;
    const { forge, url } = served;
    await installOverlays(forge, ADMIN, builtOverlays());

    const refused = await submitAndWait(forge, 'Please charge card 4111 1111 1111 1111 for the deploy');
    expect(refused.status).toBe('rejected');
    const audit = await eventually(
      async () => (await forge.store.listAudit({ limit: 10, action: 'event.governance_action' }))[0],
      20_000,
      'the governance action in the audit log',
    );
    const tree = await settled(() => forge.eventLog.cascade(ANALYST, audit.entity_id), { delivered: 5, stopped: 0 });
    expect(chain(tree.root)).toEqual([
      '0 security_threat from overlay:security-validator',
      '  -> overlay:ml-intelligence delivered',
      '1 model_updated from overlay:ml-intelligence',
      '  -> overlay:performance-optimizer delivered',
      '2 optimization_applied from overlay:performance-optimizer',
      '  -> overlay:symbolic-governance delivered',
      '3 governance_action from overlay:symbolic-governance',
      '  -> audit-log delivered',
      '  -> overlay:lineage-tracker delivered',
    ]);
    expect(tree).toMatchObject({ cascade_id: audit.entity_id, events: 4, depth: 3, redacted: 0 });
    const first = tree.root as Extract<CascadeNode, { links: unknown }>;
    // The threat names the refused request; every event of the chain carries it as the correlation id, at the trust it was raised at.
    expect(first.event).toMatchObject({ payload: { pattern: 'card-number', severity: 'high', request_id: refused.id }, correlation_id: refused.id, trust_level: 60 });
    expect(audit).toMatchObject({
      actor_id: 'overlay:symbolic-governance',
      details: {
        hop: 3,
        correlation_id: refused.id,
        path: ['overlay:security-validator', 'overlay:ml-intelligence', 'overlay:performance-optimizer', 'overlay:symbolic-governance'],
        payload: { action: 'record_optimization', details: { target: 'answer-cache', change: 'bypass the answer cache for queries matching card-number' } },
      },
    });

    // Over HTTP: the cascade as a tree, and what the validator reaches.
    const http = await callJson(url, 'GET', `/v2/cascades/${tree.cascade_id}`);
    expect(http.status).toBe(200);
    expect(chain((http.body as unknown as CascadeTree).root)).toEqual(chain(tree.root));
    const validator = (await forge.overlays.registry.list({ name: 'security-validator', state: 'active' }))[0];
    const reach = await callJson(url, 'GET', `/v2/overlays/${validator?.id}/affected?hops=5`);
    expect(reach.body).toMatchObject({
      overlay: { name: 'security-validator' },
      hops: 5,
      reached: [
        { target: 'overlay:ml-intelligence', hops: 1, via: 'overlay:security-validator' },
        { target: 'overlay:performance-optimizer', hops: 2, via: 'overlay:ml-intelligence' },
        { target: 'overlay:symbolic-governance', hops: 3, via: 'overlay:performance-optimizer' },
        { target: 'audit-log', hops: 4, via: 'overlay:symbolic-governance' },
        { target: 'overlay:lineage-tracker', hops: 4, via: 'overlay:symbolic-governance' },
      ],
    });
    expect(((await callJson(url, 'GET', `/v2/overlays/${validator?.id}/affected?hops=2`)).body.reached as unknown[]).length).toBe(2);
    expect((await callJson(url, 'GET', `/v2/overlays/${validator?.id}/affected?hops=0`)).status).toBe(400);

    // A reader below the cascade's trust finds no such cascade, and no such events.
    const low = await createUserWithKey(forge, 'low-reader', 'reader', 40);
    const hidden = await callJson(url, 'GET', `/v2/cascades/${tree.cascade_id}`, undefined, { authorization: `Bearer ${low.apiKey}` });
    expect(hidden.status).toBe(404);
    expect((await callJson(url, 'GET', `/v2/events?cascade_id=${tree.cascade_id}`, undefined, { authorization: `Bearer ${low.apiKey}` })).body).toEqual({
      items: [],
      next_after_seq: null,
    });
    expect(((await callJson(url, 'GET', `/v2/events?cascade_id=${tree.cascade_id}`)).body.items as unknown[]).length).toBe(4);
  }, 60_000);
});

describe('cascades between overlays', () => {
  it('stops a cycle (A → B → A) at the overlay already on the path, and records the stop', async () => {
    t = await createTestForge({ FORGE_OVERLAY_THREADS: '1' });
    const { forge } = t;
    await relayOverlay(forge, { name: 'relay-a', listen: 'custom.ping', emit: 'custom.pong' });
    await relayOverlay(forge, { name: 'relay-b', listen: 'custom.pong', emit: 'custom.ping' });
    forge.startWorkers();
    const start = await forge.eventLog.publish(ANALYST, { kind: 'custom.ping', payload: { n: 1 } });
    const tree = await settled(() => forge.eventLog.cascade(ANALYST, start.id), { delivered: 2, stopped: 1 });
    expect(chain(tree.root)).toEqual([
      '0 custom.ping from user:analyst',
      '  -> overlay:relay-a delivered',
      '1 custom.pong from overlay:relay-a',
      '  -> overlay:relay-b delivered',
      '2 custom.ping from overlay:relay-b',
      '  -> overlay:relay-a stopped (cycle)',
    ]);
    expect(tree).toMatchObject({ events: 3, depth: 2, stopped: { cycle: 1, hop_limit: 0 } });
    const last = await forge.store.listEvents({ cascade_id: start.id, limit: 10 });
    expect(last.at(-1)?.visited).toEqual(['user:analyst', 'overlay:relay-a', 'overlay:relay-b']);
  }, 30_000);

  it('stops a chain at its hop limit (5 by default): the sixth delivery is recorded as stopped, not made', async () => {
    t = await createTestForge({ FORGE_OVERLAY_THREADS: '1' });
    const { forge } = t;
    for (let i = 0; i < 7; i++) await relayOverlay(forge, { name: `step-${i}`, listen: `custom.s${i}`, emit: `custom.s${i + 1}` });
    forge.startWorkers();
    const start = await forge.eventLog.publish(ANALYST, { kind: 'custom.s0', payload: {} });
    const tree = await settled(() => forge.eventLog.cascade(ANALYST, start.id), { delivered: 5, stopped: 1 });
    expect(chain(tree.root).filter((l) => l.includes('->'))).toEqual([
      '  -> overlay:step-0 delivered',
      '  -> overlay:step-1 delivered',
      '  -> overlay:step-2 delivered',
      '  -> overlay:step-3 delivered',
      '  -> overlay:step-4 delivered',
      '  -> overlay:step-5 stopped (hop_limit)',
    ]);
    expect(tree).toMatchObject({ events: 6, depth: 5, stopped: { cycle: 0, hop_limit: 1 } });
    // step-6 never saw anything.
    expect(await forge.store.listEvents({ kind: 'custom.s6', limit: 1 })).toEqual([]);
  }, 30_000);

  it('never delivers an event to an overlay below its trust, and limits how many events an overlay publishes a minute', async () => {
    // The breaker and quarantine kept out of it: this is about the limit and the dead letter.
    t = await createTestForge({ FORGE_OVERLAY_THREADS: '1', FORGE_OVERLAY_EVENTS_PER_MINUTE: '2', FORGE_BREAKER_FAILURES: '100', FORGE_QUARANTINE_MIN_CALLS: '1000' });
    const { forge } = t;
    await relayOverlay(forge, { name: 'sandboxed', listen: 'custom.secret', emit: 'custom.leak', trust: 40 });
    await relayOverlay(forge, { name: 'chatty', listen: 'custom.tick', emit: 'custom.tock' });
    forge.startWorkers();
    const secret = await forge.eventLog.publish(ANALYST, { kind: 'custom.secret', payload: {} });
    for (let i = 0; i < 3; i++) await forge.eventLog.publish(ANALYST, { kind: 'custom.tick', payload: { i } });
    // Two tocks published, the third refused (rate_limited): its relay traps, so that delivery retries and dead-letters.
    await eventually(async () => ((await forge.store.listEvents({ kind: 'custom.tock', limit: 10 })).length === 2 ? true : undefined), 20_000, 'two tocks');
    const letter = await eventually(
      async () => (await forge.dlq.list(CORE_READER, {}, { limit: 10, offset: 0 })).items.find((l) => (l.data as { subscriber?: string }).subscriber === 'overlay:chatty'),
      20_000,
      'the refused publish dead-lettered',
    );
    expect(letter.error.message).toContain('overlay:chatty did not handle event');
    expect(letter.error.message).toContain('unreachable');
    // Re-driven from the dead-letter queue once the limit allows it again: the third tock goes out, nothing twice.
    await forge.fleet.rateLimits.reset('overlay-events', 'chatty');
    expect(await forge.dlq.retry(ADMIN, letter.id)).toMatchObject({ action: 'job_readded' });
    await eventually(async () => ((await forge.store.listEvents({ kind: 'custom.tock', limit: 10 })).length === 3 ? true : undefined), 20_000, 'the third tock');
    expect(new Set((await forge.store.listEvents({ kind: 'custom.tock', limit: 10 })).map((e) => e.payload.from))).toEqual(new Set(['chatty']));
    expect((await forge.eventLog.cascade(ANALYST, secret.id)).delivered).toBe(0);
    expect(await forge.store.listEvents({ kind: 'custom.leak', limit: 1 })).toEqual([]);
  }, 40_000);
});

describe('replay', () => {
  it('re-delivers recorded events to a subscriber that came late, once: what it handled is not queued again', async () => {
    const served = await createServedForge({ FORGE_OVERLAY_THREADS: '1' });
    t = served;
    const { forge, url } = served;
    const first = await forge.eventLog.publish(ANALYST, { kind: 'custom.order', payload: { n: 1 } });
    const second = await forge.eventLog.publish(ANALYST, { kind: 'custom.order', payload: { n: 2 } });
    await relayOverlay(forge, { name: 'late', listen: 'custom.order', emit: 'custom.receipt' });
    // Activated after both were published: it saw neither.
    expect(await forge.store.listEvents({ kind: 'custom.receipt', limit: 10 })).toEqual([]);
    const replayed = await callJson(url, 'POST', '/v2/events/replay', { subscriber: 'overlay:late', after_seq: first.seq - 1 });
    expect(replayed).toMatchObject({ status: 202, body: { subscriber: 'overlay:late', queued: 2 } });
    const receipts = await eventually(
      async () => {
        const r = await forge.store.listEvents({ kind: 'custom.receipt', limit: 10 });
        return r.length === 2 ? r : undefined;
      },
      20_000,
      'two receipts',
    );
    expect(receipts.map((e) => e.parent_id).sort()).toEqual([first.id, second.id].sort());
    await eventually(
      async () => ((await forge.store.wasDelivered(first.id, 'overlay:late')) && (await forge.store.wasDelivered(second.id, 'overlay:late')) ? true : undefined),
      10_000,
      'both deliveries recorded',
    );
    expect((await callJson(url, 'POST', '/v2/events/replay', { subscriber: 'overlay:late', after_seq: 0 })).body).toMatchObject({ queued: 0 });
    expect((await callJson(url, 'POST', '/v2/events/replay', { subscriber: 'overlay:late' })).status).toBe(400);
  }, 30_000);
});
