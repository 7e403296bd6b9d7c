import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, inject, it } from 'vitest';
import { createForge } from '../src/app.js';
import { loadConfig } from '../src/config/index.js';
import { deleteKeys, eventually } from './helpers/forge.js';
import { graphEnv } from './helpers/neo4j.js';
import { CLI, startForge } from './helpers/processes.js';
import { relayOverlay } from './helpers/relay-overlay.js';

it('a cascade survives its worker being SIGKILLed mid-way: no hop lost, none applied twice', async () => {
  if (!existsSync(CLI)) throw new Error('build first: npm run build (scripts/test.sh does)');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'forge-cascade-'));
  const prefix = `{cascade-${randomUUID().slice(0, 8)}}`;
  const env = {
    REDIS_URL: inject('redisUrl'),
    FORGE_QUEUE_PREFIX: prefix,
    FORGE_DATA_DIR: dataDir,
    // A killed worker's deliveries are taken back once its lock lapses: short here, so the test is quick.
    FORGE_LOCK_DURATION_MS: '1000',
    FORGE_STALLED_INTERVAL_MS: '500',
    FORGE_BACKOFF_MS: '50',
    FORGE_HEALTH_INTERVAL_MS: '0',
    FORGE_OVERLAY_THREADS: '1',
    ...(await graphEnv()),
  };
  // This process registers the overlays and starts the cascade; the worker processes deliver it.
  const forge = await createForge(loadConfig(env));
  const workers: ChildProcess[] = [];
  try {
    // Five relays in a chain, each busy for a while in on_event, so the kill lands while a hop is being handled.
    for (let i = 0; i < 5; i++) await relayOverlay(forge, { name: `slow-${i}`, listen: `custom.c${i}`, emit: `custom.c${i + 1}`, spin: 40_000_000 });
    workers.push((await startForge('worker', env)).child);
    const analyst = { id: 'analyst', roles: ['contributor'], trust_level: 60 };
    const start = await forge.eventLog.publish(analyst, { kind: 'custom.c0', payload: {} });
    const delivered = async () => (await forge.store.listCascadeLinks(start.id)).filter((l) => l.outcome === 'delivered');
    await eventually(async () => ((await delivered()).length >= 1 ? true : undefined), 20_000, 'the first hop');
    // Killed while a delivery is in the middle of its handler.
    const busy = await eventually(async () => (await forge.queues.events.getJobs(['active']))[0], 20_000, 'a delivery being handled');
    workers[0]?.kill('SIGKILL');
    const atKill = (await delivered()).length;
    expect(atKill).toBeLessThan(5);
    expect(await forge.store.wasDelivered(busy.data.event_id, busy.data.subscriber)).toBe(false);
    workers.push((await startForge('worker', env)).child);

    const tree = await eventually(
      async () => {
        const tr = await forge.eventLog.cascade(analyst, start.id);
        return tr.delivered === 5 ? tr : undefined;
      },
      60_000,
      'all five hops after the restart',
    );
    // Every hop once: five deliveries and one event per hop (the fixed ids of events published while
    // handling make a handler run twice publish nothing twice), then the hop limit.
    const events = await forge.store.listEvents({ cascade_id: start.id, limit: 100 });
    expect(events.map((e) => e.kind)).toEqual(['custom.c0', 'custom.c1', 'custom.c2', 'custom.c3', 'custom.c4', 'custom.c5']);
    expect(events.map((e) => e.hop)).toEqual([0, 1, 2, 3, 4, 5]);
    const links = await forge.store.listCascadeLinks(start.id);
    expect(links.map((l) => `${l.target} ${l.outcome}`)).toEqual([
      'overlay:slow-0 delivered',
      'overlay:slow-1 delivered',
      'overlay:slow-2 delivered',
      'overlay:slow-3 delivered',
      'overlay:slow-4 delivered',
    ]);
    expect(tree).toMatchObject({ events: 6, delivered: 5, stopped: { cycle: 0, hop_limit: 0 }, depth: 5 });
    for (const e of events.slice(0, 5)) expect(await forge.store.wasDelivered(e.id, `overlay:slow-${e.hop}`)).toBe(true);
    console.log(`cascade-crash: worker killed after ${atKill} of 5 hops; the second worker finished the cascade with each hop once`);
  } finally {
    for (const w of workers) w.kill('SIGKILL');
    await forge.close();
    await deleteKeys(inject('redisUrl'), prefix);
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 120_000);
