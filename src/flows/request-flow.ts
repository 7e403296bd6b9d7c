import type { FlowJob, JobsOptions } from 'bullmq';
import type { ForgeConfig, Phase } from '../config/index.js';
import type { Caller, PhaseTiming, RequestRecord } from '../store/graph-store.js';
import type { CachedAnswer } from '../fleet/fleet-state.js';

/**
 * The shape of a request as BullMQ jobs, and everything that must agree between the producer that adds
 * the flow and the workers that run it: queue names, job ids, job data and each phase's output.
 *
 *   intelligence (root; its return value is the answer)
 *     └─ optimization                     failParentOnFailure
 *          ├─ context                     failParentOnFailure      (fatal after its retries)
 *          ├─ analysis                    ignoreDependencyOnFailure (optimization gets a fallback marker)
 *          └─ security                    failParentOnFailure      (a denial completes: `refused`)
 *   on the root's success: metrics + storage jobs (`followUpJobs`), added by the intelligence worker in
 *   one MULTI.
 *
 * With these options every failure of a child either fails its parent or is ignored by it, so no parent
 * can wait in `waiting-children` for a child that has ended. A refusal is not a failure: security completes
 * with `{refused}` (the request already recorded as rejected), and optimization and intelligence complete
 * passing it on without running, so the queues show it as what it is.
 */

/** Queue of each phase. Names carry no `:`; every queue shares the configured `{hash tag}` prefix. */
export const QUEUE_OF: Readonly<Record<Phase, string>> = {
  context: 'context',
  analysis: 'analysis',
  security: 'security',
  optimization: 'optimization',
  intelligence: 'intelligence',
  metrics: 'metrics',
  storage: 'storage',
};
export const DEAD_LETTER_QUEUE = 'dead-letter';

/** Phases whose final failure ends the request as failed (security's denial ends it as rejected). */
export const FATAL_PHASES: ReadonlySet<Phase> = new Set(['context', 'security', 'optimization', 'intelligence']);

/**
 * Job id of a request's phase: `<requestId>.<phase>`. Deterministic, so re-adding a request's flow or a
 * retry never creates a second job. (BullMQ reserves `:` in custom ids, hence the dot.)
 */
export function phaseJobId(requestId: string, phase: Phase): string {
  return `${requestId}.${phase}`;
}

/** Data every job of a request carries. Small by design: phases pass results through return values. */
export interface RequestJobData {
  readonly request_id: string;
  readonly correlation_id: string;
  readonly query: string;
  readonly caller: Caller;
  readonly required_trust: number;
  readonly save_as_capsule: boolean;
}

export interface TimedOutput {
  readonly timing: PhaseTiming;
  /** What the overlays bound to the phase returned, by overlay name; absent when none is bound. */
  readonly overlays?: Readonly<Record<string, { success: boolean; result: unknown; error: { code: string; message: string } | null }>>;
}

export interface ContextOutput extends TimedOutput {
  /** What search retrieved, by reference: the answer reads the content from the store (so it does not travel through Redis twice). */
  readonly capsules: ReadonlyArray<{ id: string; version: string; trust_level: number; score: number }>;
  readonly profile: { readonly caller_id: string; readonly roles: readonly string[]; readonly trust_level: number };
}

export interface AnalysisOutput extends TimedOutput {
  /** 0 (trivial) to 1 (complex). */
  readonly complexity: number;
  readonly keywords: readonly string[];
  readonly entities: readonly string[];
  readonly word_count: number;
}

/** What optimization sees in place of analysis when analysis failed after its retries. */
export interface AnalysisFallback {
  readonly fallback: true;
  readonly error: string;
}

export interface SecurityOutput extends TimedOutput {
  readonly allowed: true;
  readonly checks: readonly string[];
}

/** Why a phase refused a request (security's denial): the request ends `rejected` with it as its error. */
export interface Refusal {
  readonly phase: Phase;
  readonly code: string;
  readonly message: string;
}

/** The output of a phase that refused the request, and of each phase after it, which passes it on without running. */
export interface RefusedOutput extends TimedOutput {
  readonly refused: Refusal;
}

/** The refusal among a job's children's values (`getChildrenValues`), if one refused. */
export function refusalOf(values: Readonly<Record<string, unknown>>): Refusal | null {
  for (const value of Object.values(values)) {
    const refused = (value as Partial<RefusedOutput> | null)?.refused;
    if (refused && typeof refused.message === 'string') return refused;
  }
  return null;
}

