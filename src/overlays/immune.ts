import type { Redis } from 'ioredis';
import type { ForgeConfig } from '../config/index.js';
import { defineScript, type RedisScript } from '../redis/script.js';

export type BreakerState = 'closed' | 'open' | 'half_open';

/** Thresholds of the immune system (documented with their defaults in the config schema). */
export type ImmuneSettings = ForgeConfig['immune'];

/**
 * Admits a call. KEYS[1] breaker hash, KEYS[2] metrics hash. ARGV[1] open duration ms, ARGV[2] minimum
 * calls, ARGV[3] failure rate.
 * Returns { state the call sees, 1 if the quarantine threshold is crossed }. 'open' means skip it: an open
 * breaker whose time is up turns half-open. A skipped call counts as a failure toward quarantine (the
 * overlay could not serve it), so a persistently broken overlay is quarantined even while its breaker
 * keeps it from running.
 */
const ADMIT = `
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
 * Records one invocation: metrics and breaker transition in one atomic step.
 * KEYS[1] metrics hash, KEYS[2] recent durations list, KEYS[3] breaker hash.
 * ARGV[1] '1' if failed, ARGV[2] ms, ARGV[3] fuel, ARGV[4] error text, ARGV[5] failures to open,
 * ARGV[6] successes to close, ARGV[7] minimum calls, ARGV[8] failure rate.
 * Returns { breaker state, invocations, failures, 1 if the quarantine threshold is crossed }.
 */
const RECORD = `
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

export interface InvocationOutcome {
  readonly failed: boolean;
  readonly ms: number;
  readonly fuel: number;
  readonly error: string;
}

/** Circuit breakers, invocation metrics and quarantine thresholds of overlays, kept in Redis. */
export class ImmuneSystem {
  readonly settings: ImmuneSettings;
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly admitScript: RedisScript;
  private readonly recordScript: RedisScript;

  constructor(redis: Redis, prefix: string, settings: ImmuneSettings) {
    this.redis = redis;
    this.prefix = prefix;
    this.settings = settings;
    this.admitScript = defineScript(redis, ADMIT);
    this.recordScript = defineScript(redis, RECORD);
  }

  keys(id: string) {
    const base = `${this.prefix}:overlay:${id}`;
    return { metrics: `${base}:metrics`, durations: `${base}:durations`, breaker: `${base}:breaker`, health: `${base}:health-failures` };
  }

  /** The breaker state a call sees ('open': skip it), and whether skipping it crosses the quarantine threshold. */
  async admit(id: string): Promise<{ state: BreakerState; quarantine: boolean }> {
    const k = this.keys(id);
    const [state, quarantine] = (await this.admitScript(
      [k.breaker, k.metrics],
      [this.settings.breakerOpenMs, this.settings.quarantineMinCalls, this.settings.quarantineFailureRate],
    )) as [BreakerState, number];
    return { state, quarantine: quarantine === 1 };
  }

  async record(id: string, outcome: InvocationOutcome): Promise<{ state: BreakerState; invocations: number; failures: number; quarantine: boolean }> {
    const k = this.keys(id);
    const [state, invocations, failures, quarantine] = (await this.recordScript(
      [k.metrics, k.durations, k.breaker],
      [
        outcome.failed ? '1' : '0',
        outcome.ms.toFixed(3),
        Math.round(outcome.fuel),
        outcome.error,
        this.settings.breakerFailures,
        this.settings.breakerSuccesses,
        this.settings.quarantineMinCalls,
        this.settings.quarantineFailureRate,
      ],
    )) as [BreakerState, number, number, number];
    return { state, invocations, failures, quarantine: quarantine === 1 };
  }

  async breaker(id: string): Promise<{ state: BreakerState; consecutive_failures: number; opened_at: string | null }> {
    const h = await this.redis.hgetall(this.keys(id).breaker);
    return {
      state: (h.state as BreakerState | undefined) ?? 'closed',
      consecutive_failures: Number(h.failures ?? 0),
      opened_at: h.opened_at ? new Date(Number(h.opened_at)).toISOString() : null,
    };
  }

  /** Counts a health check; returns how many in a row have failed. */
  async health(id: string, healthy: boolean): Promise<number> {
    const key = this.keys(id).health;
    if (healthy) {
      await this.redis.del(key);
      return 0;
    }
    return this.redis.incr(key);
  }

  /** Forgets an overlay's breaker, metrics and health history. */
  async reset(id: string): Promise<void> {
    const k = this.keys(id);
    await this.redis.unlink(k.metrics, k.durations, k.breaker, k.health);
  }
}
