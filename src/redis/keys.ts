/**
 * Redis keys Forge owns outside BullMQ's queues. All share the queue prefix's hash tag, so a request's
 * queue keys and these live in one Redis Cluster slot and Lua scripts may touch them together.
 */
export interface ForgeKeys {
  /** Pub/sub channel for request lifecycle events. */
  readonly events: string;
  /** Incremented on every capsule mutation; part of every cache key, so a change invalidates the cache. */
  readonly knowledgeGeneration: string;
  cache(digest: string, generation: string): string;
  /** Hash of per-phase counters written by the metrics phase. */
  phaseMetrics(phase: string): string;
  readonly requestMetrics: string;
}

export function forgeKeys(prefix: string): ForgeKeys {
  return {
    events: `${prefix}:events`,
    knowledgeGeneration: `${prefix}:knowledge-generation`,
    cache: (digest, generation) => `${prefix}:cache:${generation}:${digest}`,
    phaseMetrics: (phase) => `${prefix}:metrics:phase:${phase}`,
    requestMetrics: `${prefix}:metrics:requests`,
  };
}

/** A request lifecycle event, published on `ForgeKeys.events`. */
export interface RequestEvent {
  readonly type: 'request.finished';
  readonly request_id: string;
  readonly status: string;
}
