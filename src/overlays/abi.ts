/**
 * Overlay ABI v1 — the contract between Forge and an overlay module. Fixed within v1.
 *
 * Exports the module must provide:
 *   memory                                  its linear memory (defined by the module, not imported)
 *   forge_alloc(len: i32) -> i32            a pointer to `len` writable bytes
 *   <entry>(input_ptr: i32, input_len: i32) -> i64
 *                                           input: UTF-8 JSON at [input_ptr, input_ptr + input_len);
 *                                           returns (output_ptr << 32) | output_len, output UTF-8 JSON
 * Optional exports: initialize() -> i32, health_check() -> i32 (0 = healthy).
 *
 * Imports come only from module "forge":
 *   log(level: i32, ptr: i32, len: i32)                 always granted; levels 0 debug … 3 error
 *   capsule_read(ptr: i32, len: i32) -> i64             capsule:read    request {id}
 *   capsule_search(ptr: i32, len: i32) -> i64           capsule:read    request {query, limit?}
 *   capsule_create(ptr: i32, len: i32) -> i64           capsule:write   request {content, type?, tags?, metadata?}
 *   config_get(ptr: i32, len: i32) -> i64               config:read     request {key}
 *   event_publish(ptr: i32, len: i32) -> i32            event:publish   request {type, payload}; 0 ok, < 0 error
 *
 * Optional entry point on_event(ptr: i32, len: i32) -> i64, listed in entry_points by an overlay whose
 * manifest has `subscriptions` (needs event:subscribe): input {"event": {id, kind, payload, trust_level,
 * source, correlation_id, cascade_id, hop}}, output any JSON (kept in the delivery's report). Events it
 * publishes from there continue the cascade of the event it handles.
 * The i64 host functions write their JSON reply into guest memory through forge_alloc and return it
 * packed like an entry point's result. A reply is `{"ok": true, ...}` or `{"ok": false, "error": {code, message}}`.
 *
 * A trap, a pointer or length outside memory, an output that is not JSON, or one larger than the limit is
 * a failure of that call, never of the host.
 */

export const HOST_MODULE = 'forge';
/** The mutable i64 global instrumentation adds: remaining fuel, set by the host before each call. */
export const FUEL_GLOBAL = 'forge_fuel';
/**
 * The initial value of `forge_fuel`: the budget of the module's start function, which runs while the
 * instance is created, before the host can set the budget. What the start function spends counts toward
 * the call.
 */
export const START_FUEL = 10_000_000n;
export const ALLOC_EXPORT = 'forge_alloc';

export const CAPABILITIES = ['capsule:read', 'capsule:write', 'event:publish', 'event:subscribe', 'config:read'] as const;
export type Capability = (typeof CAPABILITIES)[number];

/** Host function → the capability that grants it (`null`: always granted). */
export const HOST_FUNCTIONS = {
  log: null,
  capsule_read: 'capsule:read',
  capsule_search: 'capsule:read',
  capsule_create: 'capsule:write',
  config_get: 'config:read',
  event_publish: 'event:publish',
} as const satisfies Record<string, Capability | null>;
export type HostFunction = keyof typeof HOST_FUNCTIONS;
/** Host functions that ask the owning process for something (all but `log`). */
export type HostCallFunction = Exclude<HostFunction, 'log'>;

/**
 * What each host function costs the guest in fuel, on top of one unit per 8 bytes of its request: the
 * work it asks of the owning process, in the currency of the guest's own instructions.
 */
export const HOST_CALL_FUEL: Readonly<Record<HostFunction, number>> = {
  log: 1_000,
  capsule_read: 10_000,
  capsule_search: 50_000,
  capsule_create: 50_000,
  config_get: 1_000,
  event_publish: 5_000,
};
/** Largest request a guest may pass to a host function; a larger one is refused without being read. */
export const MAX_HOST_REQUEST_BYTES = 64 * 1024;
/** Largest reply the host writes back into guest memory. */
export const MAX_HOST_REPLY_BYTES = 1024 * 1024;
/** Deepest nesting of an entry point's JSON output (checked before it is parsed). */
export const MAX_OUTPUT_DEPTH = 64;
/** Most host calls (log included) one invocation may make; the next one fails the call. */
export const DEFAULT_MAX_HOST_CALLS = 256;

/** Negative results of `event_publish`, and codes in `{ok: false}` replies. */
export const HOST_ERROR = {
  /** The overlay's capabilities do not grant this function. */
  capability_denied: -1,
  /** The request was not valid JSON of the expected shape. */
  bad_request: -2,
  /** The host could not do it (store unavailable, not found, …). */
  failed: -3,
  /** The host did not answer in time. */
  timeout: -4,
  /** The request or its reply is larger than the ABI allows. */
  too_large: -5,
  /** The overlay published more events this minute than its limit allows. */
  rate_limited: -6,
  /**
   * No write-down: the emission would carry data below the label of what the invocation holds (or above
   * what the overlay may write). The reply names both numbers.
   */
  write_down: -7,
} as const;

export function packPointer(ptr: number, len: number): bigint {
  return (BigInt(ptr >>> 0) << 32n) | BigInt(len >>> 0);
}

export function unpackPointer(packed: bigint): { ptr: number; len: number } {
  const v = BigInt.asUintN(64, packed);
  return { ptr: Number(v >> 32n), len: Number(v & 0xffffffffn) };
}

/** Why an invocation failed. */
export type InvocationErrorCode =
  | 'timeout'
  | 'fuel_exhausted'
  | 'trap'
  | 'out_of_bounds'
  | 'output_too_large'
  | 'output_not_json'
  /** The output is nested deeper than MAX_OUTPUT_DEPTH. */
  | 'output_too_deep'
  | 'missing_export'
  | 'link_error'
  | 'input_too_large'
  | 'worker_died'
  /** More host calls than one invocation may make. */
  | 'host_call_limit'
  /** Not run: the overlay's circuit breaker is open. */
  | 'circuit_open';

export interface InvocationResult {
  readonly success: boolean;
  /** The entry point's JSON output, parsed. */
  readonly result: unknown;
  readonly error: { readonly code: InvocationErrorCode; readonly message: string } | null;
  readonly execution_time_ms: number;
  /** Null when the thread was terminated before it could say (timeout, crash). */
  readonly fuel_consumed: number | null;
}

/** A task for the overlay thread. */
export interface InvokeTask {
  readonly sha256: string;
  /** The instrumented module; shared, so it is not copied per task. */
  readonly module: SharedArrayBuffer;
  /** An entry point, or `health_check` with `mode: 'health'` (no input; result `{healthy, status}`). */
  readonly entry: string;
  readonly mode: 'entry' | 'health';
  readonly input: string;
  readonly fuel: string;
  readonly maxOutputBytes: number;
  readonly grants: readonly HostFunction[];
  readonly maxHostCalls: number;
  /** Present when the module imports host functions that call back into the owning process. */
  readonly host?: { readonly port: import('node:worker_threads').MessagePort; readonly signal: SharedArrayBuffer; readonly timeoutMs: number };
}

/** Messages on a task's host port. Thread → owner: */
export type GuestToHost =
  | { readonly type: 'host-call'; readonly fn: HostCallFunction; readonly request: string }
  | { readonly type: 'log'; readonly level: number; readonly message: string };

/** Owner → thread: the reply to the one outstanding host call. */
export interface HostReply {
  readonly type: 'host-reply';
  /** JSON written back to the guest (i64 functions), or the status code (event_publish). */
  readonly reply: string;
  readonly status: number;
}
