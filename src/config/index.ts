import path from 'node:path';
import { z } from 'zod';
import { ConfigError, type FieldIssue } from '../errors.js';
import { defaultModelDir } from '../search/onnx-embedder.js';

/** The queue prefix of partition `index`: `{forge}` for 0, then `{forge-1}`, `{forge-2}`, … */
export function partitionPrefix(prefix: string, index: number): string {
  return index === 0 ? prefix : `${prefix.slice(0, -1)}-${index}}`;
}

/** The seven phases of a request, in the order they finish. */
export const PHASES = ['context', 'analysis', 'security', 'optimization', 'intelligence', 'metrics', 'storage'] as const;
export type Phase = (typeof PHASES)[number];

/** Kernel-spec timeouts, in milliseconds. */
const DEFAULT_TIMEOUT_MS: Record<Phase, number> = {
  context: 3000,
  analysis: 10000,
  security: 5000,
  optimization: 5000,
  intelligence: 10000,
  metrics: 5000,
  storage: 3000,
};

const DEFAULT_CONCURRENCY: Record<Phase, number> = {
  context: 16,
  analysis: 16,
  security: 16,
  optimization: 16,
  intelligence: 16,
  metrics: 32,
  storage: 16,
};

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** A value for every phase, checked exhaustively by the compiler. */
export function byPhase<T>(of: (phase: Phase) => T): Record<Phase, T> {
  return {
    context: of('context'),
    analysis: of('analysis'),
    security: of('security'),
    optimization: of('optimization'),
    intelligence: of('intelligence'),
    metrics: of('metrics'),
    storage: of('storage'),
  };
}

/** The per-phase variables, `FORGE_<PHASE>_<FIELD>`, without their prefix. */
const PHASE_FIELDS = ['CONCURRENCY', 'TIMEOUT_MS', 'ATTEMPTS'] as const;
const phaseVar = (phase: string, field: string) => `FORGE_${phase.toUpperCase()}_${field}`;

const phaseEnv = (phase: Phase) =>
  z.object({
    /** Jobs of the phase one worker process runs at once. @defaultValue 16 (metrics 32) */
    CONCURRENCY: int(1, 1000).default(DEFAULT_CONCURRENCY[phase]),
    /** Per-attempt timeout. @defaultValue the kernel spec's (see DEFAULT_TIMEOUT_MS) */
    TIMEOUT_MS: int(10, 600_000).default(DEFAULT_TIMEOUT_MS[phase]),
    /** Attempts before the job is dead-lettered. @defaultValue FORGE_ATTEMPTS */
    ATTEMPTS: int(1, 50).optional(),
  });

/**
 * Every setting Forge reads, keyed by its environment variable so that an error names exactly what the
 * user wrote (the per-phase variables are gathered under `phases` before parsing, and named back in
 * errors). CLI flags are mapped onto these names first (see `FLAG_TO_ENV`).
 */
