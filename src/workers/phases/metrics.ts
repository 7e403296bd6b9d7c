import type { MetricsJobData } from '../../flows/request-flow.js';
import type { PhaseTiming } from '../../store/graph-store.js';
import type { PhaseDeps, PhaseHandlers } from './types.js';

/** A metrics job queued by a version that sent each phase's whole timing rather than its duration. */
type EarlierMetricsJobData = Omit<MetricsJobData, 'phase_ms'> & { readonly phase_timings?: Readonly<Record<string, PhaseTiming>> };

function phaseMs(data: MetricsJobData | EarlierMetricsJobData): Readonly<Record<string, number>> {
  if ('phase_ms' in data) return data.phase_ms;
  return Object.fromEntries(Object.entries(data.phase_timings ?? {}).map(([phase, t]) => [phase, t.duration_ms]));
}

/** Fire-and-forget: a completed request's total and per-phase durations, added to the fleet's counters. */
export function metricsPhase({ counters }: Pick<PhaseDeps, 'counters'>): PhaseHandlers['metrics'] {
  return async ({ data }) => ({
    recorded: await counters.record({ status: data.status, total_ms: data.total_ms, phase_ms: phaseMs(data) }),
  });
}
