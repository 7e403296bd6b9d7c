/**
 * The Redis adapter of the fleet-state port. It owns every key Forge keeps outside BullMQ's queues and
 * every Lua script that changes them; nothing else in Forge names a key. All keys share the queue prefix's
 * hash tag, so a request's queue keys and these live in one Redis Cluster slot and a script may touch
 * them together.
 *
 * This module must not be exported from the package entry: its key layout may change between versions.
 */
import type { Admission } from '../governance/gate.js';
import { createHash, randomBytes } from 'node:crypto';
import { connectRedis, type RedisConnection } from '../redis/connect.js';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { redactUrl } from '../util/redact.js';
import type {
  AuditCheckpoint,
  BrowserSession,
  BreakerSettings,
  BreakerState,
  CachedAnswer,
  CanaryRecord,
  CanaryRoute,
  CanarySettings,
  FleetEvent,
  FleetEventType,
  FleetState,
  HealthReports,
  RateBucket,
  RateLimitSettings,
  InvocationCounters,
  OverlayEventEntry,
  PhaseTotals,
  SideCounters,
} from './fleet-state.js';
import { PROPOSAL_ANALYSIS_LIMIT } from './fleet-state.js';

/** Every key of the fleet state, built from the prefix in one place. */
function keysOf(prefix: string) {
  return {
    /** Pub/sub channel of `FleetEvent`s. */
    events: `${prefix}:events`,
    /** Incremented on every capsule change; part of every cache key, so a change invalidates the cache. */
    knowledgeGeneration: `${prefix}:knowledge-generation`,
    /** `<cachePrefix><generation>:<digest>` */
    cachePrefix: `${prefix}:cache:`,
    requestMetrics: `${prefix}:metrics:requests`,
    phaseMetrics: (phase: string) => `${prefix}:metrics:phase:${phase}`,
    overlayEvents: `${prefix}:overlay-events`,
    overlay: (id: string) => {
      const base = `${prefix}:overlay:${id}`;
      return { metrics: `${base}:metrics`, durations: `${base}:durations`, breaker: `${base}:breaker`, health: `${base}:health-failures`, report: `${base}:health-report` };
    },
    canary: (stableId: string) => `${prefix}:canary:${stableId}`,
    canaryStats: (stableId: string) => `${prefix}:canary:${stableId}:stats`,
    canaries: `${prefix}:canaries`,
    /** The audit chain's signed head (JSON), moved forward only. */
    auditCheckpoint: `${prefix}:audit:checkpoint`,
    /** Keyed by the session id's sha256: the store never holds a usable cookie. */
    sessionRef: (ref: string) => `${prefix}:session:${ref}`,
  };
}

// ---- scripts ------------------------------------------------------------------------------------------

/**
 * Cache lookup.
 * KEYS[1] knowledge-generation counter. ARGV[1] cache key prefix, ARGV[2] digest.
 * Returns { full cache key, cached JSON or false }.
 */
const CACHE_LOOKUP = `
local generation = redis.call('GET', KEYS[1]) or '0'
local key = ARGV[1] .. generation .. ':' .. ARGV[2]
return { key, redis.call('GET', key) }
`;

/**
 * Announces a finished request; fills the answer cache and counts the outcome when asked.
 * KEYS[1] events channel, KEYS[2] cache key ('' allowed when ARGV[2] is ''), KEYS[3] request counters.
 * ARGV[1] event JSON, ARGV[2] cached answer JSON ('' = no fill), ARGV[3] TTL in seconds,
 * ARGV[4] status field to increment ('' = none).
 * Returns the number of subscribers that got the event.
 */
const REQUEST_FINISHED = `
if ARGV[2] ~= '' then redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3]) end
if ARGV[4] ~= '' then redis.call('HINCRBY', KEYS[3], ARGV[4], 1) end
return redis.call('PUBLISH', KEYS[1], ARGV[1])
`;

/**
 * Records one request's metrics.
 * KEYS[1] request counters; KEYS[2..n] per-phase counters. ARGV[1] status field, ARGV[2] total ms,
 * ARGV[3..] each phase's duration, in KEYS order.
 * Returns the number of phases recorded.
 */
const RECORD_METRICS = `
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
redis.call('HINCRBYFLOAT', KEYS[1], 'total_ms', ARGV[2])
for i = 2, #KEYS do
  redis.call('HINCRBY', KEYS[i], 'count', 1)
  redis.call('HINCRBYFLOAT', KEYS[i], 'total_ms', ARGV[i + 1])
end
return #KEYS - 1
`;

