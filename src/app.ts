import path from 'node:path';
import type { Worker } from 'bullmq';
import type { Registry } from 'prom-client';
import type { BlobStore } from './blobs/blob-store.js';
import { openBlobStore } from './blobs/open.js';
import { Neo4jGraphStore } from './store/neo4j/neo4j-graph-store.js';
import { openEmbedder, openIntelligence } from './providers/open.js';
import { Reembedding } from './services/reembedding.js';
import { EventBus, sourceKey } from './events/bus.js';
import { EventQueries } from './events/cascades.js';
import { Governance } from './governance/governance.js';
import { startTracing } from './telemetry/tracing.js';
import { GovernanceGate } from './governance/gate.js';
import { overlaySubscribers } from './overlays/subscriptions.js';
import type { ForgeConfig, Phase } from './config/index.js';
import { RedisStartError } from './errors.js';
import type { FleetState } from './fleet/fleet-state.js';
import { connectRedisFleetState, FleetStateUnavailableError } from './fleet/redis-fleet-state.js';
import { createQueues, type ForgeQueues } from './flows/queues.js';
import type { Intelligence } from './intelligence/intelligence.js';
import { createTelemetry, type PhaseTelemetry } from './metrics/prometheus.js';
import { OverlayCanaries } from './overlays/canary.js';
import { OverlayExecutor, type InvocationContext } from './overlays/executor.js';
import { OverlayHealth, type HealthProbe } from './overlays/health.js';
import { createHostHandlers } from './overlays/host-functions.js';
import { OverlayRegistry } from './overlays/registry.js';
import { createOverlayRuntime, type OverlayRuntime } from './overlays/runtime.js';
import { RequestService } from './producers/requests.js';
import type { Embedder } from './search/embedder.js';
import { AuditCheckpoints } from './services/audit-checkpoints.js';
import { CapsuleService } from './services/capsules.js';
import { UserService } from './services/users.js';
import { AuditLogReader } from './services/audit-log.js';
import { TokenService } from './auth/tokens.js';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { Caller, GraphStore } from './store/graph-store.js';
import { SqliteGraphStore } from './store/sqlite/sqlite-graph-store.js';
import { DeadLetterService } from './workers/dead-letters.js';
import { startMaintenanceWorkers } from './workers/maintenance.js';
import { createPhaseHandlers, type PhaseHandlers } from './workers/phases/index.js';
import { closeWorkers, startPipelineWorkers, type PipelineWorkers } from './workers/pipeline-workers.js';
import { RequestOutcomes } from './workers/request-outcome.js';
import { RequestIdentity } from './workers/request-identity.js';

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

/**
 * A signing key: the configured one, or one kept in `<data-dir>/<file>` (mode 0600), made on first use —
 * right for one machine; a fleet sets the variable (FORGE_TOKEN_SECRET, FORGE_AUDIT_KEY) on every process.
 */
