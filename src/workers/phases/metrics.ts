import type { PhaseDeps, PhaseHandlers } from './types.js';

/** Fire-and-forget: a completed request's total and per-phase durations, added to the fleet's counters. */
export function metricsPhase({ counters }: Pick<PhaseDeps, 'counters'>): PhaseHandlers['metrics'] {
  return async ({ data }) => ({
    recorded: await counters.record({
      status: data.status,
      total_ms: data.total_ms,
      phase_ms: Object.fromEntries(Object.entries(data.phase_timings).map(([phase, t]) => [phase, t.duration_ms])),
    }),
  });
}
