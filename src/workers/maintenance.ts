import { Worker, type ConnectionOptions, type Job, type Queue, type Telemetry } from 'bullmq';
import { EVENT_QUEUE, OUTBOX_QUEUE, type EventBus, type EventDeliveryJob } from '../events/bus.js';
import { relayAuditEvents } from '../events/outbox.js';
import { GOVERNANCE_QUEUE, type Governance } from '../governance/governance.js';
import { REEMBED_QUEUE, type ReembedJob, type Reembedding } from '../services/reembedding.js';
import type { ForgeConfig } from '../config/index.js';
import type { GraphStore } from '../store/graph-store.js';
import type { OverlayCanaries } from '../overlays/canary.js';
import { HEALTH_CHECK_QUEUE, type OverlayHealth } from '../overlays/health.js';
import { OVERLAY_EXPIRY_QUEUE, type OverlayExpiryJob, type OverlayRegistry } from '../overlays/registry.js';

export interface MaintenanceWorkerOptions {
  readonly config: ForgeConfig;
  readonly connection: ConnectionOptions;
  readonly registry: Pick<OverlayRegistry, 'expire'>;
  readonly health: Pick<OverlayHealth, 'checkAllActive'>;
  readonly canaries: Pick<OverlayCanaries, 'evaluate'>;
  /** The queue the fleet-wide health schedule lives on. */
  readonly healthChecks: Queue;
  readonly reembedding: Reembedding;
  readonly reembedQueue: Queue<ReembedJob>;
  readonly events: EventBus;
  /** The queue the event outbox's schedule lives on. */
  readonly outbox: Queue;
  readonly governance: Pick<Governance, 'close' | 'recover'>;
  /** BullMQ's tracing, when on. */
  readonly tracing?: Telemetry | undefined;
  /** Read as the outbox (its audit log) by the event relay. */
  readonly store: Pick<GraphStore, 'listAuditAfter' | 'getCursor' | 'advanceCursor' | 'getOverlay' | 'getProposal'>;
}

/**
 * The overlay maintenance workers: TTL expiry of activations, and the fleet-wide round of health checks
 * and canary verdicts. Every worker process runs them; the schedule itself exists once (upserting it is
 * idempotent), so each round runs in one process.
 */
export function startMaintenanceWorkers(options: MaintenanceWorkerOptions): Worker[] {
  const { config, connection, registry, health, canaries, healthChecks, reembedding, reembedQueue, events, outbox, store, governance } = options;
  const opts = { connection, prefix: config.queuePrefix, ...(options.tracing ? { telemetry: options.tracing } : {}) };
  const workers = [
    new Worker<OverlayExpiryJob>(OVERLAY_EXPIRY_QUEUE, (job) => registry.expire(job.data.overlay_id, job.data.expires_at), opts),
    new Worker(HEALTH_CHECK_QUEUE, async () => ({ checked: (await health.checkAllActive()).length, canaries_decided: (await canaries.evaluate()).length }), opts),
    new Worker<ReembedJob>(REEMBED_QUEUE, (job) => reembed(job, reembedding), { ...opts, concurrency: 1 }),
    new Worker<{ proposal_id: string }>(GOVERNANCE_QUEUE, async (job) => ({ status: (await governance.close(job.data.proposal_id)).status }), opts),
    new Worker(OUTBOX_QUEUE, async () => ({ published: await relayAuditEvents({ store, bus: events }) }), { ...opts, concurrency: 1 }),
    eventWorker(events, { ...opts, lockDuration: config.locks.durationMs, stalledInterval: config.locks.stalledIntervalMs, maxStalledCount: config.locks.maxStalled }),
  ];
  void reembedding
    .schedule(reembedQueue)
    .then(
      (queued) =>
        queued &&
        console.log(`[forge] the store holds capsules another embedding model made: re-embedding them for ${reembedding.model} (progress in Bull Board, queue "${REEMBED_QUEUE}")`),
    )
    .catch((err: unknown) => console.error('[forge] could not schedule re-embedding:', err));
  // Deadlines that passed while no worker ran close now; every open proposal has its close job.
  void governance
    .recover()
    .then((closed) => closed.length && console.log(`[forge] closing ${closed.length} proposal(s) whose voting ended while no worker ran`))
    .catch((err: unknown) => console.error('[forge] could not recover governance deadlines:', err));
  if (config.events.outboxIntervalMs > 0) {
    void outbox
      .upsertJobScheduler('audit-events', { every: config.events.outboxIntervalMs }, { name: 'relay', opts: { removeOnComplete: 10, removeOnFail: 100 } })
      .catch((err: unknown) => console.error('[forge] could not schedule the event outbox:', err));
  } else {
    void outbox.removeJobScheduler('audit-events').catch(() => undefined);
  }
  if (config.health.intervalMs > 0) {
    void healthChecks
      .upsertJobScheduler('overlay-health', { every: config.health.intervalMs }, { name: 'check-all', opts: { removeOnComplete: 100, removeOnFail: 100 } })
      .catch((err: unknown) => console.error('[forge] could not schedule health checks:', err));
  } else {
    void healthChecks.removeJobScheduler('overlay-health').catch(() => undefined);
  }
  return workers;
}

/** One re-embedding job: skipped by a process configured for another model (a fleet mid-rollout). */
async function reembed(job: Job<ReembedJob>, reembedding: Reembedding): Promise<{ model: string; reembedded: number; skipped?: string }> {
  if (job.data.model !== reembedding.model) return { model: job.data.model, reembedded: 0, skipped: `this process embeds with ${reembedding.model}` };
  let logged = 0;
  return reembedding.run(async (p) => {
    await job.updateProgress({ ...p });
    if (Date.now() - logged > 2000 || p.remaining === 0) {
      logged = Date.now();
      console.log(`[forge] re-embedding for ${p.model}: ${p.done} done, ${p.remaining} to go (${p.percent}%)`);
    }
  });
}

/**
 * Event deliveries: at least once, retried, and dead-lettered after the last attempt. A delivery whose
 * worker died is taken over once its lock lapses (the pipeline's lock settings).
 */
function eventWorker(
  events: EventBus,
  opts: { connection: ConnectionOptions; prefix: string; lockDuration: number; stalledInterval: number; maxStalledCount: number; telemetry?: Telemetry },
): Worker<EventDeliveryJob> {
  const worker = new Worker<EventDeliveryJob>(EVENT_QUEUE, (job) => events.deliver(job), { ...opts, concurrency: 16 });
  worker.on('failed', (job, err) => {
    // The last attempt failed, or it stalled more often than allowed: nothing is lost, it goes to the dead letters.
    if (!job || (err.name !== 'UnrecoverableError' && job.attemptsMade < (job.opts.attempts ?? 1))) return;
    events.deadLetter(job, err).catch((e: unknown) => console.error('[forge] could not dead-letter an event delivery:', e));
  });
  return worker;
}