const EnvObject = z
  .object({
    /** Redis to use. Unset: `forge start` runs a private redis-server in the data dir. */
    REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
    /** @defaultValue `./forge-data` */
    FORGE_DATA_DIR: z.string().min(1).default('forge-data'),
    /** @defaultValue 8080; 0 picks a free port */
    PORT: int(0, 65535).default(8080),
    /** @defaultValue 127.0.0.1 */
    HOST: z.string().min(1).default('127.0.0.1'),
    /** Redis key prefix for every queue; a `{hash tag}` keeps a flow's keys in one Redis Cluster slot. */
    FORGE_QUEUE_PREFIX: z
      .string()
      .regex(/^\{[A-Za-z0-9_-]+\}$/, 'must be a Redis Cluster hash tag such as {forge}')
      .default('{forge}'),
    /** REDIS_URL is a seed node of a Redis Cluster (the other nodes are discovered). @defaultValue false */
    FORGE_REDIS_CLUSTER: z.enum(['true', 'false']).default('false'),
    /**
     * Queue partitions: requests spread over this many sets of queues, each its own hash tag (`{forge}`,
     * `{forge-1}`, …) so a Redis Cluster places them on different masters; a request's flow stays in one.
     * Every worker consumes every partition. @defaultValue 1
     */
    FORGE_QUEUE_PARTITIONS: int(1, 64).default(1),
    /** Attempts for every phase unless FORGE_<PHASE>_ATTEMPTS says otherwise. @defaultValue 3 */
    FORGE_ATTEMPTS: int(1, 50).default(3),
    /** First retry delay; doubles on each retry. @defaultValue 200 */
    FORGE_BACKOFF_MS: int(0, 600_000).default(200),
    /** Largest JSON body the ingress accepts. @defaultValue 1mb */
    FORGE_BODY_LIMIT: z
      .string()
      .regex(/^\d+(b|kb|mb)$/, 'use a size such as 512kb or 1mb')
      .default('1mb'),
    /** How long an optimization-phase cached answer lives. @defaultValue 300 */
    FORGE_CACHE_TTL_S: int(0, 86_400).default(300),
    /** Trust level of the default local caller (STANDARD). @defaultValue 60 */
    FORGE_LOCAL_TRUST: int(0, 100).default(60),
    /** Dimensions of the built-in feature-hashing embedder. @defaultValue 256 */
    FORGE_EMBEDDING_DIM: int(16, 4096).default(256),
    /** Threads of the overlay pool in each worker process. @defaultValue 2 */
    FORGE_OVERLAY_THREADS: int(1, 64).default(2),
    /** Share of the eligible voting weight a proposal needs to take part before it can pass. @defaultValue 0.5 */
    FORGE_GOVERNANCE_QUORUM: z.coerce.number().min(0.01).max(1).default(0.5),
    /** A proposal passes with more than this share of the weight for and against. @defaultValue 0.5 */
    FORGE_GOVERNANCE_PASS_THRESHOLD: z.coerce.number().min(0.5).max(0.99).default(0.5),
    /**
     * Activating an overlay, or granting a user a trust, at or above this needs a passed proposal (an admin
     * may act alone only in a declared, audited emergency); 101 turns the gate off. @defaultValue 80
     */
    FORGE_GOVERNANCE_GATE_TRUST: int(1, 101).default(80),
    /** How long a proposal is open for voting unless it says otherwise. @defaultValue 7 */
    FORGE_GOVERNANCE_VOTING_DAYS: int(1, 90).default(7),
    /** How often a live event stream's credential is checked again (a revoked key or disabled user ends it). @defaultValue 30000 */
    FORGE_STREAM_RECHECK_MS: int(100, 3_600_000).default(30_000),
    /** Deliveries one event cascade may make before the next is stopped (and recorded). @defaultValue 5 */
    FORGE_CASCADE_MAX_HOPS: int(1, 50).default(5),
    /** How often committed changes (capsules, overlays, trust) are announced as system events; 0 turns it off. @defaultValue 1000 */
    FORGE_OUTBOX_INTERVAL_MS: int(0, 3_600_000).default(1000),
    /** Events one overlay may publish per minute, fleet-wide (its event:publish grant may set fewer). @defaultValue 600 */
    FORGE_OVERLAY_EVENTS_PER_MINUTE: int(1, 1_000_000).default(600),
    /** Largest overlay module accepted at registration, in bytes. @defaultValue 16 MiB */
    FORGE_OVERLAY_MAX_WASM_BYTES: int(1024, 256 * 1024 * 1024).default(16 * 1024 * 1024),
    /**
     * How long a worker's lock on a job lasts; it is renewed while the job runs, so a job whose worker died
     * is taken over by another once it lapses. @defaultValue 30000
     */
    FORGE_LOCK_DURATION_MS: int(500, 600_000).default(30_000),
    /** How often workers look for jobs whose lock lapsed (stalled). @defaultValue 30000 */
    FORGE_STALLED_INTERVAL_MS: int(200, 600_000).default(30_000),
    /** Times a job may stall before it fails (and is dead-lettered). @defaultValue 1 */
    FORGE_MAX_STALLED: int(0, 100).default(1),
    /** On shutdown, how long in-flight jobs may take to finish before connections are dropped. @defaultValue 10000 */
    FORGE_SHUTDOWN_DRAIN_MS: int(0, 600_000).default(10_000),
    /** Consecutive overlay failures that open its circuit breaker. @defaultValue 3 */
    FORGE_BREAKER_FAILURES: int(1, 1000).default(3),
    /** How long an open breaker stays open before trial calls. @defaultValue 30000 */
    FORGE_BREAKER_OPEN_MS: int(100, 86_400_000).default(30_000),
    /** Successful trial calls that close a half-open breaker. @defaultValue 2 */
    FORGE_BREAKER_SUCCESSES: int(1, 1000).default(2),
    /** Invocations before the failure rate can quarantine an overlay. @defaultValue 10 */
    FORGE_QUARANTINE_MIN_CALLS: int(1, 1_000_000).default(10),
    /** Failure rate (0-1) above which an overlay is quarantined. @defaultValue 0.5 */
    FORGE_QUARANTINE_FAILURE_RATE: z.coerce.number().min(0).max(1).default(0.5),
    /** Consecutive failed health checks that quarantine an overlay. @defaultValue 3 */
    FORGE_QUARANTINE_HEALTH_FAILURES: int(1, 1000).default(3),
    /** How often every active overlay's health is checked (L1-L4); 0 turns the schedule off. @defaultValue 60000 */
    FORGE_HEALTH_INTERVAL_MS: int(0, 86_400_000).default(60_000),
    /** Level-4 health probe: POSTed {overlay} as JSON; a 2xx answer within 2 s passes. */
    FORGE_HEALTH_PROBE_URL: z.url({ protocol: /^https?$/ }).optional(),
    /**
     * Host names the ingress answers to, comma-separated (`*`: any). Anything else is refused with 421, so a
     * DNS-rebinding page cannot reach a local Forge. @defaultValue localhost, 127.0.0.1, ::1 and HOST
     */
    FORGE_ALLOWED_HOSTS: z
      .string()
      .regex(/^(\*|[A-Za-z0-9.:[\]-]+(\s*,\s*[A-Za-z0-9.:[\]-]+)*)$/, 'a comma-separated list of host names, or *')
      .optional(),
    /** Sign-in attempts one client address may make per minute (fleet-wide). @defaultValue 20 */
    FORGE_LOGIN_ATTEMPTS_PER_MINUTE: int(1, 100_000).default(20),
    /** Failed sign-ins one user name or key may have per 15 minutes before it must wait. @defaultValue 10 */
    FORGE_LOGIN_FAILURES_PER_CREDENTIAL: int(1, 100_000).default(10),
    /**
     * The key access tokens are signed with (HS256), shared by every ingress of a fleet (≥ 32 characters).
     * @defaultValue a random key kept in `<data-dir>/token.secret` (one machine)
     */
    FORGE_TOKEN_SECRET: z.string().min(32, 'use at least 32 random characters').optional(),
    /**
     * The key audit checkpoints are signed with (HMAC-SHA256, ≥ 32 characters); keep it away from the
     * graph store's host. @defaultValue a random key kept in `<data-dir>/audit.key` (one machine)
     */
    FORGE_AUDIT_KEY: z.string().min(32, 'use at least 32 random characters').optional(),
    /** How often the audit chain's head is checkpointed in Redis (while entries are added). @defaultValue 1000 */
    FORGE_AUDIT_CHECKPOINT_MS: int(100, 3_600_000).default(1000),
    /** Lifetime of an access token from `POST /v2/auth/login`. @defaultValue 900 */
    FORGE_ACCESS_TOKEN_TTL_S: int(30, 86_400).default(900),
    /** Lifetime of a refresh token (each refresh makes a new one). @defaultValue 1209600 (14 days) */
    FORGE_REFRESH_TOKEN_TTL_S: int(60, 365 * 86_400).default(14 * 86_400),
    /** Whether anyone may make themselves a user (`POST /v2/auth/register`: a reader at trust 40). @defaultValue off */
    FORGE_SELF_REGISTRATION: z.enum(['on', 'off']).default('off'),
    /** An external OpenID Connect issuer whose tokens Forge accepts (its `iss`); with AUDIENCE and JWKS_URL. */
    FORGE_OIDC_ISSUER: z.string().min(1).optional(),
    /** The audience (`aud`) its tokens must name for Forge. */
    FORGE_OIDC_AUDIENCE: z.string().min(1).optional(),
    /** Where the issuer publishes its signing keys. */
    FORGE_OIDC_JWKS_URL: z.url({ protocol: /^https?$/ }).optional(),
    /** The claim holding the Forge role (reader, contributor, operator, admin). @defaultValue forge_role */
    FORGE_OIDC_ROLE_CLAIM: z.string().min(1).default('forge_role'),
    /** The claim holding the trust level (0-100). @defaultValue forge_trust */
    FORGE_OIDC_TRUST_CLAIM: z.string().min(1).default('forge_trust'),
    /** Role and trust of a token without (valid) claims. @defaultValue reader, 40 */
    FORGE_OIDC_DEFAULT_ROLE: z.enum(['reader', 'contributor', 'operator', 'admin']).default('reader'),
    FORGE_OIDC_DEFAULT_TRUST: int(0, 100).default(40),
    /** The most trust an external token may carry, whatever its claim says. @defaultValue 60 */
    FORGE_OIDC_MAX_TRUST: int(0, 100).default(60),
    /** A bearer token Prometheus may scrape `/metrics` with, instead of an operator's API key (≥ 24 characters). */
    FORGE_METRICS_TOKEN: z.string().min(24, 'use at least 24 random characters').optional(),
    /** The redis-server binary `forge start` runs when REDIS_URL is unset. @defaultValue redis-server */
    FORGE_REDIS_SERVER: z.string().min(1).optional(),
    /** Where overlay modules and other blobs live: `filesystem` (`<data-dir>/blobs`) or `s3`. @defaultValue filesystem */
    FORGE_BLOB_STORE: z.enum(['filesystem', 's3']).default('filesystem'),
    /** The bucket, with FORGE_BLOB_STORE=s3. Credentials come from the standard AWS chain (AWS_ACCESS_KEY_ID…, a profile, a role). */
    FORGE_S3_BUCKET: z.string().min(3).max(63).optional(),
    /** A key prefix inside the bucket, so one bucket can serve several deployments. */
    FORGE_S3_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9._/-]*$/, 'letters, digits, . _ - and /')
      .optional(),
    /** An S3-compatible endpoint (MinIO, Ceph); AWS itself when unset. */
    FORGE_S3_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
    /** The bucket's region. @defaultValue AWS_REGION, else us-east-1 */
    FORGE_S3_REGION: z.string().min(1).optional(),
    AWS_REGION: z.string().min(1).optional(),
    /** Path-style addressing (`endpoint/bucket/key`), which MinIO and most S3-compatible servers need. @defaultValue false */
    FORGE_S3_PATH_STYLE: z.enum(['true', 'false']).default('false'),
    /** A Neo4j 5 server for the graph store (`neo4j://`, `neo4j+s://`, `bolt://`); unset: the embedded SQLite store. */
    NEO4J_URI: z.url({ protocol: /^(neo4j|bolt)(\+s|\+ssc)?$/ }).optional(),
    /** @defaultValue neo4j */
    NEO4J_USER: z.string().min(1).default('neo4j'),
    NEO4J_PASSWORD: z.string().min(1).optional(),
    /** @defaultValue the server's default database */
    NEO4J_DATABASE: z.string().min(1).optional(),
    /** `forge worker` serves /healthz and /metrics on this port, for orchestrators' probes; unset = none. */
    FORGE_PROBE_PORT: int(0, 65_535).optional(),
    /** Traces over OTLP/HTTP (the standard OpenTelemetry variables): set an endpoint to turn them on. */
    OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
    /** `key=value` pairs, comma-separated (e.g. an authorisation header for the collector). */
    OTEL_EXPORTER_OTLP_HEADERS: z.string().max(8192).optional(),
    /** @defaultValue forge */
    OTEL_SERVICE_NAME: z.string().min(1).max(200).default('forge'),
    OTEL_SDK_DISABLED: z.enum(['true', 'false']).optional(),
    /** `none` turns traces off even with an endpoint; only `otlp` exports. */
    OTEL_TRACES_EXPORTER: z.string().max(100).optional(),
    /**
     * What embeds capsules and queries: `hashing` (built in, no download), `local` (a sentence-embedding
     * model run in process with ONNX Runtime, from FORGE_EMBEDDER_MODEL; `hashing` when it is missing, said at
     * start-up) or `openai` (an OpenAI-compatible endpoint). @defaultValue hashing
     */
    FORGE_EMBEDDER: z.enum(['hashing', 'local', 'openai']).default('local'),
    /** The model directory of FORGE_EMBEDDER=local (model.onnx and tokenizer.json). @defaultValue models/e5-small-v2-int8 of the installation (npm run setup:model) */
    FORGE_EMBEDDER_MODEL: z.string().min(1).max(4096).optional(),
    /** With FORGE_EMBEDDER=local: the cosine below which a capsule does not answer a question (0 turns it off). @defaultValue the model's own (MODEL.json; 0.8 for e5-small-v2) */
    FORGE_RELEVANCE_FLOOR: z.coerce.number().min(0).max(1).optional(),
    /** What writes answers: `extractive` (built in: sentences of the capsules) or `openai` (a chat model, citations checked). @defaultValue extractive */
    FORGE_INTELLIGENCE: z.enum(['extractive', 'openai']).default('extractive'),
    /** The OpenAI-compatible API root, e.g. https://api.openai.com/v1 or http://127.0.0.1:11434/v1 (Ollama). */
    FORGE_OPENAI_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
    /** Sent as a bearer token; local servers often need none. */
    FORGE_OPENAI_API_KEY: z.string().min(1).optional(),
    /** The embedding model, with FORGE_EMBEDDER=openai; FORGE_EMBEDDING_DIM must be its vector size. */
    FORGE_OPENAI_EMBEDDING_MODEL: z.string().min(1).optional(),
    /** The chat model, with FORGE_INTELLIGENCE=openai. */
    FORGE_OPENAI_CHAT_MODEL: z.string().min(1).optional(),
    /** Per attempt; keep attempts × timeout under the intelligence phase's timeout. @defaultValue 8000 */
    FORGE_OPENAI_TIMEOUT_MS: int(100, 600_000).default(8000),
    /** Attempts per call, with exponential backoff, on 408/409/429/5xx and network errors. @defaultValue 3 */
    FORGE_OPENAI_MAX_ATTEMPTS: int(1, 10).default(3),
    /** Texts per embeddings call. @defaultValue 64 */
    FORGE_OPENAI_EMBEDDING_BATCH: int(1, 2048).default(64),
    /** Ask the model for FORGE_EMBEDDING_DIM dimensions (models that can shorten their vectors). @defaultValue false */
    FORGE_OPENAI_REQUEST_DIMENSIONS: z.enum(['true', 'false']).default('false'),
    phases: z.object(byPhase(phaseEnv)),
  })
  .loose();

