import { createHash, randomUUID } from 'node:crypto';
import type { Job, Queue } from 'bullmq';
import { z } from 'zod';
import { NotFoundError, RequestValidationError } from '../errors.js';
import { uuidV5 } from '../util/ids.js';
import type { DeadLetter } from '../flows/request-flow.js';
import type { CascadeLink, EventSource, ForgeEvent, GraphStore, JsonObject, NewEvent } from '../store/graph-store.js';
import { deliveryPriority, isEventKind, payloadSchema } from './kinds.js';

export const EVENT_QUEUE = 'events';
/** Where the scheduled job that turns audit entries into system events runs. */
export const OUTBOX_QUEUE = 'event-outbox';

/** One delivery: an event to one subscriber (the event itself is read from the store). */
export const EventDeliveryJob = z.strictObject({ event_id: z.string().min(1).max(200), subscriber: z.string().min(1).max(200) });
export type EventDeliveryJob = z.infer<typeof EventDeliveryJob>;

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
  readonly parent?: Pick<ForgeEvent, 'id' | 'cascade_id' | 'hop' | 'visited'> | null;
  /** The subscriber handling `parent` that publishes this one (`overlay:<name>`); the source's key by default. */
  readonly via?: string;
}

export type EventHandler = (event: ForgeEvent) => Promise<void>;

/**
 * Subscribers known at publish time rather than registered in code: the overlays whose manifests
 * subscribe to a kind. Keys are `<prefix>:<name>`.
 */
export interface SubscriberSource {
  /** The key prefix this source owns (`overlay`). */
  readonly prefix: string;
  /** Subscriber keys for `event` (only those allowed to read it). */
  subscribersOf(event: Pick<ForgeEvent, 'kind' | 'trust_level'>): Promise<string[]>;
  /** Handles one delivery; returns the id of what handled it (the overlay version), if any. */
  handle(subscriber: string, event: ForgeEvent): Promise<{ readonly target_id: string | null }>;
}

/** A publisher's or subscriber's key in cascades: `overlay:<name>`, `user:<id>`, `system:<name>`. */
export function sourceKey(source: EventSource): string {
  if (source.type === 'overlay') return `overlay:${source.name ?? source.id}`;
  if (source.type === 'user') return `user:${source.id}`;
  return `system:${source.name ?? source.id}`;
}

/**
 * The id of the `n`th event a subscriber publishes while handling `parentId`: the same on every
 * redelivery, so a handler run twice (a worker killed before its delivery was recorded) publishes nothing
 * twice.
 */
export function cascadeEventId(parentId: string, via: string, n: number): string {
  return uuidV5(`cascade-event:${parentId}\u0000${via}\u0000${n}`);
}

/** The TRIGGERED link of `event` to `target`: made (by the overlay version `target_id`) or stopped, and why. */
function linkOf(
  event: NewEvent,
  target: string,
  end: { readonly outcome: 'delivered'; readonly target_id: string | null } | { readonly outcome: 'stopped'; readonly reason: 'cycle' | 'hop_limit' },
): CascadeLink {
  return {
    event_id: event.id,
    cascade_id: event.cascade_id,
    hop: event.hop,
    kind: event.kind,
    // The last on the event's path is its publisher.
    source: event.visited.at(-1) ?? sourceKey(event.source),
    target,
    target_id: end.outcome === 'delivered' ? end.target_id : null,
    payload_digest: createHash('sha256').update(JSON.stringify(event.payload)).digest('hex'),
    outcome: end.outcome,
    reason: end.outcome === 'stopped' ? end.reason : null,
    trust_level: event.trust_level,
    at: new Date().toISOString(),
  };
}

/** Hops a cascade may take unless configured otherwise. */
export const DEFAULT_MAX_HOPS = 5;

