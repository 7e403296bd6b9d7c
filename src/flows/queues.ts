/**
 * The queue setup: the Redis connections BullMQ uses, every queue of a Forge and its flow producer.
 * Workers take `workerConnection` (no per-command retry limit, as BullMQ requires for blocking calls).
 */
import { FlowProducer, Queue, type ConnectionOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { PHASES, type ForgeConfig, type Phase } from '../config/index.js';
import { HEALTH_CHECK_QUEUE } from '../overlays/health.js';
import { OVERLAY_EXPIRY_QUEUE, type OverlayExpiryJob } from '../overlays/registry.js';
import { REEMBED_QUEUE, type ReembedJob } from '../services/reembedding.js';
import { DEAD_LETTER_QUEUE, QUEUE_OF, type DeadLetter } from './request-flow.js';

export interface ForgeQueues {
  readonly phases: Readonly<Record<Phase, Queue>>;
  readonly deadLetters: Queue<DeadLetter>;
  /** Delayed jobs that end overlay activations with a TTL. */
  readonly overlayExpiry: Queue<OverlayExpiryJob>;
  /** The scheduled overlay health checks (and canary verdicts). */
  readonly healthChecks: Queue;
  /** Re-embedding the store after the embedding model changes. */
  readonly reembed: Queue<ReembedJob>;
  readonly flows: FlowProducer;
  /** For workers started in this process. */
  readonly workerConnection: ConnectionOptions;
  /** Every queue, for Bull Board and health views. */
  all(): Queue[];
  close(): Promise<void>;
}

export function createQueues(config: ForgeConfig & { readonly redisUrl: string }): ForgeQueues {
  const producer = new Redis(config.redisUrl, { maxRetriesPerRequest: 3 });
  const workers = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
  for (const c of [producer, workers]) c.on('error', () => undefined); // ioredis reconnects; callers see command errors
  const opts = { connection: producer, prefix: config.queuePrefix };
  const phases = Object.fromEntries(PHASES.map((phase) => [phase, new Queue(QUEUE_OF[phase], opts)])) as Record<Phase, Queue>;
  const deadLetters = new Queue<DeadLetter>(DEAD_LETTER_QUEUE, opts);
  const overlayExpiry = new Queue<OverlayExpiryJob>(OVERLAY_EXPIRY_QUEUE, opts);
  const healthChecks = new Queue(HEALTH_CHECK_QUEUE, opts);
  const reembed = new Queue<ReembedJob>(REEMBED_QUEUE, opts);
  const flows = new FlowProducer(opts);
  const all = () => [...Object.values(phases), deadLetters, overlayExpiry, healthChecks, reembed] as Queue[];
  return {
    phases,
    deadLetters,
    overlayExpiry,
    healthChecks,
    reembed,
    flows,
    workerConnection: workers,
    all,
    async close() {
      await Promise.all([...all().map((q) => q.close()), flows.close()]);
      for (const c of [producer, workers]) c.disconnect();
    },
  };
}
