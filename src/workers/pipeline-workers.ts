import { UnrecoverableError, Worker, type ConnectionOptions, type Job, type Queue, type Telemetry } from 'bullmq';
import type { RequestOutcomes } from './request-outcome.js';
import { TamperedJobError, type RequestIdentity } from './request-identity.js';
import type { Caller } from '../store/graph-store.js';
import { PHASES, type ForgeConfig, type Phase } from '../config/index.js';
import { ForgeError, PhaseTimeoutError, SecurityDeniedError } from '../errors.js';
import { FATAL_PHASES, QUEUE_OF, refusalOf, type DeadLetter, type Refusal, type RequestJobData } from '../flows/request-flow.js';
import type { PhaseTiming } from '../store/graph-store.js';
import type { PhaseTelemetry } from '../metrics/prometheus.js';
import type { PhaseContext, PhaseHandlers } from './phases/index.js';

export interface PipelineWorkerOptions {
  readonly config: ForgeConfig;
  /** Worker connection; must have `maxRetriesPerRequest: null`. BullMQ duplicates it for blocking calls. */
  readonly connection: ConnectionOptions;
  /** Ends a request whose fatal phase failed for good. */
  readonly outcomes: RequestOutcomes;
  /** Checks each request phase's job against its stored record and gives the caller to act for. */
  readonly identity: RequestIdentity;
  readonly handlers: PhaseHandlers;
  readonly deadLetters: Queue;
  /** Receives each attempt's duration and outcome (Prometheus). */
  readonly telemetry?: PhaseTelemetry;
  /** Phases to run here. @defaultValue every phase */
  readonly phases?: readonly Phase[];
  /** BullMQ's tracing (a span per job, in its request's trace), when on. */
  readonly tracing?: Telemetry | undefined;
}

export interface PipelineWorkers {
  /** The workers of each phase, one per queue partition. */
  readonly workers: ReadonlyMap<Phase, readonly Worker[]>;
  /**
   * Stops taking jobs and waits up to `drainMs` for the active ones to finish; then drops the connections.
   * A job still running then is not lost: its lock expires and another worker takes it over (stalled job).
   */
  close(drainMs?: number): Promise<void>;
}

/** Phases that act for a request's caller (the fire-and-forget ones read the record themselves). */
const REQUEST_PHASES: ReadonlySet<Phase> = new Set(['context', 'analysis', 'security', 'optimization', 'intelligence']);

/** Phases that pass a child's refusal on without running (their handlers never see a refused request). */
const PASS_REFUSAL_ON: ReadonlySet<Phase> = new Set(['optimization', 'intelligence']);

/** Errors the runner already dead-lettered and recorded, so the `failed` event does not do it twice. */
const finalized = new WeakSet<Error>();

function isFinalAttempt(job: Job, err: unknown): boolean {
  if (err instanceof ForgeError && !err.retryable) return true;
  if (err instanceof Error && err.name === 'UnrecoverableError') return true;
  return job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}

function requestIdOf(job: Job): string | null {
  const data = job.data as Partial<RequestJobData> | undefined;
  return typeof data?.request_id === 'string' ? data.request_id : null;
}

/**
 * Runs every pipeline phase as a BullMQ worker. Each attempt runs under the phase's timeout; an attempt
 * that throws is retried with exponential backoff; the final failure is copied to the dead-letter queue
 * (before BullMQ records it as failed, so a crash in between cannot lose it) and, for a fatal phase,
 * ends the request as failed. A denial is not a failure: the request ends rejected and the job completes
 * with the refusal (`refuse`).
 */
