import type { Redis } from 'ioredis';
import { defineScript, type RedisScript } from '../redis/script.js';

export interface CanaryOptions {
  readonly candidate_id: string;
  /** Share of invocations routed to the candidate (0-1). @defaultValue 0.05 */
  readonly traffic_percentage: number;
  /** Candidate error rate above which it is rolled back. @defaultValue 0.01 */
  readonly max_error_rate: number;
  /** Candidate mean latency over the stable one's above which it is rolled back. @defaultValue 2.0 */
  readonly max_latency_ratio: number;
  /** Candidate invocations before a verdict. @defaultValue 100 */
  readonly min_requests: number;
}

export type CanaryStatus = 'running' | 'promoted' | 'rolled_back';

export interface CanarySide {
  readonly calls: number;
  readonly failures: number;
  readonly error_rate: number;
  readonly mean_ms: number;
}

export interface CanaryView extends CanaryOptions {
  readonly stable_id: string;
  readonly status: CanaryStatus;
  readonly reason: string | null;
  readonly started_at: string;
  readonly ended_at: string | null;
  readonly stable: CanarySide;
  readonly candidate: CanarySide;
  /** Candidate mean latency / stable mean latency (null until both have calls). */
  readonly latency_ratio: number | null;
}

/**
 * Routes one call. KEYS[1] canary hash. Returns '' when no canary runs, '-' when this call stays on the
 * stable version, or the candidate id. Deterministic share: call n goes to the candidate when
 * floor(n × share) steps up.
 */
const ROUTE = `
if redis.call('HGET', KEYS[1], 'status') ~= 'running' then return '' end
local share = tonumber(redis.call('HGET', KEYS[1], 'traffic_percentage'))
local n = redis.call('HINCRBY', KEYS[1], 'routed', 1)
if math.floor(n * share) > math.floor((n - 1) * share) then return redis.call('HGET', KEYS[1], 'candidate_id') end
return '-'
`;

export type Route = { readonly to: 'none' } | { readonly to: 'stable' } | { readonly to: 'candidate'; readonly id: string };

/** Canary state of a stable overlay, in Redis so every process routes and counts the same way. */
export class CanaryStore {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly routeScript: RedisScript;

  constructor(redis: Redis, prefix: string) {
    this.redis = redis;
    this.prefix = prefix;
    this.routeScript = defineScript(redis, ROUTE);
  }

  private key(stableId: string) {
    return `${this.prefix}:canary:${stableId}`;
  }

  private statsKey(stableId: string) {
    return `${this.prefix}:canary:${stableId}:stats`;
  }

  async start(stableId: string, options: CanaryOptions): Promise<void> {
    await this.redis
      .multi()
      .del(this.key(stableId), this.statsKey(stableId))
      .hset(this.key(stableId), {
        ...Object.fromEntries(Object.entries(options).map(([k, v]) => [k, String(v)])),
        status: 'running',
        started_at: new Date().toISOString(),
        routed: '0',
      })
      .sadd(`${this.prefix}:canaries`, stableId)
      .exec();
  }

  /** Where this call of `stableId` goes. */
  async route(stableId: string): Promise<Route> {
    const id = (await this.routeScript([this.key(stableId)], [])) as string;
    if (id === '') return { to: 'none' };
    if (id === '-') return { to: 'stable' };
    return { to: 'candidate', id };
  }

  async record(stableId: string, side: 'stable' | 'candidate', failed: boolean, ms: number): Promise<void> {
    const tx = this.redis.multi().hincrby(this.statsKey(stableId), `${side}_calls`, 1).hincrbyfloat(this.statsKey(stableId), `${side}_ms`, ms);
    if (failed) tx.hincrby(this.statsKey(stableId), `${side}_failures`, 1);
    await tx.exec();
  }

  async end(stableId: string, status: Exclude<CanaryStatus, 'running'>, reason: string): Promise<void> {
    await this.redis
      .multi()
      .hset(this.key(stableId), { status, reason, ended_at: new Date().toISOString() })
      .srem(`${this.prefix}:canaries`, stableId)
      .exec();
  }

  async running(): Promise<string[]> {
    return this.redis.smembers(`${this.prefix}:canaries`);
  }

  async view(stableId: string): Promise<CanaryView | null> {
    const [h, stats] = await Promise.all([this.redis.hgetall(this.key(stableId)), this.redis.hgetall(this.statsKey(stableId))]);
    if (!h.candidate_id) return null;
    const side = (name: string): CanarySide => {
      const calls = Number(stats[`${name}_calls`] ?? 0);
      const failures = Number(stats[`${name}_failures`] ?? 0);
      return { calls, failures, error_rate: calls ? failures / calls : 0, mean_ms: calls ? Number(stats[`${name}_ms`] ?? 0) / calls : 0 };
    };
    const stable = side('stable');
    const candidate = side('candidate');
    return {
      stable_id: stableId,
      candidate_id: h.candidate_id,
      traffic_percentage: Number(h.traffic_percentage),
      max_error_rate: Number(h.max_error_rate),
      max_latency_ratio: Number(h.max_latency_ratio),
      min_requests: Number(h.min_requests),
      status: h.status as CanaryStatus,
      reason: h.reason ?? null,
      started_at: h.started_at as string,
      ended_at: h.ended_at ?? null,
      stable,
      candidate,
      latency_ratio: stable.calls && candidate.calls && stable.mean_ms > 0 ? candidate.mean_ms / stable.mean_ms : null,
    };
  }

  /** The verdict for a running canary, or null while it needs more calls. */
  static verdict(view: CanaryView): { status: 'promoted' | 'rolled_back'; reason: string } | null {
    const c = view.candidate;
    if (c.calls >= view.min_requests && c.error_rate > view.max_error_rate) {
      return { status: 'rolled_back', reason: `candidate error rate ${c.error_rate.toFixed(3)} > ${view.max_error_rate} over ${c.calls} calls` };
    }
    if (c.calls < view.min_requests) return null;
    if (view.latency_ratio !== null && view.latency_ratio > view.max_latency_ratio) {
      return { status: 'rolled_back', reason: `candidate latency ${view.latency_ratio.toFixed(2)}× the stable version's > ${view.max_latency_ratio}×` };
    }
    return { status: 'promoted', reason: `candidate error rate ${c.error_rate.toFixed(3)} ≤ ${view.max_error_rate} and latency ${view.latency_ratio?.toFixed(2) ?? 'n/a'}× over ${c.calls} calls` };
  }
}