/**
 * Admits an overlay call. KEYS[1] breaker hash, KEYS[2] metrics hash. ARGV[1] open duration ms,
 * ARGV[2] minimum calls, ARGV[3] failure rate.
 * Returns { state the call sees, 1 if the quarantine threshold is crossed }. 'open' means skip it: an open
 * breaker whose time is up turns half-open. A skipped call counts as a failure toward quarantine (the
 * overlay could not serve it), so a persistently broken overlay is quarantined even while its breaker
 * keeps it from running.
 */
const BREAKER_ADMIT = `
local state = redis.call('HGET', KEYS[1], 'state') or 'closed'
if state == 'open' then
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  if now - tonumber(redis.call('HGET', KEYS[1], 'opened_at') or '0') >= tonumber(ARGV[1]) then
    redis.call('HSET', KEYS[1], 'state', 'half_open', 'successes', 0)
    return { 'half_open', 0 }
  end
  local skipped = redis.call('HINCRBY', KEYS[2], 'skipped', 1)
  local calls = tonumber(redis.call('HGET', KEYS[2], 'invocations') or '0') + skipped
  local failed = tonumber(redis.call('HGET', KEYS[2], 'failures') or '0') + skipped
  if calls >= tonumber(ARGV[2]) and failed / calls > tonumber(ARGV[3]) then return { 'open', 1 } end
  return { 'open', 0 }
end
return { state, 0 }
`;

/**
 * Records one overlay invocation: counters and breaker transition in one atomic step.
 * KEYS[1] metrics hash, KEYS[2] recent durations list, KEYS[3] breaker hash.
 * ARGV[1] '1' if failed, ARGV[2] ms, ARGV[3] fuel, ARGV[4] error text, ARGV[5] failures to open,
 * ARGV[6] successes to close, ARGV[7] minimum calls, ARGV[8] failure rate.
 * Returns { breaker state, invocations, failures, 1 if the quarantine threshold is crossed }.
 */
const BREAKER_RECORD = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local failed = ARGV[1] == '1'
local invocations = redis.call('HINCRBY', KEYS[1], 'invocations', 1)
local failures = tonumber(redis.call('HGET', KEYS[1], 'failures') or '0')
if failed then
  failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
  redis.call('HSET', KEYS[1], 'last_error', ARGV[4])
end
redis.call('HINCRBYFLOAT', KEYS[1], 'total_ms', ARGV[2])
redis.call('HINCRBY', KEYS[1], 'fuel', ARGV[3])
redis.call('LPUSH', KEYS[2], ARGV[2])
redis.call('LTRIM', KEYS[2], 0, 999)
local state = redis.call('HGET', KEYS[3], 'state') or 'closed'
if failed then
  if state == 'half_open' then
    state = 'open'
    redis.call('HSET', KEYS[3], 'state', 'open', 'opened_at', now, 'successes', 0)
  elseif state == 'closed' then
    if redis.call('HINCRBY', KEYS[3], 'failures', 1) >= tonumber(ARGV[5]) then
      state = 'open'
      redis.call('HSET', KEYS[3], 'state', 'open', 'opened_at', now, 'successes', 0)
    end
  end
else
  if state == 'half_open' then
    if redis.call('HINCRBY', KEYS[3], 'successes', 1) >= tonumber(ARGV[6]) then
      state = 'closed'
      redis.call('HSET', KEYS[3], 'state', 'closed', 'failures', 0, 'successes', 0)
    end
  elseif state == 'closed' then
    redis.call('HSET', KEYS[3], 'failures', 0)
  end