export function startPipelineWorkers(options: PipelineWorkerOptions): PipelineWorkers {
  const { config, connection, outcomes, identity, handlers, deadLetters, telemetry } = options;

  async function finalizeFailure(phase: Phase, job: Job, err: Error, attempts: number): Promise<void> {
    const requestId = requestIdOf(job);
    const letter: DeadLetter = {
      queue: job.queueName,
      job_id: String(job.id),
      job_name: job.name,
      request_id: requestId,
      data: job.data,
      error: { name: err.name, code: err instanceof ForgeError ? err.code : null, message: err.message, stack: err.stack ?? null },
      attempts,
      failed_at: new Date().toISOString(),
    };
    // One letter per failed job instance: a retry of the same failure finds its letter, a re-driven job that
    // fails again (same job id, new timestamp) gets a new one.
    await deadLetters.add(job.queueName, letter, { jobId: `${String(job.id)}.${job.timestamp}`, removeOnComplete: true });
    // A job naming no stored request has no request to end.
    const orphan = err instanceof TamperedJobError && err.fields.includes('request_id');
    if (requestId && FATAL_PHASES.has(phase) && !orphan) {
      await outcomes.ended(requestId, { status: 'failed', error: { phase, code: err instanceof ForgeError ? err.code : 'phase_failed', message: err.message } });
    }
  }

  /**
   * A denial (security's, or a required overlay's in any phase of a request): the request ends `rejected` at
   * once (as fast as a failure would end it), and the job completes with the refusal, which the phases after
   * it pass on. Not dead-lettered, not retried: an answer, not a fault.
   */
  async function refuse(phase: Phase, job: Job, err: SecurityDeniedError): Promise<Refusal> {
    const refusal: Refusal = { phase, code: err.code, message: err.message };
    const requestId = requestIdOf(job);
    if (requestId) await outcomes.ended(requestId, { status: 'rejected', error: refusal });
    await job.log(err.message);
    return refusal;
  }

  function processorFor(phase: Phase) {
    const handler = handlers[phase] as (ctx: Omit<PhaseContext<unknown>, 'caller'> & { readonly caller: Caller | null }) => Promise<object>;
    const { timeoutMs } = config.phases[phase];
    return async (job: Job): Promise<object> => {
      const started = Date.now();
      const startedAt = new Date(started).toISOString();
      const attempt = job.attemptsMade + 1;
      const timing = (): PhaseTiming => ({ started_at: startedAt, duration_ms: Date.now() - started, attempt });
      // Made when a handler first asks for its signal (most never do; an AbortSignal is not free).
      let controller: AbortController | undefined;
      let timedOut = false;
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          timedOut = true;
          // Reject first: the handler may reject synchronously on abort, and the timeout must win the race.
          reject(new PhaseTimeoutError(phase, timeoutMs));
          controller?.abort();
        }, timeoutMs);
      });
      try {
        const caller: Caller | null = REQUEST_PHASES.has(phase) ? await identity.verify(job.data) : null;
        let children: Promise<Record<string, unknown>> | undefined;
        const context = {
          job,
          data: job.data,
          caller,
          attempt,
          timing,
          get signal() {
            if (!controller) {
              controller = new AbortController();
              if (timedOut) controller.abort();
            }
            return controller.signal;
          },
          children: () => (children ??= job.getChildrenValues()),
        };
        const run = async (): Promise<object> => {
          if (PASS_REFUSAL_ON.has(phase)) {
            const refused = refusalOf(await context.children());
            if (refused) return { refused };
          }
          try {
            return await handler(context);
          } catch (err) {
            if (err instanceof SecurityDeniedError && REQUEST_PHASES.has(phase)) return { refused: await refuse(phase, job, err) };
            throw err;
          }
        };
        const output = await Promise.race([run(), deadline]);
        telemetry?.phase(phase, (Date.now() - started) / 1000, 'refused' in output ? 'refused' : 'ok');
        return { ...output, timing: timing() };
      } catch (caught) {
        const err = caught instanceof Error ? caught : new Error(String(caught));
        const final = isFinalAttempt(job, err);
        telemetry?.phase(phase, (Date.now() - started) / 1000, final ? 'failed' : 'retry');
        if (!final) throw err;
        await finalizeFailure(phase, job, err, attempt);
        // BullMQ must not retry what cannot succeed; keep the original message and class name visible.
        const thrown = err instanceof ForgeError && !err.retryable ? new UnrecoverableError(`${err.name}: ${err.message}`) : err;
        finalized.add(thrown);
        throw thrown;
      } finally {
        clearTimeout(timer);
      }
    };
  }

  // One worker per phase and queue partition: every process consumes every partition.
  const workers = new Map<Phase, Worker[]>();
  for (const phase of options.phases ?? PHASES)
    for (const prefix of config.queuePartitions) {
      const worker = new Worker(QUEUE_OF[phase], processorFor(phase), {
        connection,
        prefix,
        concurrency: config.phases[phase].concurrency,
        lockDuration: config.locks.durationMs,
        stalledInterval: config.locks.stalledIntervalMs,
        maxStalledCount: config.locks.maxStalled,
        ...(options.tracing ? { telemetry: options.tracing } : {}),
      });
      // Failures that never reached the processor's catch (a job that stalled too often) are finalized here.
      // A parent failed by its child (`deferredFailure`) needs nothing: the child was finalized.
      worker.on('failed', (job, err) => {
        if (!job || finalized.has(err) || job.deferredFailure) return;
        if (err.name !== 'UnrecoverableError' && job.attemptsMade < (job.opts.attempts ?? 1)) return;
        finalizeFailure(phase, job, err, job.attemptsMade).catch((e: unknown) => worker.emit('error', e as Error));
      });
      worker.on('error', (err) => {
        // Connection errors are retried by ioredis; surface everything else.
        if ((err as NodeJS.ErrnoException).code !== 'ECONNREFUSED') console.error(`[forge] ${phase} worker error:`, err.message);
      });
      workers.set(phase, [...(workers.get(phase) ?? []), worker]);
    }
  return {
    workers,
    async close(drainMs = config.shutdownDrainMs) {
      await closeWorkers([...workers.values()].flat(), drainMs);
    },
  };
}

/**
 * Closes workers gracefully within `drainMs`, then disconnects the ones still closing. (A worker whose
 * blocking connection is reconnecting may never finish `close()`; the deadline keeps shutdown bounded.)
 */
export async function closeWorkers(workers: readonly Worker[], drainMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const closing = workers.map((w) => w.close().then(() => w));
  const closed = new Set<Worker>();
  for (const p of closing)
    void p.then(
      (w) => closed.add(w),
      () => undefined,
    );
  await Promise.race([Promise.allSettled(closing), new Promise((resolve) => (timer = setTimeout(resolve, drainMs)))]);
  clearTimeout(timer);
  await Promise.all(
    workers.filter((w) => !closed.has(w)).map((w) => Promise.race([w.disconnect().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 1000).unref())])),
  );
}
