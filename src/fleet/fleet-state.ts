/**
 * The fleet-state port: everything every process of a Forge fleet must see alike — the answer cache,
 * counters, overlay circuit breakers and health history, canary routing, and the event channel. Business
 * code sees these interfaces only; the one adapter (`redis-fleet-state.ts`) owns every key name and every
 * Lua script, and changes state atomically so that concurrent workers agree.
 */
import type { Admission } from '../governance/gate.js';
import type { OverlayState, RequestStatus } from '../store/graph-store.js';

// ---- events -------------------------------------------------------------------------------------

/**
 * Events on the fleet channel. One union, and one publisher per type:
 * - `request.finished` — `workers/request-outcome.ts` (a request ended: completed, failed or rejected);
 * - `overlay_quarantined` — `overlays/executor.ts` (an overlay stopped running everywhere);
 * - `overlay.state_changed` — `overlays/registry.ts` (every process drops its list of active overlays).
 */
export type FleetEvent =
  | { readonly type: 'request.finished'; readonly request_id: string; readonly status: RequestStatus }
  | { readonly type: 'overlay.state_changed'; readonly overlay_id: string; readonly state: OverlayState }
  | { readonly type: 'overlay_quarantined'; readonly overlay_id: string; readonly name: string; readonly version: string; readonly reason: string };

export type FleetEventType = FleetEvent['type'];
export type FleetEventOf<T extends FleetEventType> = Extract<FleetEvent, { type: T }>;

export interface EventChannel {
  publish(event: FleetEvent): Promise<void>;
  /** Calls `listener` with every event of `type` published from now on, by any process. Returns the unsubscribe. */
  subscribe<T extends FleetEventType>(type: T, listener: (event: FleetEventOf<T>) => void): Promise<() => void>;
}

// ---- answer cache and request lifecycle ------------------------------------------------------------

export interface CachedAnswer {
  readonly answer: string;
  readonly citations: readonly string[];
  /** A generated answer's sentences that cite nothing, and citations it made of sources not given. */
  readonly uncited?: readonly string[];
  readonly invalid_citations?: readonly number[];
  /** The answer parameters it was made with: a lookup under other parameters is a miss. */
  readonly parameters: { readonly max_sentences: number; readonly max_citations: number };
}

export interface AnswerCache {
  /**
   * The cache entry of `digest` under the current knowledge generation: its key (to fill it later) and
   * its value when there is one. One round trip.
   */
  lookup(digest: string): Promise<{ readonly key: string; readonly hit: CachedAnswer | null }>;
  /** Makes every cached answer stale; called on each capsule change. */
  invalidate(): Promise<void>;
}

export interface RequestFinishedOptions {
  /** Fill the answer cache in the same round trip (a completed request that was not a cache hit). */
  readonly cache?: { readonly key: string; readonly value: CachedAnswer; readonly ttlSeconds: number };
  /** Count the outcome now (failures; a completed request is counted by its metrics job). */
  readonly count?: boolean;
}

/** One request's figures, as the metrics phase records them. */
export interface RequestFigures {
  readonly status: string;
  readonly total_ms: number;
  readonly phase_ms: Readonly<Record<string, number>>;
}

export interface PhaseTotals {
  readonly count: number;
  readonly total_ms: number;
}

export interface RequestCounters {
  /** Publishes `request.finished` and, as asked, fills the cache and counts the outcome, in one round trip. */
  finished(event: FleetEventOf<'request.finished'>, options?: RequestFinishedOptions): Promise<void>;
  /** Records one request's total and per-phase durations. Returns how many phases were recorded. */
  record(figures: RequestFigures): Promise<number>;
  /** Requests ended, by status, and the summed duration (`total_ms`), fleet-wide. */
  requestTotals(): Promise<Record<string, number>>;
  phaseTotals(phases: readonly string[]): Promise<Record<string, PhaseTotals>>;
}

// ---- overlays ---------------------------------------------------------------------------------------

export type BreakerState = 'closed' | 'open' | 'half_open';

/** Thresholds the breaker and quarantine decisions use. */
export interface BreakerSettings {
  readonly breakerFailures: number;
  readonly breakerOpenMs: number;
  readonly breakerSuccesses: number;
  readonly quarantineMinCalls: number;
  readonly quarantineFailureRate: number;
}

