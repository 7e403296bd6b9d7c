import type { FlowProducer, Job } from 'bullmq';
import type { ForgeConfig, Phase } from '../../config/index.js';
import type { AnswerCache } from '../../fleet/fleet-state.js';
import type {
  AnalysisOutput,
  ContextOutput,
  IntelligenceOutput,
  MetricsJobData,
  OptimizationOutput,
  RequestJobData,
  SecurityOutput,
  StorageJobData,
} from '../../flows/request-flow.js';
import type { Intelligence } from '../../intelligence/intelligence.js';
import type { OverlayExecutor, PhaseOverlayReport } from '../../overlays/executor.js';
import type { Embedder } from '../../search/embedder.js';
import type { CapsuleService } from '../../services/capsules.js';
import type { Caller, GraphStore, PhaseTiming } from '../../store/graph-store.js';
import type { RequestOutcomes } from '../request-outcome.js';
import type { FleetState } from '../../fleet/fleet-state.js';

/** What a phase handler gets for one attempt of one job. */
export interface PhaseContext<D> {
  readonly job: Job<D>;
  readonly data: D;
  /** Aborted when the phase's timeout fires; long work should stop then. */
  readonly signal: AbortSignal;
  /** 1 on the first attempt. */
  readonly attempt: number;
  /**
   * Whom a request's phase acts for: the caller of the stored request record (verified against the job's
   * data by the runner). Null for the fire-and-forget jobs, which read the record themselves.
   */
  readonly caller: D extends RequestJobData ? Caller : null;
  /** The phase's timing so far (the runner adds the final timing to every output). */
  timing(): PhaseTiming;
  /** The values of the job's children (`job.getChildrenValues()`), read once per attempt. */
  children(): Promise<Record<string, unknown>>;
}

export type Untimed<T> = Omit<T, 'timing'>;

/** One function per phase. Tests replace entries through `ForgeOverrides.handlers`. */
export interface PhaseHandlers {
  context(ctx: PhaseContext<RequestJobData>): Promise<Untimed<ContextOutput>>;
  analysis(ctx: PhaseContext<RequestJobData>): Promise<Untimed<AnalysisOutput>>;
  security(ctx: PhaseContext<RequestJobData>): Promise<Untimed<SecurityOutput>>;
  optimization(ctx: PhaseContext<RequestJobData>): Promise<Untimed<OptimizationOutput>>;
  intelligence(ctx: PhaseContext<RequestJobData>): Promise<Untimed<IntelligenceOutput>>;
  metrics(ctx: PhaseContext<MetricsJobData>): Promise<{ recorded: number }>;
  storage(ctx: PhaseContext<StorageJobData>): Promise<{ audit_seq: number; saved_capsule_id: string | null }>;
}

/** Everything the built-in phases use; each phase module takes the part it needs. */
export interface PhaseDeps {
  readonly config: ForgeConfig;
  readonly store: GraphStore;
  readonly capsules: CapsuleService;
  readonly embedder: Embedder;
  readonly intelligence: Intelligence;
  readonly cache: AnswerCache;
  readonly counters: FleetState['requests'];
  /** Ends requests: the store record and the `request.finished` event. */
  readonly outcomes: RequestOutcomes;
  /** Adds the fire-and-forget jobs (metrics, storage) together, in one round trip. */
  readonly flows: FlowProducer;
  /** Runs the active overlays bound to a phase. */
  readonly overlays: Pick<OverlayExecutor, 'runPhase'>;
}

/** The request as overlays see it. */
export function overlayRequest(data: RequestJobData, caller: Caller) {
  return { id: data.request_id, query: data.query, caller: { id: caller.id, roles: caller.roles, trust_level: caller.trust_level } };
}

export const withOverlays = (report: PhaseOverlayReport | null) => (report ? { overlays: report } : {});

/** `getChildrenValues` keys are `<prefix>:<queue>:<jobId>`; find the value of one phase. */
export function childValue<T>(values: Record<string, unknown>, phase: Phase): T | undefined {
  for (const [key, value] of Object.entries(values)) if (key.endsWith(`.${phase}`)) return value as T;
  return undefined;
}