const S3_VARS = ['FORGE_S3_BUCKET', 'FORGE_S3_PREFIX', 'FORGE_S3_ENDPOINT', 'FORGE_S3_REGION'] as const;

const ConfigSchema = EnvObject.superRefine((e, ctx) => {
  // Options that would silently fight are refused, naming both.
  const oidc = { FORGE_OIDC_ISSUER: e.FORGE_OIDC_ISSUER, FORGE_OIDC_AUDIENCE: e.FORGE_OIDC_AUDIENCE, FORGE_OIDC_JWKS_URL: e.FORGE_OIDC_JWKS_URL };
  const given = Object.entries(oidc).filter(([, v]) => v !== undefined);
  if (given.length > 0 && given.length < 3) {
    for (const [key] of Object.entries(oidc).filter(([, v]) => v === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: `is needed with ${given.map(([k]) => k).join(' and ')}: an OpenID Connect issuer needs its issuer, audience and JWKS URL`,
      });
    }
  }
  if (e.FORGE_BLOB_STORE === 's3' && !e.FORGE_S3_BUCKET) {
    ctx.addIssue({ code: 'custom', path: ['FORGE_S3_BUCKET'], message: 'is needed with FORGE_BLOB_STORE=s3: name the bucket blobs go to' });
  }
  if (e.FORGE_BLOB_STORE !== 's3') {
    for (const key of S3_VARS.filter((k) => e[k] !== undefined)) {
      ctx.addIssue({ code: 'custom', path: [key], message: 'is only used with FORGE_BLOB_STORE=s3; set that too, or unset this' });
    }
  }
  const openAi = [
    ['FORGE_EMBEDDER', e.FORGE_EMBEDDER === 'openai', 'FORGE_OPENAI_EMBEDDING_MODEL', e.FORGE_OPENAI_EMBEDDING_MODEL],
    ['FORGE_INTELLIGENCE', e.FORGE_INTELLIGENCE === 'openai', 'FORGE_OPENAI_CHAT_MODEL', e.FORGE_OPENAI_CHAT_MODEL],
  ] as const;
  for (const [selector, selected, modelVar, model] of openAi) {
    if (selected && !model) ctx.addIssue({ code: 'custom', path: [modelVar], message: `is needed with ${selector}=openai: name the model` });
    if (!selected && model) ctx.addIssue({ code: 'custom', path: [modelVar], message: `is only used with ${selector}=openai; set that too, or unset this` });
  }
  const usesOpenAi = openAi.filter(([, selected]) => selected).map(([selector]) => `${selector}=openai`);
  if (usesOpenAi.length && !e.FORGE_OPENAI_BASE_URL) ctx.addIssue({ code: 'custom', path: ['FORGE_OPENAI_BASE_URL'], message: `is needed with ${usesOpenAi.join(' and ')}` });
  if (e.NEO4J_URI && !e.NEO4J_PASSWORD) ctx.addIssue({ code: 'custom', path: ['NEO4J_PASSWORD'], message: 'is needed with NEO4J_URI' });
  if (!e.NEO4J_URI) {
    for (const key of (['NEO4J_PASSWORD', 'NEO4J_DATABASE'] as const).filter((k) => e[k] !== undefined)) {
      ctx.addIssue({ code: 'custom', path: [key], message: 'is only used with NEO4J_URI; set that too, or unset this' });
    }
  }
  if (e.REDIS_URL && e.FORGE_REDIS_SERVER) {
    ctx.addIssue({
      code: 'custom',
      path: ['FORGE_REDIS_SERVER'],
      message: 'is only used when REDIS_URL is unset (Forge then runs its own redis-server); REDIS_URL is set, so unset one of the two',
    });
  }
}).transform((e) => ({
  redisUrl: e.REDIS_URL,
  redisServerBinary: e.FORGE_REDIS_SERVER ?? 'redis-server',
  dataDir: path.resolve(e.FORGE_DATA_DIR),
  graphStore:
    e.NEO4J_URI && e.NEO4J_PASSWORD
      ? { kind: 'neo4j' as const, uri: e.NEO4J_URI, user: e.NEO4J_USER, password: e.NEO4J_PASSWORD, ...(e.NEO4J_DATABASE ? { database: e.NEO4J_DATABASE } : {}) }
      : { kind: 'sqlite' as const, file: path.join(path.resolve(e.FORGE_DATA_DIR), 'forge.db') },
  blobs:
    e.FORGE_BLOB_STORE === 's3' && e.FORGE_S3_BUCKET
      ? {
          kind: 's3' as const,
          bucket: e.FORGE_S3_BUCKET,
          prefix: e.FORGE_S3_PREFIX ?? '',
          ...(e.FORGE_S3_ENDPOINT ? { endpoint: e.FORGE_S3_ENDPOINT } : {}),
          region: e.FORGE_S3_REGION ?? e.AWS_REGION ?? 'us-east-1',
          forcePathStyle: e.FORGE_S3_PATH_STYLE === 'true',
        }
      : { kind: 'filesystem' as const, root: path.join(path.resolve(e.FORGE_DATA_DIR), 'blobs') },
  tracing: {
    endpoint:
      e.OTEL_SDK_DISABLED === 'true' || (e.OTEL_TRACES_EXPORTER !== undefined && !e.OTEL_TRACES_EXPORTER.split(',').includes('otlp'))
        ? null
        : (e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (e.OTEL_EXPORTER_OTLP_ENDPOINT ? `${e.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces` : null)),
    headers: Object.fromEntries(
      (e.OTEL_EXPORTER_OTLP_HEADERS ?? '')
        .split(',')
        .map((pair) => pair.split('=').map((x) => decodeURIComponent(x.trim())))
        .filter((kv): kv is [string, string] => kv.length === 2 && kv[0] !== ''),
    ),
    serviceName: e.OTEL_SERVICE_NAME,
  },
  http: { host: e.HOST, port: e.PORT, bodyLimit: e.FORGE_BODY_LIMIT, probePort: e.FORGE_PROBE_PORT, streamRecheckMs: e.FORGE_STREAM_RECHECK_MS },
  queuePrefix: e.FORGE_QUEUE_PREFIX,
  queuePartitions: Array.from({ length: e.FORGE_QUEUE_PARTITIONS }, (_, i) => partitionPrefix(e.FORGE_QUEUE_PREFIX, i)),
  redisCluster: e.FORGE_REDIS_CLUSTER === 'true',
  phases: byPhase((phase) => {
    const p = e.phases[phase];
    return { concurrency: p.CONCURRENCY, timeoutMs: p.TIMEOUT_MS, attempts: p.ATTEMPTS ?? e.FORGE_ATTEMPTS, backoffMs: e.FORGE_BACKOFF_MS };
  }),
  cacheTtlSeconds: e.FORGE_CACHE_TTL_S,
  localTrust: e.FORGE_LOCAL_TRUST,
  embeddingDim: e.FORGE_EMBEDDING_DIM,
  providers: {
    embedder: e.FORGE_EMBEDDER,
    embedderModel: e.FORGE_EMBEDDER_MODEL ?? defaultModelDir(),
    relevanceFloor: e.FORGE_RELEVANCE_FLOOR,
    intelligence: e.FORGE_INTELLIGENCE,
    openai: {
      baseUrl: e.FORGE_OPENAI_BASE_URL ?? '',
      apiKey: e.FORGE_OPENAI_API_KEY,
      embeddingModel: e.FORGE_OPENAI_EMBEDDING_MODEL ?? '',
      chatModel: e.FORGE_OPENAI_CHAT_MODEL ?? '',
      timeoutMs: e.FORGE_OPENAI_TIMEOUT_MS,
      maxAttempts: e.FORGE_OPENAI_MAX_ATTEMPTS,
      embeddingBatch: e.FORGE_OPENAI_EMBEDDING_BATCH,
      requestDimensions: e.FORGE_OPENAI_REQUEST_DIMENSIONS === 'true',
    },
  },
  shutdownDrainMs: e.FORGE_SHUTDOWN_DRAIN_MS,
  locks: { durationMs: e.FORGE_LOCK_DURATION_MS, stalledIntervalMs: e.FORGE_STALLED_INTERVAL_MS, maxStalled: e.FORGE_MAX_STALLED },
  health: { intervalMs: e.FORGE_HEALTH_INTERVAL_MS, probeUrl: e.FORGE_HEALTH_PROBE_URL },
  metricsToken: e.FORGE_METRICS_TOKEN,
  oidc:
    e.FORGE_OIDC_ISSUER && e.FORGE_OIDC_AUDIENCE && e.FORGE_OIDC_JWKS_URL
      ? {
          issuer: e.FORGE_OIDC_ISSUER,
          audience: e.FORGE_OIDC_AUDIENCE,
          jwksUrl: e.FORGE_OIDC_JWKS_URL,
          roleClaim: e.FORGE_OIDC_ROLE_CLAIM,
          trustClaim: e.FORGE_OIDC_TRUST_CLAIM,
          defaultRole: e.FORGE_OIDC_DEFAULT_ROLE,
          defaultTrust: e.FORGE_OIDC_DEFAULT_TRUST,
          maxTrust: e.FORGE_OIDC_MAX_TRUST,
        }
      : null,
  selfRegistration: e.FORGE_SELF_REGISTRATION === 'on',
  audit: { key: e.FORGE_AUDIT_KEY, checkpointMs: e.FORGE_AUDIT_CHECKPOINT_MS },
  tokens: { secret: e.FORGE_TOKEN_SECRET, accessTtlSeconds: e.FORGE_ACCESS_TOKEN_TTL_S, refreshTtlSeconds: e.FORGE_REFRESH_TOKEN_TTL_S },
  rateLimits: { loginPerAddressPerMinute: e.FORGE_LOGIN_ATTEMPTS_PER_MINUTE, loginFailuresPerCredential: e.FORGE_LOGIN_FAILURES_PER_CREDENTIAL },
  allowedHosts:
    e.FORGE_ALLOWED_HOSTS === '*'
      ? null
      : [
          ...new Set(
            ['localhost', '127.0.0.1', '::1', e.HOST, ...(e.FORGE_ALLOWED_HOSTS ?? '').split(',')]
              .map((h) =>
                h
                  .trim()
                  .toLowerCase()
                  .replace(/^\[|\]$/g, ''),
              )
              .filter(Boolean),
          ),
        ],
  overlayThreads: e.FORGE_OVERLAY_THREADS,
  governance: {
    quorum: e.FORGE_GOVERNANCE_QUORUM,
    passThreshold: e.FORGE_GOVERNANCE_PASS_THRESHOLD,
    votingDays: e.FORGE_GOVERNANCE_VOTING_DAYS,
    gateTrust: e.FORGE_GOVERNANCE_GATE_TRUST,
  },
  events: { maxHops: e.FORGE_CASCADE_MAX_HOPS, overlayPerMinute: e.FORGE_OVERLAY_EVENTS_PER_MINUTE, outboxIntervalMs: e.FORGE_OUTBOX_INTERVAL_MS },
  overlayMaxWasmBytes: e.FORGE_OVERLAY_MAX_WASM_BYTES,
  immune: {
    breakerFailures: e.FORGE_BREAKER_FAILURES,
    breakerOpenMs: e.FORGE_BREAKER_OPEN_MS,
    breakerSuccesses: e.FORGE_BREAKER_SUCCESSES,
    quarantineMinCalls: e.FORGE_QUARANTINE_MIN_CALLS,
    quarantineFailureRate: e.FORGE_QUARANTINE_FAILURE_RATE,
    quarantineHealthFailures: e.FORGE_QUARANTINE_HEALTH_FAILURES,
  },
}));