export interface InvocationOutcome {
  readonly failed: boolean;
  readonly ms: number;
  readonly fuel: number;
  readonly error: string;
}

export interface BreakerView {
  readonly state: BreakerState;
  readonly consecutive_failures: number;
  readonly opened_at: string | null;
}

/** An overlay's invocation counters as stored, and its most recent durations (newest first). */
export interface InvocationCounters {
  readonly invocations: number;
  readonly failures: number;
  readonly skipped: number;
  readonly total_ms: number;
  readonly fuel: number;
  readonly last_error: string | null;
  readonly recent_ms: readonly number[];
}

/** Circuit breakers, invocation counters and health-check history of overlays. */
export interface OverlayBreakers {
  /** The state a call sees ('open': skip it; it counts toward quarantine) and whether that crosses the quarantine threshold. */
  admit(id: string, settings: BreakerSettings): Promise<{ readonly state: BreakerState; readonly quarantine: boolean }>;
  /** Counts one invocation and moves the breaker, atomically. */
  record(
    id: string,
    outcome: InvocationOutcome,
    settings: BreakerSettings,
  ): Promise<{ readonly state: BreakerState; readonly invocations: number; readonly failures: number; readonly quarantine: boolean }>;
  breaker(id: string): Promise<BreakerView>;
  counters(id: string): Promise<InvocationCounters>;
  /** Counts a health check; returns how many in a row have failed. */
  healthChecked(id: string, healthy: boolean): Promise<number>;
  /** Forgets an overlay's breaker, counters and health history. */
  reset(id: string): Promise<void>;
}

/** The stored state of one canary: its settings and both sides' counters. */
export interface CanaryRecord {
  readonly candidate_id: string;
  readonly traffic_percentage: number;
  readonly max_error_rate: number;
  readonly max_latency_ratio: number;
  readonly min_requests: number;
  readonly status: 'running' | 'promoted' | 'rolled_back';
  readonly reason: string | null;
  /** What let a candidate at or above the governance gate run (a proposal, an admin's emergency); its promotion needs it again. */
  readonly admission: Admission;
  readonly started_at: string;
  readonly ended_at: string | null;
  readonly calls: { readonly stable: SideCounters; readonly candidate: SideCounters };
}

export interface SideCounters {
  readonly calls: number;
  readonly failures: number;
  readonly total_ms: number;
}

export type CanaryRoute = { readonly to: 'none' } | { readonly to: 'stable' } | { readonly to: 'candidate'; readonly id: string };

export interface CanarySettings {
  readonly candidate_id: string;
  /** What the governance gate accepted when the canary started. @defaultValue none */
  readonly admission?: Admission;
  readonly traffic_percentage: number;
  readonly max_error_rate: number;
  readonly max_latency_ratio: number;
  readonly min_requests: number;
}

/** Canary routing, deterministic and shared by every process. */
export interface CanaryRouting {
  start(stableId: string, settings: CanarySettings): Promise<void>;
  /** Where this call of `stableId` goes: call n goes to the candidate when floor(n × share) steps up. */
  route(stableId: string): Promise<CanaryRoute>;
  record(stableId: string, side: 'stable' | 'candidate', failed: boolean, ms: number): Promise<void>;
  /** Ends a running canary with its verdict; false (and nothing written) when it had already ended. */
  end(stableId: string, status: 'promoted' | 'rolled_back', reason: string): Promise<boolean>;
  /** Stable overlay ids with a running canary. */
  running(): Promise<string[]>;
  read(stableId: string): Promise<CanaryRecord | null>;
}

/** The last health report of each overlay, kept for the system health view (a week). */
export interface HealthReports<R extends { readonly overlay_id: string }> {
  save(report: R): Promise<void>;
  /** The reports of those of `ids` that have one. */
  read(ids: readonly string[]): Promise<R[]>;
  forget(id: string): Promise<void>;
}

/** An event an overlay published (`event_publish`) or one about it, as kept in the fleet's event log. */
export interface OverlayEventEntry {
  readonly id: string;
  readonly overlay: string;
  readonly overlay_id: string;
  readonly type: string;
  readonly payload: unknown;
}

