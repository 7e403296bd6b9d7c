import type { FlowProducer, Job, Queue } from 'bullmq';
import type { ForgeQueues } from '../flows/queues.js';
import type { ForgeConfig, Phase } from '../config/index.js';
import { mayObserve } from '../auth/policy.js';
import { NotFoundError } from '../errors.js';
import { EVENT_QUEUE, EventDeliveryJob, type EventBus } from '../events/bus.js';
import { buildRequestFlow, phaseJobId, phaseJobOptions, QUEUE_OF, requestJobData, type DeadLetter } from '../flows/request-flow.js';
import type { Caller, GraphStore } from '../store/graph-store.js';

export interface DeadLetterFilter {
  /** Queue the job failed in (a phase name). */
  readonly queue?: string;
  /** Case-insensitive text the error message contains. */
  readonly error?: string;
  /** ISO time; letters that failed at or after it. */
  readonly since?: string;
  /** ISO time; letters that failed before it. */
  readonly until?: string;
  readonly request_id?: string;
}

export interface DeadLetterView extends DeadLetter {
  readonly id: string;
}

export interface RetryOutcome {
  readonly id: string;
  /** What happened: the job re-added where it failed, the request's flow re-driven, or nothing needed. */
  readonly action: 'job_readded' | 'flow_redriven' | 'nothing_to_do';
  readonly detail: string;
}

/** How many letters one list/retry/purge call looks at, at most. */
const SCAN_LIMIT = 10_000;
/** The label of a letter whose request or event cannot be found: only CORE sees it. */
const CORE_LABEL = 100;

/**
 * Operator access to the dead-letter queue: list and filter, show, re-drive, purge. A re-driven job runs
 * in the same place it failed: a metrics or storage job is added again under its own id; a pipeline phase
 * re-drives its request's flow (the request is reopened, its old jobs removed and the flow added again),
 * so the request completes; an event delivery is queued again for its subscriber. The letter is removed
 * once it has been re-driven.
 */
interface DeadLetterDeps {
  readonly config: ForgeConfig;
  readonly store: GraphStore;
  readonly deadLetters: Queue;
  readonly queues: Pick<ForgeQueues, 'forRequest'>;
  readonly flows: FlowProducer;
  /** Re-drives event deliveries (letters from the `events` queue). */
  readonly events: Pick<EventBus, 'redeliver'>;
}

export class DeadLetterService {
  private readonly deps: DeadLetterDeps;

  constructor(deps: DeadLetterDeps) {
    this.deps = deps;
  }

  private view(job: Job<DeadLetter>): DeadLetterView {
    return { id: String(job.id), ...job.data };
  }

  private async all(): Promise<Array<Job<DeadLetter>>> {
    const jobs = (await this.deps.deadLetters.getJobs(['waiting', 'prioritized', 'delayed'], 0, SCAN_LIMIT - 1, true)) as Array<Job<DeadLetter> | undefined>;
    return jobs.filter((j): j is Job<DeadLetter> => j !== undefined);
  }

  /**
   * A letter's label: its job data carries what its request (or event) carries, so it is labelled as that
   * request's caller (or that event). A letter that names neither, or whose record is gone, is CORE's.
   */
  private async label(letter: DeadLetter): Promise<number> {
    if (letter.queue === EVENT_QUEUE) {
      const delivery = EventDeliveryJob.safeParse(letter.data);
      const event = delivery.success ? await this.deps.store.getEvent(delivery.data.event_id) : null;
      return event ? event.trust_level : CORE_LABEL;
    }
    const record = letter.request_id ? await this.deps.store.getRequest(letter.request_id) : null;
    return record ? record.caller.trust_level : CORE_LABEL;
  }

  /** The letters `caller` may see: those labelled at or below its trust. */
  private async visible(caller: Caller, jobs: ReadonlyArray<Job<DeadLetter>>): Promise<Array<Job<DeadLetter>>> {
    const labels = await Promise.all(jobs.map((j) => this.label(j.data)));
    return jobs.filter((_, i) => mayObserve(caller.trust_level, labels[i] as number));
  }

  private matches(letter: DeadLetter, filter: DeadLetterFilter): boolean {
    if (filter.queue && letter.queue !== filter.queue) return false;
    if (filter.request_id && letter.request_id !== filter.request_id) return false;
    if (filter.error && !letter.error.message.toLowerCase().includes(filter.error.toLowerCase())) return false;
    if (filter.since && letter.failed_at < filter.since) return false;
    if (filter.until && letter.failed_at >= filter.until) return false;
    return true;
  }

  async list(caller: Caller, filter: DeadLetterFilter, page: { limit: number; offset: number }): Promise<{ items: DeadLetterView[]; total: number }> {
    const matching = (
      await this.visible(
        caller,
        (await this.all()).filter((j) => this.matches(j.data, filter)),
      )
    ).sort((a, b) => (a.data.failed_at < b.data.failed_at ? 1 : -1));
    return { items: matching.slice(page.offset, page.offset + page.limit).map((j) => this.view(j)), total: matching.length };
  }

