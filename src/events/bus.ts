import { randomUUID } from 'node:crypto';
import type { Job, Queue } from 'bullmq';
import { RequestValidationError } from '../errors.js';
import type { DeadLetter } from '../flows/request-flow.js';
import type { EventSource, ForgeEvent, GraphStore, JsonObject } from '../store/graph-store.js';
import { deliveryPriority, isEventKind, payloadSchema } from './kinds.js';

export const EVENT_QUEUE = 'events';

/** One delivery: an event to one subscriber (the event itself is read from the store). */
export interface EventDeliveryJob {
  readonly event_id: string;
  readonly subscriber: string;
}

export interface PublishInput {
  /** Fixed id, for a publisher that may retry; a new one by default. */
  readonly id?: string;
  readonly kind: string;
  readonly payload: unknown;
  /** Readers below this trust never see the event; usually the publisher's own trust. */
  readonly trust_level: number;
  readonly source: EventSource;
  readonly correlation_id?: string | null;
  /** The event being handled when this one was published: this one continues its cascade. */
  readonly parent?: Pick<ForgeEvent, 'id' | 'cascade_id' | 'hop'> | null;
}

export type EventHandler = (event: ForgeEvent) => Promise<void>;

export interface EventBusOptions {
  readonly store: Pick<GraphStore, 'appendEvent' | 'getEvent' | 'markDelivered' | 'wasDelivered'>;
  readonly queue: Pick<Queue<EventDeliveryJob>, 'addBulk'>;
  readonly deadLetters: Pick<Queue<DeadLetter>, 'add'>;
  /** Attempts per delivery before it is dead-lettered. @defaultValue 5 */
  readonly attempts?: number;
  /** First retry delay, doubled on each retry. @defaultValue 500 */
  readonly backoffMs?: number;
}

/**
 * The event bus on the fleet's queues. An event is validated against its kind's schema, persisted in the
 * graph store (who published it, at what trust, in which cascade), then delivered to each subscriber as a
 * BullMQ job: at least once, retried with backoff, by priority (threats first), and dead-lettered when a
 * subscriber keeps failing. A subscriber handles each event once: a redelivered event it already handled
 * is skipped. Subscribers are registered by name in every process that runs the event workers (the same
 * code in each), so any worker can deliver any job.
 */
export class EventBus {
  private readonly subscribers = new Map<string, { kinds: ReadonlySet<string> | '*'; handler: EventHandler }>();
  private readonly deps: EventBusOptions;

  constructor(deps: EventBusOptions) {
    this.deps = deps;
  }

  /** Registers `handler` as subscriber `name` of `kinds` ('*' for every kind). */
  subscribe(name: string, kinds: readonly string[] | '*', handler: EventHandler): void {
    if (this.subscribers.has(name)) throw new TypeError(`event subscriber ${name} is already registered`);
    this.subscribers.set(name, { kinds: kinds === '*' ? '*' : new Set(kinds), handler });
  }

  private subscribersOf(kind: string): string[] {
    return [...this.subscribers].filter(([, s]) => s.kinds === '*' || s.kinds.has(kind)).map(([name]) => name);
  }

  /**
   * Validates, persists and queues an event for its subscribers. Publishing the same id again queues
   * nothing twice (the deliveries' job ids are fixed), so a publisher may retry after any failure.
   * @throws RequestValidationError (HTTP 400, with the payload's issues) for an unknown kind or a payload that does not fit
   */
  async publish(input: PublishInput): Promise<ForgeEvent> {
    const schema = isEventKind(input.kind) ? payloadSchema(input.kind) : null;
    if (!schema) throw new RequestValidationError('body', [{ path: ['kind'], message: `unknown event kind "${input.kind}" (a known kind, or custom.<name>)` }]);
    const parsed = schema.safeParse(input.payload);
    if (!parsed.success)
      throw new RequestValidationError(
        'body',
        parsed.error.issues.map((i) => ({ path: ['payload', ...i.path], message: i.message, code: i.code })),
      );
    const id = input.id ?? randomUUID();
    const { event } = await this.deps.store.appendEvent({
      id,
      kind: input.kind,
      payload: parsed.data as JsonObject,
      trust_level: input.trust_level,
      source: input.source,
      correlation_id: input.correlation_id ?? null,
      cascade_id: input.parent ? input.parent.cascade_id : id,
      hop: input.parent ? input.parent.hop + 1 : 0,
      parent_id: input.parent?.id ?? null,
    });
    const attempts = this.deps.attempts ?? 5;
    await this.deps.queue.addBulk(
      this.subscribersOf(event.kind).map((subscriber) => ({
        name: 'deliver',
        data: { event_id: event.id, subscriber },
        opts: {
          jobId: `${event.id}.${subscriber}`,
          priority: deliveryPriority(event.kind),
          attempts,
          backoff: { type: 'exponential', delay: this.deps.backoffMs ?? 500 },
          removeOnComplete: { age: 3600, count: 10_000 },
          removeOnFail: { age: 7 * 24 * 3600 },
        },
      })),
    );
    return event;
  }

  /** The event worker's processor: hands the event to its subscriber unless it already handled it. */
  async deliver(job: Pick<Job<EventDeliveryJob>, 'data'>): Promise<{ delivered: boolean }> {
    const { event_id, subscriber } = job.data;
    const entry = this.subscribers.get(subscriber);
    if (!entry) throw new Error(`no event subscriber ${subscriber} in this process`);
    if (await this.deps.store.wasDelivered(event_id, subscriber)) return { delivered: false };
    const event = await this.deps.store.getEvent(event_id);
    if (!event) throw new Error(`event ${event_id} is not in the store`);
    await entry.handler(event);
    await this.deps.store.markDelivered(event_id, subscriber);
    return { delivered: true };
  }

  /** Called by the event worker when a delivery failed its last attempt: it goes to the dead-letter queue. */
  async deadLetter(job: Pick<Job<EventDeliveryJob>, 'id' | 'name' | 'data' | 'attemptsMade' | 'timestamp'>, error: Error): Promise<void> {
    const letter: DeadLetter = {
      queue: EVENT_QUEUE,
      job_id: job.id ?? '',
      job_name: job.name,
      request_id: null,
      data: job.data,
      error: { name: error.name, code: null, message: error.message, stack: error.stack ?? null },
      attempts: job.attemptsMade,
      failed_at: new Date().toISOString(),
    };
    await this.deps.deadLetters.add(EVENT_QUEUE, letter, { jobId: `${String(job.id)}.${job.timestamp}`, removeOnComplete: true });
  }
}