/** The overlay event log: a capped stream (about the last 10,000). */
export interface OverlayEventLog {
  append(entry: Omit<OverlayEventEntry, 'id'>): Promise<string>;
  /** Oldest first. */
  read(limit?: number): Promise<OverlayEventEntry[]>;
}

/** A live browser session: its user, the API key it was opened with (null: a password), and its reference. */
export interface BrowserSession {
  readonly user_id: string;
  readonly key_id: string | null;
  /** sha256 of the session id: names the session (in the access tokens it buys) without being usable as a cookie. */
  readonly ref: string;
}

/** Browser sessions (Bull Board, the dashboard): an opaque id, stored hashed, naming a user, expiring on its own. */
export interface SessionStore {
  /** A new session for `userId`, opened with the API key `keyId` (null: a password); returns its id (the cookie value). */
  create(userId: string, ttlSeconds: number, keyId: string | null): Promise<string>;
  /** A live session by its id (the cookie value). */
  get(sessionId: string): Promise<BrowserSession | null>;
  /** A live session by its reference. */
  byRef(ref: string): Promise<BrowserSession | null>;
  end(sessionId: string): Promise<void>;
}

/** Fleet-wide rate limits: every ingress counts against the same buckets. */
export interface RateLimits {
  /**
   * Counts one attempt against `key` in `bucket`; `allowed: false` once the bucket's points are spent in its
   * window, with the seconds until the next attempt may be made. `perMinute` sets the points of a bucket
   * whose limit differs by key (`overlay-events`).
   */
  consume(bucket: RateBucket, key: string, perMinute?: number): Promise<{ readonly allowed: boolean; readonly retryAfterS: number }>;
  /** Forgets a key's count (a successful login clears its credential's failures). */
  reset(bucket: RateBucket, key: string): Promise<void>;
}

/** The limits Forge keeps: sign-in attempts per client address, failed sign-ins per credential, events an overlay publishes per minute. */
export type RateBucket = 'login-address' | 'login-credential' | 'overlay-events' | 'proposal-analysis';

/** Analyses of proposals (each a model call and an overlay run) one caller may run per window. */
export const PROPOSAL_ANALYSIS_LIMIT = { points: 5, windowS: 600 } as const;

export interface RateLimitSettings {
  /** Sign-in attempts one address may make per minute. */
  readonly loginPerAddressPerMinute: number;
  /** Failed sign-ins one credential (user name or key) may have per 15 minutes. */
  readonly loginFailuresPerCredential: number;
}

// ---- the port ----------------------------------------------------------------------------------------

/** The audit chain's head as last checkpointed outside the graph store, with its signature. */
export interface AuditCheckpoint {
  /** Sequence number and hash of the newest entry at the time. */
  readonly seq: number;
  readonly hash: string;
  /** ISO time of the checkpoint. */
  readonly at: string;
  /** HMAC-SHA256 over `seq`, `hash` and `at`, with the audit key. */
  readonly signature: string;
}

/** Where the audit checkpoint lives: it only moves forward (a lower or equal `seq` is not stored). */
export interface AuditCheckpointStore {
  /** Stores the checkpoint if its `seq` is above the stored one's; returns whether it did. */
  advance(checkpoint: AuditCheckpoint): Promise<boolean>;
  read(): Promise<AuditCheckpoint | null>;
}

export interface FleetState {
  readonly cache: AnswerCache;
  readonly auditCheckpoint: AuditCheckpointStore;
  readonly requests: RequestCounters;
  readonly breakers: OverlayBreakers;
  readonly canaries: CanaryRouting;
  readonly events: EventChannel;
  readonly overlayEvents: OverlayEventLog;
  readonly sessions: SessionStore;
  readonly rateLimits: RateLimits;
  healthReports<R extends { readonly overlay_id: string }>(): HealthReports<R>;
  /** Whether commands can be sent now (false while the connection is down or reconnecting). */
  available(): boolean;
  /** A short description of the connection state, for errors ("reconnecting"). */
  describe(): string;
  /** Round trip in milliseconds. */
  ping(): Promise<number>;
  close(): Promise<void>;
}
