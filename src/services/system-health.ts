import type { Queue } from 'bullmq';
import { phaseJobCounts } from '../flows/queues.js';
import { PHASES, type Phase } from '../config/index.js';
import type { FleetState } from '../fleet/fleet-state.js';
import type { OverlayHealth } from '../overlays/health.js';
import type { OverlayRegistry } from '../overlays/registry.js';
import type { GraphStore } from '../store/graph-store.js';

export interface SystemHealthDeps {
  readonly fleet: Pick<FleetState, 'ping'>;
  readonly store: Pick<GraphStore, 'kind' | 'stats'>;
  readonly queues: {
    readonly partitions: ReadonlyArray<Readonly<Record<Phase, Pick<Queue, 'getJobCounts' | 'getWorkersCount'>>>>;
    readonly overlayExpiry: Pick<Queue, 'getJobCounts'>;
    readonly healthChecks: Pick<Queue, 'getJobCounts'>;
    readonly deadLetters: Pick<Queue, 'count'>;
  };
  readonly registry: Pick<OverlayRegistry, 'list'>;
  readonly health: Pick<OverlayHealth, 'lastReports'>;
}

/** The whole system at a glance: Redis, the graph store, queue depths, dead letters and overlay health. */
export interface SystemHealthReport {
  readonly status: 'ok' | 'degraded';
  readonly redis: { readonly ok: boolean; readonly latency_ms?: number; readonly error?: string };
  readonly store: { readonly ok: boolean; readonly kind: string; readonly error?: string; readonly [k: string]: unknown };
  readonly queues: Record<string, Record<string, number>>;
  /** Workers connected to each phase's queues, fleet-wide. */
  readonly workers: Record<string, number>;
  readonly dead_letters: number | null;
  readonly overlays: Record<string, unknown>;
}

/** Aggregates the system health view; each part that cannot be read is reported, never thrown. */
export async function systemHealth(deps: SystemHealthDeps): Promise<SystemHealthReport> {
  let redis: SystemHealthReport['redis'];
  try {
    redis = { ok: true, latency_ms: Math.round(await deps.fleet.ping()) };
  } catch (err) {
    redis = { ok: false, error: (err as Error).message };
  }
  let store: SystemHealthReport['store'];
  try {
    store = { ok: true, kind: deps.store.kind, ...(await deps.store.stats()) };
  } catch (err) {
    store = { ok: false, kind: deps.store.kind, error: (err as Error).message };
  }
  const queues: Record<string, Record<string, number>> = {};
  const workers: Record<string, number> = {};
  if (redis.ok) {
    for (const phase of PHASES) queues[phase] = await phaseJobCounts(deps.queues.partitions, phase, 'waiting', 'active', 'delayed', 'waiting-children', 'prioritized', 'failed');
    queues['overlay-expiry'] = await deps.queues.overlayExpiry.getJobCounts('delayed', 'failed');
    queues['health-checks'] = await deps.queues.healthChecks.getJobCounts('waiting', 'active', 'delayed', 'failed');
    queues['dead-letter'] = { size: await deps.queues.deadLetters.count() };
    // Workers listening on each phase's queues, fleet-wide (every process that runs that phase).
    // (CLIENT LIST: a Redis that refuses it leaves the counts out.)
    const counted = await Promise.all(
      PHASES.map(async (phase) => [phase, (await Promise.all(deps.queues.partitions.map((p) => p[phase].getWorkersCount()))).reduce((a, b) => a + b, 0)] as const),
    ).catch(() => []);
    Object.assign(workers, Object.fromEntries(counted));
  }
  let overlays: Record<string, unknown> = {};
  if (redis.ok && store.ok) {
    const [all, reports] = await Promise.all([deps.registry.list({}), deps.health.lastReports()]);
    const count = (state: string) => all.filter((o) => o.state === state).length;
    overlays = {
      active: count('active'),
      quarantined: count('quarantined'),
      suspended: count('suspended'),
      pending: count('pending'),
      unhealthy: reports
        .filter((r) => !r.healthy)
        .map((r) => ({
          id: r.overlay_id,
          name: r.name,
          at: r.at,
          failing: Object.entries(r.levels)
            .filter(([, l]) => !l.ok)
            .map(([level]) => level),
        })),
      last_checked:
        reports
          .map((r) => r.at)
          .sort()
          .pop() ?? null,
    };
  }
  const ok = redis.ok && store.ok;
  return { status: ok ? 'ok' : 'degraded', redis, store, queues, workers, dead_letters: queues['dead-letter']?.size ?? null, overlays };
}