export function localSecret(config: ForgeConfig, configured: string | undefined, name: string): Uint8Array {
  if (configured) return new TextEncoder().encode(configured);
  const file = path.join(config.dataDir, name);
  if (!existsSync(file)) {
    mkdirSync(config.dataDir, { recursive: true });
    writeFileSync(file, randomBytes(48).toString('base64url'), { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600);
  }
  return new TextEncoder().encode(readFileSync(file, 'utf8').trim());
}

/** The overlay services, each with one reason to change. */
export interface ForgeOverlays {
  /** Registration, lifecycle, dependencies and config. */
  readonly registry: OverlayRegistry;
  /** Invocations, phase fan-out, breakers and quarantine, metrics. */
  readonly executor: OverlayExecutor;
  /** Four-level health checks and recovery. */
  readonly health: OverlayHealth;
  /** Canary deployments and their verdicts. */
  readonly canaries: OverlayCanaries;
}

/** A running Forge: every port built once from the config, shared by the ingress and the workers. */
export interface Forge {
  readonly config: ForgeConfig;
  readonly store: GraphStore;
  readonly blobs: BlobStore;
  readonly embedder: Embedder;
  readonly intelligence: Intelligence;
  /** State every process of the fleet shares (Redis). */
  readonly fleet: FleetState;
  readonly capsules: CapsuleService;
  /** The event bus: typed, persisted events delivered to subscribers as jobs. */
  readonly events: EventBus;
  /** Events and cascades read through the trust rules; events published for API callers. */
  readonly eventLog: EventQueries;
  /** Proposals, votes and delegation; passed proposals' actions. */
  readonly governance: Governance;
  /** What a single admin may no longer do alone (above the gate's trust). */
  readonly gate: GovernanceGate;
  /** The audit chain's signed checkpoints, and its verification. */
  readonly audit: AuditCheckpoints;
  /** The audit log as each reader may see it (entries labelled by what they describe). */
  readonly auditLog: AuditLogReader;
  readonly requests: RequestService;
  /** Users, their trust and their API keys. */
  readonly users: UserService;
  /** Access and refresh tokens of password logins. */
  readonly tokens: TokenService;
  readonly overlays: ForgeOverlays;
  /** List, show, re-drive and purge dead letters. */
  readonly dlq: DeadLetterService;
  readonly queues: ForgeQueues;
  /** Prometheus registry (GET /metrics) and the hook workers report phase outcomes to. */
  readonly metrics: { readonly registry: Registry; readonly telemetry: PhaseTelemetry };
  /**
   * The in-process caller (the demo, benchmarks, tests that call services directly): role admin, trust
   * FORGE_LOCAL_TRUST. Callers over HTTP are always authenticated users.
   */
  readonly localCaller: Caller;
  /** Starts the phase workers (and, once, the overlay maintenance workers) in this process. */
  startWorkers(phases?: readonly Phase[]): PipelineWorkers;
  /** Closes workers started here, queues, connections and the store. */
  close(): Promise<void>;
}

/**
 * The composition root. Requires `config.redisUrl` (the CLI starts a local redis-server and fills it in
 * when the user gave none).
 */
export async function createForge(config: ForgeConfig, overrides: ForgeOverrides = {}): Promise<Forge> {
  const { redisUrl } = config;
  if (!redisUrl) throw new TypeError('createForge: config.redisUrl is required (forge start provides a local Redis)');
  // A Forge that exists is connected: wait for Redis once, at start-up, with a clear error if it never answers.
  const fleet = await connectRedisFleetState({ url: redisUrl, cluster: config.redisCluster, prefix: config.queuePrefix, rateLimits: config.rateLimits }).catch((err: unknown) => {
    throw err instanceof FleetStateUnavailableError ? new RedisStartError(err.message, '') : err;
  });
  const tracing = startTracing(config.tracing);
  const queues = createQueues({ ...config, redisUrl }, tracing.telemetry);

  // The embedder first: a model sets the size of the vectors the store indexes.
  const embedder = overrides.embedder ?? (await openEmbedder(config));
  const store =
    overrides.store ??
    (config.graphStore.kind === 'neo4j'
      ? await Neo4jGraphStore.open({ ...config.graphStore, dimensions: embedder.dimensions })
      : await SqliteGraphStore.open({ file: config.graphStore.file }));
  const blobs = overrides.blobs ?? openBlobStore(config.blobs);
  const intelligence = overrides.intelligence ?? openIntelligence(config, embedder);
  const capsules = new CapsuleService({ store, embedder, cache: fleet.cache });
  const audit = new AuditCheckpoints({ store, checkpoints: fleet.auditCheckpoint, key: localSecret(config, config.audit.key, 'audit.key') });
  audit.start(config.audit.checkpointMs);
  const identity = new RequestIdentity({ store });
  const requests = new RequestService({
    config,
    store,
    flows: queues.flows,
    queues,
    events: fleet.events,
    recorded: (record) => identity.remember(record),
  });
  const events = new EventBus({ store, queue: queues.events, deadLetters: queues.deadLetters, backoffMs: config.phases.metrics.backoffMs, maxHops: config.events.maxHops });
  const outcomes = new RequestOutcomes({ store, counters: fleet.requests });

  let runtime: OverlayRuntime<InvocationContext> | undefined;
  const overlayRuntime = () =>
    (runtime ??= createOverlayRuntime({
      threads: config.overlayThreads,
      host: createHostHandlers({
        capsules,
        events,
        publishLimit: (overlay, perMinute) => fleet.rateLimits.consume('overlay-events', overlay, perMinute),
        eventsPerMinute: config.events.overlayPerMinute,
      }),
    }));
  // One gate on every path that raises something to or above the governance trust (activation, canaries, users).
  const gate = new GovernanceGate({ gateTrust: config.governance.gateTrust, store });
  const registry = new OverlayRegistry({ store, blobs, phases: config.phases, expiry: queues.overlayExpiry, changes: fleet.events, gate });
  const executor = new OverlayExecutor({ registry, fleet, settings: config.immune, runtime: overlayRuntime, capsules });
  events.addSource(overlaySubscribers({ registry, executor }));
  const users = new UserService({ store, gate });
  const governance = new Governance({
    store,
    users,
    registry,
    executor,
    capsules,
    intelligence,
    bus: events,
    queue: queues.governance,
    defaults: config.governance,
  });
  // The end of the spec's cascade: a governance action is written to the audit log with the path that led to it.
  events.subscribe('audit-log', ['governance_action'], async (event) => {
    await store.appendAudit({
      actor_id: event.visited.at(-1) ?? sourceKey(event.source),
      action: `event.${event.kind}`,
      entity_type: 'cascade',
      entity_id: event.cascade_id,
      details: { event_id: event.id, hop: event.hop, path: [...event.visited], payload: event.payload, correlation_id: event.correlation_id },
      dedupe_key: `event:${event.id}`,
    });
  });
  const probe = overrides.healthProbe ?? (config.health.probeUrl ? httpProbe(config.health.probeUrl) : undefined);
  const health = new OverlayHealth({
    registry,
    executor,
    fleet,
    quarantineHealthFailures: config.immune.quarantineHealthFailures,
    runtime: overlayRuntime,
    ...(probe ? { probe } : {}),
  });
  const canaries = new OverlayCanaries({ registry, routing: fleet.canaries, store, gate });

  const handlers: PhaseHandlers = {
    ...createPhaseHandlers({ config, store, capsules, embedder, intelligence, cache: fleet.cache, counters: fleet.requests, outcomes, flows: queues.flows, overlays: executor }),
    ...overrides.handlers,
  };
  const prometheus = createTelemetry();
  prometheus.attach({ phaseQueues: queues.partitions, deadLetters: queues.deadLetters, counters: fleet.requests, registry, executor });
  const started: PipelineWorkers[] = [];
  const maintenance: Worker[] = [];

  return {
    config,
    store,
    blobs,
    embedder,
    intelligence,
    fleet,
    capsules,
    events,
    eventLog: new EventQueries({ store, bus: events }),
    audit,
    auditLog: new AuditLogReader({ store }),
    requests,
    users,
    governance,
    gate,
    tokens: new TokenService({ store, sessions: fleet.sessions, settings: { ...config.tokens, secret: localSecret(config, config.tokens.secret, 'token.secret') } }),
    overlays: { registry, executor, health, canaries },
    dlq: new DeadLetterService({ config, store, deadLetters: queues.deadLetters, queues, flows: queues.flows, events }),
    queues,
    metrics: { registry: prometheus.registry, telemetry: prometheus.telemetry },
    localCaller: { id: 'local', roles: ['admin'], trust_level: config.localTrust },
    startWorkers(phases) {
      const workers = startPipelineWorkers({
        config,
        connection: queues.workerConnection,
        outcomes,
        identity,
        handlers,
        deadLetters: queues.deadLetters,
        telemetry: prometheus.telemetry,
        tracing: queues.tracing,
        ...(phases ? { phases } : {}),
      });
      started.push(workers);
      if (maintenance.length === 0) {
        maintenance.push(
          ...startMaintenanceWorkers({
            config,
            connection: queues.workerConnection,
            registry,
            health,
            canaries,
            healthChecks: queues.healthChecks,
            reembedding: new Reembedding({ store, embedder }),
            reembedQueue: queues.reembed,
            events,
            outbox: queues.outbox,
            store,
            governance,
            tracing: queues.tracing,
          }),
        );
      }
      return workers;
    },
    async close() {
      await Promise.all([...started.map((w) => w.close()), closeWorkers(maintenance, config.shutdownDrainMs)]);
      await runtime?.close();
      await registry.close();
      await queues.close();
      await audit.stop();
      await store.close();
      if (!overrides.blobs) blobs.close?.();
      await fleet.close();
      await tracing.shutdown();
    },
  };
}
