import path from 'node:path';
import { FlowProducer, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { PHASES, type ForgeConfig, type Phase } from './config/index.js';
import { RedisStartError } from './errors.js';
import { FsBlobStore, type BlobStore } from './blobs/blob-store.js';
import { DEAD_LETTER_QUEUE, QUEUE_OF } from './flows/request-flow.js';
import { ExtractiveIntelligence, type Intelligence } from './intelligence/intelligence.js';
import { CanaryStore } from './overlays/canary.js';
import { ImmuneSystem } from './overlays/immune.js';
import { createOverlayRuntime, type OverlayRuntime } from './overlays/runtime.js';
import { HEALTH_CHECK_QUEUE, OVERLAY_EXPIRY_QUEUE, OverlayService, type HealthProbe, type InvocationContext } from './overlays/service.js';
import { createTelemetry, type PhaseTelemetry } from './producers/prometheus.js';
import { RequestService } from './producers/requests.js';
import type { Registry } from 'prom-client';
import { forgeKeys, type ForgeKeys } from './redis/keys.js';
import { HashingEmbedder, type Embedder } from './search/embedder.js';
import { CapsuleService } from './services/capsules.js';
import type { Caller, GraphStore } from './store/graph-store.js';
import { SqliteGraphStore } from './store/sqlite/sqlite-graph-store.js';
import { createPhaseHandlers, type PhaseHandlers } from './workers/phases.js';
import { DeadLetterService } from './workers/dead-letters.js';
import { closeWorkers, startPipelineWorkers, type PipelineWorkers } from './workers/pipeline-workers.js';

/** Adapters and seams the composition root accepts instead of its embedded defaults. */
export interface ForgeOverrides {
  readonly store?: GraphStore;
  readonly blobs?: BlobStore;
  readonly embedder?: Embedder;
  readonly intelligence?: Intelligence;
  /** Replace built-in phase handlers (tests inject failures here). */
  readonly handlers?: Partial<PhaseHandlers>;
  /** Level-4 overlay health check; default: FORGE_HEALTH_PROBE_URL when set. */
  readonly healthProbe?: HealthProbe;
}

/** The level-4 probe of FORGE_HEALTH_PROBE_URL: a 2xx answer within 2 s passes. */
function httpProbe(url: string): HealthProbe {
  return async (overlay) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ overlay: { id: overlay.id, name: overlay.name, version: overlay.version, state: overlay.state } }),
      signal: AbortSignal.timeout(2000),
    });
    return { ok: res.ok, detail: `${url} answered ${res.status}` };
  };
}

/** A running Forge: every port built once from the config, shared by the ingress and the workers. */
export interface Forge {
  readonly config: ForgeConfig;
  readonly redis: Redis;
  readonly keys: ForgeKeys;
  readonly store: GraphStore;
  readonly blobs: BlobStore;
  readonly embedder: Embedder;
  readonly intelligence: Intelligence;
  readonly capsules: CapsuleService;
  readonly requests: RequestService;
  readonly overlays: OverlayService;
  /** List, show, re-drive and purge dead letters. */
  readonly dlq: DeadLetterService;
  readonly queues: Readonly<Record<Phase, Queue>>;
  readonly deadLetters: Queue;
  /** Delayed jobs that end overlay activations with a TTL. */
  readonly overlayExpiry: Queue;
  /** The scheduled overlay health checks. */
  readonly healthChecks: Queue;
  /** Prometheus registry (GET /metrics) and the hook workers report phase outcomes to. */
  readonly metrics: { readonly registry: Registry; readonly telemetry: PhaseTelemetry };
  /** The caller used while authentication is not configured: role admin, trust FORGE_LOCAL_TRUST. */
  readonly localCaller: Caller;
  /** Starts the phase workers in this process. */
  startWorkers(phases?: readonly Phase[]): PipelineWorkers;
  /** Closes workers started here, queues, connections and the store. */
  close(): Promise<void>;
}

/**
 * The composition root. Requires `config.redisUrl` (the CLI starts a local redis-server and fills it in
 * when the user gave none).
 */