/** Configuration with every default applied, as `loadConfig` returns it. */
export type ForgeConfig = z.output<typeof ConfigSchema>;
export type PhaseSettings = ForgeConfig['phases'][Phase];

/** CLI flags and the environment variables they override. */
export const FLAG_TO_ENV = {
  port: 'PORT',
  host: 'HOST',
  'data-dir': 'FORGE_DATA_DIR',
  'redis-url': 'REDIS_URL',
  prefix: 'FORGE_QUEUE_PREFIX',
} as const;
export type ConfigFlag = keyof typeof FLAG_TO_ENV;

/**
 * Parses the environment (and flags, which win) into a `ForgeConfig`.
 * @throws ConfigError naming every field that is wrong.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env, flags: Partial<Record<ConfigFlag, string | number | undefined>> = {}): ForgeConfig {
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const flagOf: Record<string, string> = {};
  for (const [flag, value] of Object.entries(flags)) {
    if (value === undefined) continue;
    const key = FLAG_TO_ENV[flag as ConfigFlag];
    raw[key] = value;
    flagOf[key] = `--${flag}`;
  }
  // Gather FORGE_<PHASE>_<FIELD> under `phases`, so the schema types them per phase.
  const phases: Record<string, Record<string, unknown>> = {};
  for (const phase of PHASES) {
    phases[phase] = {};
    for (const field of PHASE_FIELDS) {
      const key = phaseVar(phase, field);
      if (key in raw) phases[phase][field] = raw[key];
      delete raw[key];
    }
  }
  raw.phases = phases;
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issues: FieldIssue[] = parsed.error.issues.map((issue) => {
      const [first, phase, field] = issue.path.map(String);
      const key = first === 'phases' && phase && field ? phaseVar(phase, field) : (first ?? '(config)');
      return { field: flagOf[key] ? `${flagOf[key]} (${key})` : key, message: issue.message };
    });
    throw new ConfigError(issues);
  }
  return parsed.data;
}

/** Every environment variable Forge reads, for `forge help`. */
export function configKeys(): string[] {
  const base = Object.keys(EnvObject.shape).filter((k) => k !== 'phases');
  return [...base, ...PHASES.flatMap((phase) => PHASE_FIELDS.map((field) => phaseVar(phase, field)))];
}