end
local skipped = tonumber(redis.call('HGET', KEYS[1], 'skipped') or '0')
local quarantine = 0
if invocations + skipped >= tonumber(ARGV[7]) and (failures + skipped) / (invocations + skipped) > tonumber(ARGV[8]) then quarantine = 1 end
return { state, invocations, failures, quarantine }
`;

/**
 * Routes one call of a stable overlay. KEYS[1] canary hash.
 * Returns '' when no canary runs, '-' when this call stays on the stable version, or the candidate id.
 * Deterministic share: call n goes to the candidate when floor(n × share) steps up.
 */
/** Ends a running canary, once: whoever takes it out of the running set records the end; 0 when it had ended. */
const CANARY_END = `
if redis.call('SREM', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[2], 'status', ARGV[2], 'reason', ARGV[3], 'ended_at', ARGV[4])
return 1
`;

const CANARY_ROUTE = `
if redis.call('HGET', KEYS[1], 'status') ~= 'running' then return '' end
local share = tonumber(redis.call('HGET', KEYS[1], 'traffic_percentage'))
local n = redis.call('HINCRBY', KEYS[1], 'routed', 1)
if math.floor(n * share) > math.floor((n - 1) * share) then return redis.call('HGET', KEYS[1], 'candidate_id') end
return '-'
`;

type Script = (keys: readonly string[], args: ReadonlyArray<string | number>) => Promise<unknown>;

/**
 * Moves the audit checkpoint forward.
 * KEYS[1] the checkpoint (JSON string)
 * ARGV[1] the new checkpoint's seq, ARGV[2] the new checkpoint (JSON)
 * Returns 1 when stored, 0 when the stored one is at or past that seq.
 */
const AUDIT_ADVANCE = `
local current = redis.call('GET', KEYS[1])
if current then
  local seq = tonumber(cjson.decode(current).seq)
  if seq >= tonumber(ARGV[1]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[2])