export async function createForge(config: ForgeConfig, overrides: ForgeOverrides = {}): Promise<Forge> {
  if (!config.redisUrl) throw new TypeError('createForge: config.redisUrl is required (forge start provides a local Redis)');
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 3 });
  const workerConnection = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
  const subscriber = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
  for (const c of [redis, workerConnection, subscriber]) c.on('error', () => undefined); // ioredis reconnects; callers see command errors
  // A Forge that exists is connected: wait for Redis once, at start-up, with a clear error if it never answers.
  await new Promise<void>((resolve, reject) => {
    if (redis.status === 'ready') return resolve();
    const timer = setTimeout(() => {
      for (const c of [redis, workerConnection, subscriber]) c.disconnect();
      reject(new RedisStartError(`Redis at ${config.redisUrl} did not answer within 10 s`, ''));
    }, 10_000);
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  const keys = forgeKeys(config.queuePrefix);

  const store = overrides.store ?? (await SqliteGraphStore.open({ file: path.join(config.dataDir, 'forge.db') }));
  const blobs = overrides.blobs ?? new FsBlobStore(path.join(config.dataDir, 'blobs'));
  const embedder = overrides.embedder ?? new HashingEmbedder(config.embeddingDim);
  const intelligence = overrides.intelligence ?? new ExtractiveIntelligence();
  const capsules = new CapsuleService({ store, embedder, redis, keys });

  const queues = {} as Record<Phase, Queue>;
  for (const phase of PHASES) queues[phase] = new Queue(QUEUE_OF[phase], { connection: redis, prefix: config.queuePrefix });
  const deadLetters = new Queue(DEAD_LETTER_QUEUE, { connection: redis, prefix: config.queuePrefix });
  const flows = new FlowProducer({ connection: redis, prefix: config.queuePrefix });
  const requests = new RequestService({ config, store, flows, contextQueue: queues.context, subscriber, keys });
  const expiry = new Queue(OVERLAY_EXPIRY_QUEUE, { connection: redis, prefix: config.queuePrefix });
  const healthChecks = new Queue(HEALTH_CHECK_QUEUE, { connection: redis, prefix: config.queuePrefix });
  const probe = overrides.healthProbe ?? (config.health.probeUrl ? httpProbe(config.health.probeUrl) : undefined);
  let runtime: OverlayRuntime<InvocationContext> | undefined;
  const overlays: OverlayService = new OverlayService({
    store,
    blobs,
    capsules,
    redis,
    prefix: config.queuePrefix,
    expiry,
    immune: new ImmuneSystem(redis, config.queuePrefix, config.immune),
    canaries: new CanaryStore(redis, config.queuePrefix),
    ...(probe ? { probe } : {}),
    runtime: () => (runtime ??= createOverlayRuntime({ threads: config.overlayThreads, host: overlays.hostHandlers() })),
  });
  const maintenance: Worker[] = [];
  const handlers: PhaseHandlers = {
    ...createPhaseHandlers({ config, store, capsules, embedder, intelligence, redis, keys, flows, overlays }),
    ...overrides.handlers,
  };
  const started: PipelineWorkers[] = [];
  const prometheus = createTelemetry();

  const forge: Forge = {
    config,
    redis,
    keys,
    store,
    blobs,
    embedder,
    intelligence,
    capsules,
    requests,
    overlays,
    dlq: new DeadLetterService({ config, store, deadLetters, queues, flows }),
    queues,
    deadLetters,
    overlayExpiry: expiry,
    healthChecks,
    metrics: { registry: prometheus.registry, telemetry: prometheus.telemetry },
    localCaller: { id: 'local', roles: ['admin'], trust_level: config.localTrust },
    startWorkers(phases) {
      const workers = startPipelineWorkers({
        config,
        connection: workerConnection,
        redis,
        keys,
        store,
        handlers,
        deadLetters,
        telemetry: prometheus.telemetry,
        ...(phases ? { phases } : {}),
      });
      started.push(workers);
      if (maintenance.length === 0) {
        maintenance.push(
          new Worker<{ overlay_id: string; expires_at: string }>(OVERLAY_EXPIRY_QUEUE, (job) => overlays.expire(job.data.overlay_id, job.data.expires_at), {
            connection: workerConnection,
            prefix: config.queuePrefix,
          }),
          new Worker(HEALTH_CHECK_QUEUE, async () => ({ checked: (await overlays.checkAllActive()).length, canaries_decided: (await overlays.evaluateCanaries()).length }), {
            connection: workerConnection,
            prefix: config.queuePrefix,
          }),
        );
        // One schedule for the whole fleet: upserting it from every worker process is idempotent.
        if (config.health.intervalMs > 0) {
          void healthChecks
            .upsertJobScheduler('overlay-health', { every: config.health.intervalMs }, { name: 'check-all', opts: { removeOnComplete: 100, removeOnFail: 100 } })
            .catch((err: unknown) => console.error('[forge] could not schedule health checks:', err));
        } else {
          void healthChecks.removeJobScheduler('overlay-health').catch(() => undefined);
        }
      }
      return workers;
    },
    async close() {
      await Promise.all([...started.map((w) => w.close()), closeWorkers(maintenance, config.shutdownDrainMs)]);
      await runtime?.close();
      await Promise.all([...Object.values(queues), deadLetters, expiry, healthChecks, flows].map((q) => q.close()));
      await store.close();
      for (const c of [redis, workerConnection, subscriber]) c.disconnect();
    },
  };
  prometheus.attach(forge);
  return forge;
}
