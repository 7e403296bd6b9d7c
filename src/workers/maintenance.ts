import { Worker, type ConnectionOptions, type Queue } from 'bullmq';
import type { ForgeConfig } from '../config/index.js';
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
}

/**
 * The overlay maintenance workers: TTL expiry of activations, and the fleet-wide round of health checks
 * and canary verdicts. Every worker process runs them; the schedule itself exists once (upserting it is
 * idempotent), so each round runs in one process.
 */
export function startMaintenanceWorkers(options: MaintenanceWorkerOptions): Worker[] {
  const { config, connection, registry, health, canaries, healthChecks } = options;
  const opts = { connection, prefix: config.queuePrefix };
  const workers = [
    new Worker<OverlayExpiryJob>(OVERLAY_EXPIRY_QUEUE, (job) => registry.expire(job.data.overlay_id, job.data.expires_at), opts),
    new Worker(HEALTH_CHECK_QUEUE, async () => ({ checked: (await health.checkAllActive()).length, canaries_decided: (await canaries.evaluate()).length }), opts),
  ];
  if (config.health.intervalMs > 0) {
    void healthChecks
      .upsertJobScheduler('overlay-health', { every: config.health.intervalMs }, { name: 'check-all', opts: { removeOnComplete: 100, removeOnFail: 100 } })
      .catch((err: unknown) => console.error('[forge] could not schedule health checks:', err));
  } else {
    void healthChecks.removeJobScheduler('overlay-health').catch(() => undefined);
  }
  return workers;
}
