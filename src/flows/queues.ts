/**
 * The queue setup: the Redis connections BullMQ uses, every queue of a Forge and its flow producer.
 * Workers take `workerConnection` (no per-command retry limit, as BullMQ requires for blocking calls).
 */
import { FlowProducer, Queue, type ConnectionOptions, type JobType, type Telemetry } from 'bullmq';
import { connectRedis } from '../redis/connect.js';
import { PHASES, type ForgeConfig, type Phase } from '../config/index.js';
import { HEALTH_CHECK_QUEUE } from '../overlays/health.js';
import { OVERLAY_EXPIRY_QUEUE, type OverlayExpiryJob } from '../overlays/registry.js';
import { GOVERNANCE_QUEUE } from '../governance/governance.js';
import { EVENT_QUEUE, OUTBOX_QUEUE, type EventDeliveryJob } from '../events/bus.js';
import { REEMBED_QUEUE, type ReembedJob } from '../services/reembedding.js';
import { DEAD_LETTER_QUEUE, QUEUE_OF, partitionOf, type DeadLetter } from './request-flow.js';

export interface ForgeQueues {
  /** The phase queues of the first partition (the only one unless FORGE_QUEUE_PARTITIONS > 1). */
  readonly phases: Readonly<Record<Phase, Queue>>;
  /** The phase queues of every partition, in `config.queuePartitions` order. */
  readonly partitions: ReadonlyArray<Readonly<Record<Phase, Queue>>>;
  /** The phase queues of the partition a request's jobs are in. */
  forRequest(requestId: string): Readonly<Record<Phase, Queue>>;
  readonly deadLetters: Queue<DeadLetter>;
  /** Delayed jobs that end overlay activations with a TTL. */
  readonly overlayExpiry: Queue<OverlayExpiryJob>;
  /** The scheduled overlay health checks (and canary verdicts). */
  readonly healthChecks: Queue;
  /** Re-embedding the store after the embedding model changes. */
  readonly reembed: Queue<ReembedJob>;
  /** Event deliveries, one job per (event, subscriber). */
  readonly events: Queue<EventDeliveryJob>;
  /** The scheduled turning of audit entries into system events. */
  readonly outbox: Queue;
  /** Delayed jobs that close proposals at their deadlines. */
  readonly governance: Queue;
  readonly flows: FlowProducer;
  /** For workers started in this process. */
  readonly workerConnection: ConnectionOptions;
  /** BullMQ's tracing, when on: workers take it too. */
  readonly tracing: Telemetry | undefined;
  /** Every queue, for Bull Board and health views. */
  all(): Queue[];
  close(): Promise<void>;
}

/** A phase's job counts summed over every queue partition. */
export async function phaseJobCounts(
  partitions: ReadonlyArray<Readonly<Record<Phase, Pick<Queue, 'getJobCounts'>>>>,
  phase: Phase,
  ...states: JobType[]
): Promise<Record<string, number>> {
  const total: Record<string, number> = {};
  for (const counts of await Promise.all(partitions.map((p) => p[phase].getJobCounts(...states)))) {
    for (const [state, n] of Object.entries(counts)) total[state] = (total[state] ?? 0) + n;
  }
  return total;
}

export function createQueues(config: ForgeConfig & { readonly redisUrl: string }, tracing?: Telemetry): ForgeQueues {
  const producer = connectRedis(config.redisUrl, config.redisCluster, { maxRetriesPerRequest: 3 });
  const workers = connectRedis(config.redisUrl, config.redisCluster, { maxRetriesPerRequest: null });
  for (const c of [producer, workers]) c.on('error', () => undefined); // ioredis reconnects; callers see command errors
  // With tracing on, every job carries its producer's trace to its processor.
  const traced = tracing ? { telemetry: tracing } : {};
  const opts = { connection: producer, prefix: config.queuePrefix, ...traced };
  const partitions = config.queuePartitions.map(
    (prefix) => Object.fromEntries(PHASES.map((phase) => [phase, new Queue(QUEUE_OF[phase], { connection: producer, prefix, ...traced })])) as Record<Phase, Queue>,
  );
  const phases = partitions[0] as Record<Phase, Queue>;
  const deadLetters = new Queue<DeadLetter>(DEAD_LETTER_QUEUE, opts);
  const overlayExpiry = new Queue<OverlayExpiryJob>(OVERLAY_EXPIRY_QUEUE, opts);
  const healthChecks = new Queue(HEALTH_CHECK_QUEUE, opts);
  const reembed = new Queue<ReembedJob>(REEMBED_QUEUE, opts);
  const events = new Queue<EventDeliveryJob>(EVENT_QUEUE, opts);
  const outbox = new Queue(OUTBOX_QUEUE, opts);
  const governance = new Queue(GOVERNANCE_QUEUE, opts);
  const flows = new FlowProducer(opts);
  const all = () => [...partitions.flatMap((p) => Object.values(p)), deadLetters, overlayExpiry, healthChecks, reembed, events, outbox, governance] as Queue[];
  return {
    phases,
    partitions,
    forRequest: (requestId) => partitions[partitionOf(config, requestId)] as Record<Phase, Queue>,
    deadLetters,
    overlayExpiry,
    healthChecks,
    reembed,
    events,
    outbox,
    governance,
    flows,
    workerConnection: workers,
    tracing,
    all,
    async close() {
      await Promise.all([...all().map((q) => q.close()), flows.close()]);
      for (const c of [producer, workers]) c.disconnect();
    },
  };
}
