import type { CachedAnswer, RequestCounters } from '../fleet/fleet-state.js';
import type { GraphStore, RequestOutcome, RequestRecord } from '../store/graph-store.js';

type Completed = Omit<RequestOutcome, 'status' | 'error'>;
type Ended = RequestOutcome & { readonly status: 'failed' | 'rejected' };

/**
 * How a request ends: its record in the store, then the `request.finished` event on the fleet channel.
 * This is the only publisher of that event, so a waiter is woken exactly when the record says the
 * request is over.
 */
export class RequestOutcomes {
  private readonly store: Pick<GraphStore, 'finishRequest'>;
  private readonly counters: RequestCounters;

  constructor(deps: { store: Pick<GraphStore, 'finishRequest'>; counters: RequestCounters }) {
    this.store = deps.store;
    this.counters = deps.counters;
  }

  /**
   * Records the answer; then, together, announces it (filling the answer cache in the same round trip)
   * and runs `followUp` (the fire-and-forget jobs). The completed outcome is counted by the metrics job.
   */
  async completed(
    requestId: string,
    outcome: Completed,
    options: { cache?: { key: string; value: CachedAnswer; ttlSeconds: number }; followUp?: (record: RequestRecord) => Promise<void> } = {},
  ): Promise<RequestRecord> {
    const record = await this.store.finishRequest(requestId, { status: 'completed', ...outcome });
    await Promise.all([
      this.counters.finished({ type: 'request.finished', request_id: requestId, status: 'completed' }, options.cache ? { cache: options.cache } : {}),
      options.followUp?.(record),
    ]);
    return record;
  }

  /** Ends a request as failed or rejected; announced and counted when the record now says so (not when it had already ended otherwise). */
  async ended(requestId: string, outcome: Ended): Promise<RequestRecord> {
    const record = await this.store.finishRequest(requestId, outcome);
    if (record.status === outcome.status) {
      await this.counters.finished({ type: 'request.finished', request_id: requestId, status: outcome.status }, { count: true });
    }
    return record;
  }
}