export interface EventBusOptions {
  readonly store: Pick<GraphStore, 'appendEvent' | 'getEvent' | 'markDelivered' | 'wasDelivered' | 'listEvents'>;
  readonly queue: Pick<Queue<EventDeliveryJob>, 'addBulk' | 'getJob'>;
  readonly deadLetters: Pick<Queue<DeadLetter>, 'add'>;
  /** Attempts per delivery before it is dead-lettered. @defaultValue 5 */
  readonly attempts?: number;
  /** First retry delay, doubled on each retry. @defaultValue 500 */
  readonly backoffMs?: number;
  /** Deliveries (TRIGGERED links) one cascade may make; the next is stopped and recorded. @defaultValue 5 */
  readonly maxHops?: number;
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
  private readonly sources = new Map<string, SubscriberSource>();
  private readonly deps: EventBusOptions;

  constructor(deps: EventBusOptions) {
    this.deps = deps;
  }

  /** Registers `handler` as subscriber `name` of `kinds` ('*' for every kind). */
  subscribe(name: string, kinds: readonly string[] | '*', handler: EventHandler): void {
    if (this.subscribers.has(name)) throw new TypeError(`event subscriber ${name} is already registered`);
    this.subscribers.set(name, { kinds: kinds === '*' ? '*' : new Set(kinds), handler });
  }

  /** Adds subscribers that are found per event (the overlays' subscriptions). */
  addSource(source: SubscriberSource): void {
    if (this.sources.has(source.prefix)) throw new TypeError(`event subscriber source ${source.prefix} is already registered`);
    this.sources.set(source.prefix, source);
  }

  private async subscribersOf(event: Pick<ForgeEvent, 'kind' | 'trust_level'>): Promise<string[]> {
    const named = [...this.subscribers].filter(([, s]) => s.kinds === '*' || s.kinds.has(event.kind)).map(([name]) => name);
    const found = await Promise.all([...this.sources.values()].map((s) => s.subscribersOf(event)));
    return [...named, ...found.flat()];
  }

  private sourceOf(subscriber: string): SubscriberSource | undefined {
    const colon = subscriber.indexOf(':');
    return colon > 0 ? this.sources.get(subscriber.slice(0, colon)) : undefined;
  }

  /** The most deliveries one cascade may make. */
  get maxHops(): number {
    return this.deps.maxHops ?? DEFAULT_MAX_HOPS;
  }

  /**
   * Validates, persists and queues an event for its subscribers. Publishing the same id again queues
   * nothing twice (the deliveries' job ids are fixed), so a publisher may retry after any failure.
   *
   * An event published while another is handled (`parent`) continues its cascade: one hop further, its
   * path (`visited`) the parent's plus the publisher. A subscriber already on the path is not delivered to
   * (a cycle), nor is anyone once the cascade has made `maxHops` deliveries in a row; each such stop is
   * recorded as a stopped link with the event.
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
    const { parent } = input;
    const publisher = input.via ?? sourceKey(input.source);
    const recorded: NewEvent = {
      id,
      kind: input.kind,
      payload: parsed.data as JsonObject,
      trust_level: input.trust_level,
      source: input.source,
      correlation_id: input.correlation_id ?? null,
      cascade_id: parent ? parent.cascade_id : id,
      hop: parent ? parent.hop + 1 : 0,
      parent_id: parent?.id ?? null,
      visited: parent ? [...parent.visited.filter((v) => v !== publisher), publisher] : [publisher],
    };
    const stopped: CascadeLink[] = [];
    const deliver: string[] = [];
    for (const target of await this.subscribersOf(recorded)) {
      const reason = recorded.visited.includes(target) ? 'cycle' : recorded.hop >= this.maxHops ? 'hop_limit' : null;
      if (reason) stopped.push(linkOf(recorded, target, { outcome: 'stopped', reason }));
      else deliver.push(target);
    }
    const { event } = await this.deps.store.appendEvent(recorded, stopped);
    await this.deps.queue.addBulk(deliver.map((subscriber) => this.deliveryJob(event, subscriber)));
    return event;
  }

  /** The delivery job of `event` to `subscriber`: its id fixed per pair, prioritised by kind, retried with backoff. */
  private deliveryJob(event: Pick<ForgeEvent, 'id' | 'kind'>, subscriber: string) {
    return {
      name: 'deliver',
      data: { event_id: event.id, subscriber },
      opts: {
        // BullMQ job ids may not hold ':' (overlay subscribers are `overlay:<name>`).
        jobId: `${event.id}.${subscriber.replaceAll(':', '~')}`,
        priority: deliveryPriority(event.kind),
        attempts: this.deps.attempts ?? 5,
        backoff: { type: 'exponential', delay: this.deps.backoffMs ?? 500 },
        removeOnComplete: { age: 3600, count: 10_000 },
        removeOnFail: { age: 7 * 24 * 3600 },
      },
    };
  }