/** What intelligence needs, and no more: this value is stored twice in Redis for every request. */
export interface OptimizationOutput extends TimedOutput {
  readonly capsules: ContextOutput['capsules'];
  /** What the answer's record keeps of the analysis. */
  readonly analysis: Pick<AnalysisOutput, 'complexity' | 'keywords'> | AnalysisFallback;
  /** Timings of the phases optimization waited for (analysis absent when it fell back). */
  readonly timings: Readonly<Partial<Record<'context' | 'analysis' | 'security', PhaseTiming>>>;
  readonly parameters: { readonly max_sentences: number; readonly max_citations: number };
  /** Overlay reports of the phases so far, by phase. */
  readonly overlay_reports: Readonly<Record<string, unknown>>;
  readonly cache_key: string;
  /** Present on a cache hit. */
  readonly cached: Omit<CachedAnswer, 'parameters'> | null;
}

export interface IntelligenceOutput extends TimedOutput {
  readonly answer: string;
  readonly citations: readonly string[];
}

export interface MetricsJobData {
  readonly request_id: string;
  readonly status: string;
  readonly total_ms: number;
  /** Each phase's duration (ms): what the counters add up, and no more (job data is stored, and logged, by Redis). */
  readonly phase_ms: Readonly<Record<string, number>>;
}

export interface StorageJobData {
  readonly request_id: string;
}

/** A job that exhausted its attempts, as kept in the dead-letter queue. */
export interface DeadLetter {
  readonly queue: string;
  readonly job_id: string;
  readonly job_name: string;
  readonly request_id: string | null;
  readonly data: unknown;
  readonly error: { readonly name: string; readonly code: string | null; readonly message: string; readonly stack: string | null };
  readonly attempts: number;
  readonly failed_at: string;
}

/** The job data of a recorded request. */
export function requestJobData(record: Pick<RequestRecord, 'id' | 'correlation_id' | 'query' | 'caller' | 'required_trust' | 'save_as_capsule'>): RequestJobData {
  return {
    request_id: record.id,
    correlation_id: record.correlation_id,
    query: record.query,
    caller: record.caller,
    required_trust: record.required_trust,
    save_as_capsule: record.save_as_capsule,
  };
}

/** Retry and retention options of one phase's jobs. */
export function phaseJobOptions(config: ForgeConfig, phase: Phase): JobsOptions {
  const settings = config.phases[phase];
  return {
    attempts: settings.attempts,
    backoff: { type: 'exponential', delay: settings.backoffMs },
    removeOnComplete: { age: 3600, count: 2000 },
    removeOnFail: { age: 7 * 24 * 3600 },
  };
}

/**
 * The queue partition a request's jobs live in, all of them (its flow and its fire-and-forget jobs): one
 * of `config.queuePartitions`, chosen by the request id (FNV-1a), so requests spread evenly over them.
 */
export function partitionOf(config: Pick<ForgeConfig, 'queuePartitions'>, requestId: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < requestId.length; i++) h = Math.imul(h ^ requestId.charCodeAt(i), 0x01000193);
  return (h >>> 0) % config.queuePartitions.length;
}

/** The queue prefix (hash tag) of a request's partition. */
export function requestPrefix(config: Pick<ForgeConfig, 'queuePartitions'>, requestId: string): string {
  return config.queuePartitions[partitionOf(config, requestId)] as string;
}

/** The flow of one request. */
export function buildRequestFlow(config: ForgeConfig, data: RequestJobData): FlowJob {
  const prefix = requestPrefix(config, data.request_id);
  const child = (phase: Phase, failure: JobsOptions): FlowJob => ({
    name: phase,
    queueName: QUEUE_OF[phase],
    prefix,
    data,
    opts: { ...phaseJobOptions(config, phase), ...failure, jobId: phaseJobId(data.request_id, phase) },
  });
  return {
    name: 'intelligence',
    queueName: QUEUE_OF.intelligence,
    prefix,
    data,
    opts: { ...phaseJobOptions(config, 'intelligence'), jobId: phaseJobId(data.request_id, 'intelligence') },
    children: [
      {
        ...child('optimization', { failParentOnFailure: true }),
        children: [child('context', { failParentOnFailure: true }), child('analysis', { ignoreDependencyOnFailure: true }), child('security', { failParentOnFailure: true })],
      },
    ],
  };
}

/**
 * The fire-and-forget jobs of a completed request: metrics and storage, retried on their own and
 * dead-lettered when they keep failing. Added together (`FlowProducer.addBulk`, one MULTI) by the
 * intelligence phase once the answer is recorded.
 */
export function followUpJobs(config: ForgeConfig, metrics: MetricsJobData): FlowJob[] {
  const storage: StorageJobData = { request_id: metrics.request_id };
  const job = (phase: 'metrics' | 'storage', data: MetricsJobData | StorageJobData): FlowJob => ({
    name: phase,
    queueName: QUEUE_OF[phase],
    prefix: requestPrefix(config, metrics.request_id),
    data,
    opts: { ...phaseJobOptions(config, phase), jobId: phaseJobId(metrics.request_id, phase) },
  });
  return [job('metrics', metrics), job('storage', storage)];
}