return 1
`;

/** A script called by SHA (EVALSHA), sent again after a Redis restart forgot it (NOSCRIPT). */
function defineScript(redis: RedisConnection, lua: string): Script {
  const sha = createHash('sha1').update(lua).digest('hex');
  return async (keys, args) => {
    try {
      return await redis.evalsha(sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return redis.eval(lua, keys.length, ...keys, ...args);
    }
  };
}

function numbers(h: Record<string, string>, field: string): number {
  return Number(h[field] ?? 0);
}

export interface RedisFleetStateOptions {
  readonly url: string;
  /** The queue prefix (a `{hash tag}`): every key starts with it. */
  readonly prefix: string;
  /** How long `connect` waits for Redis to answer. @defaultValue 10000 */
  readonly connectTimeoutMs?: number;
  readonly rateLimits: RateLimitSettings;
  /** `url` is a seed node of a Redis Cluster. @defaultValue false */
  readonly cluster?: boolean;
}

/** Redis did not answer at start-up. */
export class FleetStateUnavailableError extends Error {
  readonly url: string;
  readonly waitedMs: number;
  constructor(url: string, waitedMs: number) {
    super(`Redis at ${redactUrl(url)} did not answer within ${Math.round(waitedMs / 1000)} s`);
    this.name = 'FleetStateUnavailableError';
    this.url = redactUrl(url);
    this.waitedMs = waitedMs;
  }
}

/** Connects to Redis (waiting for it once, at start-up) and returns the fleet state kept there. */
export async function connectRedisFleetState(options: RedisFleetStateOptions): Promise<FleetState> {
  // Commands issued in the same turn of the event loop leave in one write (many requests run at once, and
  // each socket write is a system call); nothing on this connection blocks, so none waits behind another.
  const redis = connectRedis(options.url, options.cluster ?? false, { maxRetriesPerRequest: 3, enableAutoPipelining: true });
  const subscriber = connectRedis(options.url, options.cluster ?? false, { maxRetriesPerRequest: null, lazyConnect: true });
  for (const c of [redis, subscriber]) c.on('error', () => undefined); // ioredis reconnects; callers see command errors
  const waitMs = options.connectTimeoutMs ?? 10_000;
  await new Promise<void>((resolve, reject) => {
    if (redis.status === 'ready') return resolve();
    const timer = setTimeout(() => {
      redis.disconnect();
      reject(new FleetStateUnavailableError(options.url, waitMs));
    }, waitMs);
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  return createRedisFleetState(redis, subscriber, options.prefix, options.rateLimits);
}

function createRedisFleetState(redis: RedisConnection, subscriber: RedisConnection, prefix: string, limits: RateLimitSettings): FleetState {
  const k = keysOf(prefix);
  const cacheLookup = defineScript(redis, CACHE_LOOKUP);
  const requestFinished = defineScript(redis, REQUEST_FINISHED);
  const recordMetrics = defineScript(redis, RECORD_METRICS);
  const admit = defineScript(redis, BREAKER_ADMIT);
  const recordCall = defineScript(redis, BREAKER_RECORD);
  const route = defineScript(redis, CANARY_ROUTE);
  const endCanary = defineScript(redis, CANARY_END);
  const auditAdvance = defineScript(redis, AUDIT_ADVANCE);

  // One subscription to the channel per process, shared by every listener.
  const listeners = new Map<FleetEventType, Set<(event: FleetEvent) => void>>();
  let subscribed: Promise<unknown> | null = null;
  const ensureSubscribed = () =>
    (subscribed ??= (async () => {
      subscriber.on('message', (channel: string, message: string) => {
        if (channel !== k.events) return;
        let event: FleetEvent;
        try {
          event = JSON.parse(message) as FleetEvent;
        } catch {
          return;
        }
        for (const listener of listeners.get(event.type) ?? []) listener(event);
      });
      if (subscriber.status === 'wait') await subscriber.connect();
      await subscriber.subscribe(k.events);
    })());

  const side = (stats: Record<string, string>, name: string): SideCounters => ({
    calls: numbers(stats, `${name}_calls`),
    failures: numbers(stats, `${name}_failures`),
    total_ms: numbers(stats, `${name}_ms`),
  });

  return {
    auditCheckpoint: {
      async advance(checkpoint) {
        return (await auditAdvance([k.auditCheckpoint], [checkpoint.seq, JSON.stringify(checkpoint)])) === 1;
      },
      async read() {
        const raw = await redis.get(k.auditCheckpoint);
        return raw ? (JSON.parse(raw) as AuditCheckpoint) : null;
      },
    },
    cache: {
      async lookup(digest) {
        const [key, hit] = (await cacheLookup([k.knowledgeGeneration], [k.cachePrefix, digest])) as [string, string | null];
        return { key, hit: hit ? (JSON.parse(hit) as CachedAnswer) : null };
      },
      async invalidate() {
        await redis.incr(k.knowledgeGeneration);
      },
    },

    requests: {
      async finished(event, options = {}) {
        await requestFinished(
          [k.events, options.cache?.key ?? k.cachePrefix, k.requestMetrics],
          [JSON.stringify(event), options.cache ? JSON.stringify(options.cache.value) : '', options.cache?.ttlSeconds ?? 0, options.count ? `status:${event.status}` : ''],
        );
      },
      async record(figures) {
        const phases = Object.entries(figures.phase_ms);
        return (await recordMetrics(
          [k.requestMetrics, ...phases.map(([phase]) => k.phaseMetrics(phase))],
          [`status:${figures.status}`, figures.total_ms, ...phases.map(([, ms]) => ms)],
        )) as number;
      },
      async requestTotals() {
        const h = await redis.hgetall(k.requestMetrics);
        return Object.fromEntries(Object.entries(h).map(([field, value]) => [field, Number(value)]));
      },
      async phaseTotals(phases) {
        const tx = redis.multi();
        for (const phase of phases) tx.hgetall(k.phaseMetrics(phase));
        const replies = (await tx.exec()) ?? [];
        const out: Record<string, PhaseTotals> = {};
        phases.forEach((phase, i) => {
          const h = (replies[i]?.[1] ?? {}) as Record<string, string>;
          out[phase] = { count: numbers(h, 'count'), total_ms: numbers(h, 'total_ms') };
        });
        return out;
      },
    },

    breakers: {
      async admit(id, s: BreakerSettings) {
        const o = k.overlay(id);
        const [state, quarantine] = (await admit([o.breaker, o.metrics], [s.breakerOpenMs, s.quarantineMinCalls, s.quarantineFailureRate])) as [BreakerState, number];
        return { state, quarantine: quarantine === 1 };
      },
      async record(id, outcome, s) {
        const o = k.overlay(id);
        const [state, invocations, failures, quarantine] = (await recordCall(
          [o.metrics, o.durations, o.breaker],
          [
            outcome.failed ? '1' : '0',
            outcome.ms.toFixed(3),
            Math.round(outcome.fuel),
            outcome.error,
            s.breakerFailures,
            s.breakerSuccesses,
            s.quarantineMinCalls,
            s.quarantineFailureRate,
          ],
        )) as [BreakerState, number, number, number];
        return { state, invocations, failures, quarantine: quarantine === 1 };
      },
      async breaker(id) {
        const h = await redis.hgetall(k.overlay(id).breaker);
        return {
          state: (h.state as BreakerState | undefined) ?? 'closed',
          consecutive_failures: numbers(h, 'failures'),
          opened_at: h.opened_at ? new Date(Number(h.opened_at)).toISOString() : null,
        };
      },
      async counters(id): Promise<InvocationCounters> {
        const o = k.overlay(id);
        const [h, durations] = await Promise.all([redis.hgetall(o.metrics), redis.lrange(o.durations, 0, -1)]);
        return {
          invocations: numbers(h, 'invocations'),
          failures: numbers(h, 'failures'),
          skipped: numbers(h, 'skipped'),
          total_ms: numbers(h, 'total_ms'),
          fuel: numbers(h, 'fuel'),
          last_error: h.last_error ?? null,
          recent_ms: durations.map(Number),
        };
      },
      async healthChecked(id, healthy) {
        const key = k.overlay(id).health;
        if (healthy) {
          await redis.del(key);
          return 0;
        }
        return redis.incr(key);
      },
      async reset(id) {
        const o = k.overlay(id);
        await redis.unlink(o.metrics, o.durations, o.breaker, o.health);
      },
    },

    canaries: {
      async start(stableId, settings: CanarySettings) {
        await redis
          .multi()
          .del(k.canary(stableId), k.canaryStats(stableId))
          .hset(k.canary(stableId), {
            candidate_id: settings.candidate_id,
            traffic_percentage: String(settings.traffic_percentage),
            max_error_rate: String(settings.max_error_rate),
            max_latency_ratio: String(settings.max_latency_ratio),
            min_requests: String(settings.min_requests),
            admission: JSON.stringify(settings.admission ?? { kind: 'none' }),
            status: 'running',
            started_at: new Date().toISOString(),
            routed: '0',
          })
          .sadd(k.canaries, stableId)
          .exec();
      },
      async route(stableId): Promise<CanaryRoute> {
        const id = (await route([k.canary(stableId)], [])) as string;
        if (id === '') return { to: 'none' };
        if (id === '-') return { to: 'stable' };
        return { to: 'candidate', id };
      },
      async record(stableId, which, failed, ms) {
        const stats = k.canaryStats(stableId);
        const tx = redis.multi().hincrby(stats, `${which}_calls`, 1).hincrbyfloat(stats, `${which}_ms`, ms);
        if (failed) tx.hincrby(stats, `${which}_failures`, 1);
        await tx.exec();
      },
      async end(stableId, status, reason) {
        return (await endCanary([k.canaries, k.canary(stableId)], [stableId, status, reason, new Date().toISOString()])) === 1;
      },
      running: () => redis.smembers(k.canaries),
      async read(stableId): Promise<CanaryRecord | null> {
        const [h, stats] = await Promise.all([redis.hgetall(k.canary(stableId)), redis.hgetall(k.canaryStats(stableId))]);
        if (!h.candidate_id) return null;
        return {
          candidate_id: h.candidate_id,
          traffic_percentage: Number(h.traffic_percentage),
          max_error_rate: Number(h.max_error_rate),
          max_latency_ratio: Number(h.max_latency_ratio),
          min_requests: Number(h.min_requests),
          admission: h.admission ? (JSON.parse(h.admission) as Admission) : { kind: 'none' },
          status: h.status as CanaryRecord['status'],
          reason: h.reason ?? null,
          started_at: h.started_at ?? '',
          ended_at: h.ended_at ?? null,
          calls: { stable: side(stats, 'stable'), candidate: side(stats, 'candidate') },
        };
      },
    },

    events: {
      async publish(event) {
        await redis.publish(k.events, JSON.stringify(event));
      },
      async subscribe(type, listener) {
        let set = listeners.get(type);
        if (!set) listeners.set(type, (set = new Set()));
        const wrapped = listener as (event: FleetEvent) => void;
        set.add(wrapped);
        await ensureSubscribed();
        return () => void set.delete(wrapped);
      },
    },

    overlayEvents: {
      async append(entry) {
        return (await redis.xadd(
          k.overlayEvents,
          'MAXLEN',
          '~',
          '10000',
          '*',
          'overlay',
          entry.overlay,
          'overlay_id',
          entry.overlay_id,
          'type',
          entry.type,
          'payload',
          JSON.stringify(entry.payload ?? null),
        )) as string;
      },
      async read(limit = 1000): Promise<OverlayEventEntry[]> {
        const rows = await redis.xrange(k.overlayEvents, '-', '+', 'COUNT', limit);
        return rows.map(([id, fields]) => {
          const f: Record<string, string> = {};
          for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i] as string] = fields[i + 1] as string;
          return { id, overlay: f.overlay ?? '', overlay_id: f.overlay_id ?? '', type: f.type ?? '', payload: JSON.parse(f.payload ?? 'null') as unknown };
        });
      },
    },

    rateLimits: (() => {
      const limiters: Record<Exclude<RateBucket, 'overlay-events'>, RateLimiterRedis> = {
        'login-address': new RateLimiterRedis({ storeClient: redis, keyPrefix: `${prefix}:rate:login-address`, points: limits.loginPerAddressPerMinute, duration: 60 }),
        'login-credential': new RateLimiterRedis({
          storeClient: redis,
          keyPrefix: `${prefix}:rate:login-credential`,
          points: limits.loginFailuresPerCredential,
          duration: 15 * 60,
        }),
        'proposal-analysis': new RateLimiterRedis({
          storeClient: redis,
          keyPrefix: `${prefix}:rate:proposal-analysis`,
          points: PROPOSAL_ANALYSIS_LIMIT.points,
          duration: PROPOSAL_ANALYSIS_LIMIT.windowS,
        }),
      };
      // One limiter per distinct per-minute limit: an overlay's grant may set its own.
      const perMinuteLimiters = new Map<number, RateLimiterRedis>();
      const limiterOf = (bucket: RateBucket, perMinute = 600): RateLimiterRedis => {
        if (bucket !== 'overlay-events') return limiters[bucket];
        let limiter = perMinuteLimiters.get(perMinute);
        if (!limiter) {
          limiter = new RateLimiterRedis({ storeClient: redis, keyPrefix: `${prefix}:rate:overlay-events:${perMinute}`, points: perMinute, duration: 60 });
          perMinuteLimiters.set(perMinute, limiter);
        }
        return limiter;
      };
      return {
        async consume(bucket, key, perMinute) {
          try {
            await limiterOf(bucket, perMinute).consume(key);
            return { allowed: true, retryAfterS: 0 };
          } catch (res) {
            if (res instanceof RateLimiterRes) return { allowed: false, retryAfterS: Math.max(1, Math.ceil(res.msBeforeNext / 1000)) };
            throw res;
          }
        },
        async reset(bucket, key) {
          if (bucket === 'overlay-events') await Promise.all([...perMinuteLimiters.values()].map((l) => l.delete(key)));
          else await limiters[bucket].delete(key);
        },
      };
    })(),

    sessions: (() => {
      const ref = (id: string) => createHash('sha256').update(id).digest('hex');
      const read = async (r: string): Promise<BrowserSession | null> => {
        const value = await redis.get(k.sessionRef(r));
        if (value === null) return null;
        // A session from before sessions kept their key holds the user id alone.
        if (!value.startsWith('{')) return { user_id: value, key_id: null, ref: r };
        const { u, k: key } = JSON.parse(value) as { u: string; k: string | null };
        return { user_id: u, key_id: key, ref: r };
      };
      return {
        async create(userId: string, ttlSeconds: number, keyId: string | null) {
          const id = randomBytes(32).toString('base64url');
          await redis.set(k.sessionRef(ref(id)), JSON.stringify({ u: userId, k: keyId }), 'EX', ttlSeconds);
          return id;
        },
        get: (id: string) => read(ref(id)),
        byRef: (r: string) => (/^[0-9a-f]{64}$/.test(r) ? read(r) : Promise.resolve(null)),
        async end(id: string) {
          await redis.unlink(k.sessionRef(ref(id)));
        },
      };
    })(),

    healthReports<R extends { readonly overlay_id: string }>(): HealthReports<R> {
      return {
        async save(report) {
          await redis.set(k.overlay(report.overlay_id).report, JSON.stringify(report), 'EX', 7 * 24 * 3600);
        },
        async read(ids) {
          if (ids.length === 0) return [];
          const raw = await redis.mget(...ids.map((id) => k.overlay(id).report));
          return raw.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as R);
        },
        async forget(id) {
          await redis.unlink(k.overlay(id).report);
        },
      };
    },

    available: () => redis.status === 'ready',
    describe: () => redis.status,
    async ping() {
      const started = performance.now();
      await redis.ping();
      return performance.now() - started;
    },
    async close() {
      for (const c of [redis, subscriber]) c.disconnect();
    },
  };
}