  /**
   * Re-drives a dead-lettered delivery: the failed job is removed and queued again under its id, with fresh
   * attempts. A subscriber that handled the event in the meantime skips it.
   * @throws NotFoundError when the event is no longer in the store
   */
  async redeliver(delivery: EventDeliveryJob): Promise<void> {
    const event = await this.deps.store.getEvent(delivery.event_id);
    if (!event) throw new NotFoundError('event', delivery.event_id);
    const job = this.deliveryJob(event, delivery.subscriber);
    await (await this.deps.queue.getJob(job.opts.jobId))?.remove();
    await this.deps.queue.addBulk([job]);
  }

  /**
   * Replays recorded events to one subscriber (a newly activated overlay catching up, a handler that was
   * fixed): every event after `after_seq` (up to `until_seq`, of `kind` when given) that the subscriber
   * subscribes to and may read is queued for it again. What it already handled is skipped on delivery, so
   * a replay never applies an event twice. Returns how many deliveries were queued.
   */
  async replay(options: { subscriber: string; after_seq: number; until_seq?: number; kind?: string; limit?: number }): Promise<number> {
    const limit = options.limit ?? 10_000;
    let queued = 0;
    for (let after = options.after_seq; queued < limit;) {
      const page = await this.deps.store.listEvents({ after_seq: after, limit: 500, ...(options.kind ? { kind: options.kind } : {}) });
      const due = page.filter((e) => options.until_seq === undefined || e.seq <= options.until_seq);
      const jobs = [];
      for (const event of due) {
        if (queued + jobs.length >= limit) break;
        if (!(await this.subscribersOf(event)).includes(options.subscriber) || (await this.deps.store.wasDelivered(event.id, options.subscriber))) continue;
        const job = this.deliveryJob(event, options.subscriber);
        // A delivery already waiting or running is left to finish; a finished one kept under the same id is
        // removed, so the delivery can be queued again.
        const existing = await this.deps.queue.getJob(job.opts.jobId);
        if (existing) {
          const state = await existing.getState();
          if (state !== 'completed' && state !== 'failed') continue;
          await existing.remove();
        }
        jobs.push(job);
      }
      if (jobs.length) await this.deps.queue.addBulk(jobs);
      queued += jobs.length;
      if (page.length < 500 || due.length < page.length) return queued;
      after = (page.at(-1) as ForgeEvent).seq;
    }
    return queued;
  }

  /** The event worker's processor: hands the event to its subscriber unless it already handled it. */
  async deliver(job: Pick<Job<EventDeliveryJob>, 'data'>): Promise<{ delivered: boolean }> {
    const { event_id, subscriber } = job.data;
    const entry = this.subscribers.get(subscriber);
    const source = entry ? undefined : this.sourceOf(subscriber);
    if (!entry && !source) throw new Error(`no event subscriber ${subscriber} in this process`);
    if (await this.deps.store.wasDelivered(event_id, subscriber)) return { delivered: false };
    const event = await this.deps.store.getEvent(event_id);
    if (!event) throw new Error(`event ${event_id} is not in the store`);
    let target_id: string | null = null;
    if (entry) await entry.handler(event);
    else if (source) ({ target_id } = await source.handle(subscriber, event));
    await this.deps.store.markDelivered(event_id, subscriber, linkOf(event, subscriber, { outcome: 'delivered', target_id }));
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