  /** A letter `caller` may see; one above it does not exist for it. @throws NotFoundError */
  private async job(caller: Caller, id: string): Promise<Job<DeadLetter>> {
    const job = (await this.deps.deadLetters.getJob(id)) as Job<DeadLetter> | undefined;
    if (!job || !mayObserve(caller.trust_level, await this.label(job.data))) throw new NotFoundError('dead letter', id);
    return job;
  }

  async show(caller: Caller, id: string): Promise<DeadLetterView> {
    return this.view(await this.job(caller, id));
  }

  async retry(caller: Caller, id: string): Promise<RetryOutcome> {
    const job = await this.job(caller, id);
    const outcome = await this.redrive(caller, job.data);
    await job.remove();
    return { id, ...outcome };
  }

  async retryAll(caller: Caller, filter: DeadLetterFilter): Promise<RetryOutcome[]> {
    const outcomes: RetryOutcome[] = [];
    const redriven = new Set<string>();
    for (const job of await this.visible(
      caller,
      (await this.all()).filter((j) => this.matches(j.data, filter)),
    )) {
      // One request's several letters (e.g. context and analysis) need one re-drive.
      const key = job.data.request_id && !['metrics', 'storage'].includes(job.data.queue) ? `flow:${job.data.request_id}` : `job:${job.id}`;
      if (redriven.has(key)) {
        await job.remove();
        outcomes.push({ id: String(job.id), action: 'nothing_to_do', detail: 'its request was re-driven by another letter' });
        continue;
      }
      redriven.add(key);
      outcomes.push(await this.retry(caller, String(job.id)));
    }
    return outcomes;
  }

  /** Removes every matching letter; one audit entry names the actor, the filter and what went. */
  async purge(caller: Caller, filter: DeadLetterFilter): Promise<number> {
    const removed: Array<{ id: string; request_id: string | null; queue: string }> = [];
    for (const job of await this.visible(
      caller,
      (await this.all()).filter((j) => this.matches(j.data, filter)),
    )) {
      await job.remove();
      removed.push({ id: String(job.id), request_id: job.data.request_id, queue: job.data.queue });
    }
    await this.deps.store.appendAudit({
      actor_id: caller.id,
      action: 'dead-letter.purge',
      entity_type: 'dead-letter',
      entity_id: '*',
      details: { filter: { ...filter }, count: removed.length, letters: removed.slice(0, 1000) },
    });
    return removed.length;
  }

  async remove(caller: Caller, id: string): Promise<void> {
    const job = await this.job(caller, id);
    await job.remove();
    await this.deps.store.appendAudit({
      actor_id: caller.id,
      action: 'dead-letter.delete',
      entity_type: 'dead-letter',
      entity_id: id,
      details: { request_id: job.data.request_id, queue: job.data.queue, error: job.data.error.message },
    });
  }

  private async redrive(caller: Caller, letter: DeadLetter): Promise<Omit<RetryOutcome, 'id'>> {
    const { config, store, flows } = this.deps;
    if (letter.queue === EVENT_QUEUE) {
      const delivery = EventDeliveryJob.parse(letter.data);
      await this.deps.events.redeliver(delivery);
      return { action: 'job_readded', detail: `delivery of event ${delivery.event_id} to ${delivery.subscriber} queued again` };
    }
    const phase = (Object.keys(QUEUE_OF) as Phase[]).find((p) => QUEUE_OF[p] === letter.queue);
    if (!phase) return { action: 'nothing_to_do', detail: `queue ${letter.queue} is not a pipeline queue` };

    const requestId = letter.request_id;
    if (!requestId) return { action: 'nothing_to_do', detail: 'the letter names no request' };
    // Every job of a request is in its request's queue partition.
    const queues = this.deps.queues.forRequest(requestId);

    if (phase === 'metrics' || phase === 'storage') {
      // Same job id: remove the failed original, then add it again.
      await (await queues[phase].getJob(letter.job_id))?.remove();
      await queues[phase].add(phase, letter.data, { ...phaseJobOptions(config, phase), jobId: letter.job_id });
      return { action: 'job_readded', detail: `${phase} job ${letter.job_id} added again` };
    }

    const record = await store.getRequest(requestId);
    if (!record) throw new NotFoundError('request', requestId);
    if (record.status !== 'failed') return { action: 'nothing_to_do', detail: `request ${requestId} is ${record.status}` };
    // Remove the failed flow (the root removes its children), then add it again under the same ids.
    const root = await queues.intelligence.getJob(phaseJobId(requestId, 'intelligence'));
    await root?.remove({ removeChildren: true });
    for (const p of ['optimization', 'context', 'analysis', 'security'] as const) await (await queues[p].getJob(phaseJobId(requestId, p)))?.remove();
    await store.reopenRequest(requestId, { actor_id: caller.id });
    await flows.add(buildRequestFlow(config, requestJobData(record)));
    return { action: 'flow_redriven', detail: `request ${requestId} re-driven from the start of its flow` };
  }
}
