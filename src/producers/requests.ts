import { checkHolds } from '../auth/policy.js';
import { randomUUID } from 'node:crypto';
import type { FlowProducer } from 'bullmq';
import type { ForgeQueues } from '../flows/queues.js';
import type { ForgeConfig } from '../config/index.js';
import { NotFoundError } from '../errors.js';
import { buildRequestFlow, phaseJobId, requestJobData } from '../flows/request-flow.js';
import type { EventChannel } from '../fleet/fleet-state.js';
import { TERMINAL_STATUSES, type Caller, type GraphStore, type JsonObject, type RequestRecord } from '../store/graph-store.js';
import { uuidV7 } from '../util/ids.js';

export interface SubmitInput {
  readonly query: string;
  readonly required_trust?: number;
  readonly save_as_capsule?: boolean;
  readonly metadata?: JsonObject;
}

export interface SubmitOptions {
  readonly idempotencyKey?: string | null;
  readonly correlationId?: string | null;
}

/**
 * Accepts requests: records each one, then adds its flow. A request is accepted only once both are done;
 * if the flow cannot be added the record ends `failed` with the reason and the error propagates, so the
 * caller never gets an id for work that will not run.
 */
export class RequestService {
  private readonly config: ForgeConfig;
  private readonly store: GraphStore;
  private readonly flows: FlowProducer;
  private readonly queues: Pick<ForgeQueues, 'forRequest'>;
  private readonly events: EventChannel;
  private readonly recorded: (record: RequestRecord) => void;
  private readonly waiters = new Map<string, Set<() => void>>();
  private subscribed: Promise<unknown> | null = null;

  constructor(deps: {
    config: ForgeConfig;
    store: GraphStore;
    flows: FlowProducer;
    queues: Pick<ForgeQueues, 'forRequest'>;
    events: EventChannel;
    /** Told of each request recorded here, before its flow is added (the workers of this process keep its data). */
    recorded?: (record: RequestRecord) => void;
  }) {
    this.config = deps.config;
    this.store = deps.store;
    this.flows = deps.flows;
    this.queues = deps.queues;
    this.events = deps.events;
    this.recorded = deps.recorded ?? (() => undefined);
  }

  /** @throws PermissionDeniedError when `save_as_capsule` is asked by a caller who may not write capsules */
  async submit(caller: Caller, input: SubmitInput, options: SubmitOptions = {}): Promise<{ record: RequestRecord; created: boolean }> {
    // Saving the answer writes a capsule: that needs capsule:write, like any other write.
    if (input.save_as_capsule) checkHolds(caller, 'capsule:write', 'save_as_capsule (saving the answer as a capsule)');
    const id = uuidV7();
    const { record, created } = await this.store.createRequest({
      id,
      correlation_id: options.correlationId ?? randomUUID(),
      caller,
      query: input.query,
      required_trust: input.required_trust ?? 0,
      save_as_capsule: input.save_as_capsule ?? false,
      metadata: input.metadata ?? {},
      idempotency_key: options.idempotencyKey ?? null,
    });
    if (!created) {
      // A repeat (same Idempotency-Key) of a request whose flow could not be added: try the enqueue again.
      if (record.status !== 'failed' || record.error?.code !== 'enqueue_failed') return { record, created };
      return { record: await this.enqueue(await this.store.reopenRequest(record.id, { actor_id: caller.id })), created: true };
    }
    return { record: await this.enqueue(record), created };
  }

  /** Adds a recorded request's flow; if that fails, the record ends `failed` (enqueue_failed) and the error propagates. */
  private async enqueue(record: RequestRecord): Promise<RequestRecord> {
    this.recorded(record);
    try {
      await this.flows.add(buildRequestFlow(this.config, requestJobData(record)));
    } catch (err) {
      await this.store.finishRequest(record.id, {
        status: 'failed',
        error: { phase: 'submit', code: 'enqueue_failed', message: err instanceof Error ? err.message : String(err) },
      });
      throw err;
    }
    return record;
  }

  /**
   * The request's record. A queued request whose first phase has been picked up reads as `running`:
   * derived here, on read, so the hot path writes the store only when a request is accepted and when it ends.
   */
  /** The newest requests first: one caller's, or everyone's (`caller_id` absent). Read as stored (a running request shows its last recorded state). */
  list(filter: { readonly caller_id?: string; readonly before?: string; readonly limit: number }): Promise<RequestRecord[]> {
    return this.store.listRequests(filter);
  }

  async get(id: string): Promise<RequestRecord> {
    const record = await this.store.getRequest(id);
    if (!record) throw new NotFoundError('request', id);
    if (record.status !== 'queued') return record;
    const state = await this.queues.forRequest(id).context.getJobState(phaseJobId(id, 'context'));
    return state === 'waiting' || state === 'delayed' || state === 'prioritized' || state === 'unknown' ? record : { ...record, status: 'running' };
  }

  private ensureSubscribed(): Promise<unknown> {
    this.subscribed ??= this.events.subscribe('request.finished', (event) => {
      const waiting = this.waiters.get(event.request_id);
      if (waiting) for (const wake of waiting) wake();
    });
    return this.subscribed;
  }

  /** Resolves with the record once the request has ended, or after `timeoutMs` with its current state. */
  async waitFor(id: string, timeoutMs: number): Promise<RequestRecord> {
    const first = await this.get(id);
    if (TERMINAL_STATUSES.has(first.status) || timeoutMs <= 0) return first;
    await this.ensureSubscribed();
    let wake!: () => void;
    const woken = new Promise<void>((resolve) => (wake = resolve));
    const set = this.waiters.get(id) ?? new Set();
    set.add(wake);
    this.waiters.set(id, set);
    const timer = setTimeout(wake, timeoutMs);
    try {
      // Re-read after subscribing: the request may have ended in between.
      const again = await this.get(id);
      if (TERMINAL_STATUSES.has(again.status)) return again;
      await woken;
      return await this.get(id);
    } finally {
      clearTimeout(timer);
      set.delete(wake);
      if (set.size === 0) this.waiters.delete(id);
    }
  }
}
