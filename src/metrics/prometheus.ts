import type { Queue } from 'bullmq';
import { phaseJobCounts } from '../flows/queues.js';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { PHASES, type Phase } from '../config/index.js';
import type { RequestCounters } from '../fleet/fleet-state.js';
import type { OverlayExecutor, OverlayMetrics } from '../overlays/executor.js';
import type { OverlayRegistry } from '../overlays/registry.js';

/** What the scrape-time gauges read: queue depths, fleet counters and overlay figures. */
export interface FleetGaugeSources {
  /** The phase queues of every queue partition (counts are summed). */
  readonly phaseQueues: ReadonlyArray<Readonly<Record<Phase, Pick<Queue, 'getJobCounts'>>>>;
  readonly deadLetters: Pick<Queue, 'count'>;
  readonly counters: Pick<RequestCounters, 'requestTotals'>;
  readonly registry: Pick<OverlayRegistry, 'list'>;
  readonly executor: Pick<OverlayExecutor, 'metrics'>;
}

/** Phase outcomes observed by workers in this process. */
export interface PhaseTelemetry {
  /** `refused`: the phase refused the request (security's denial), or passed a refusal on: an answer, not a failure. */
  phase(phase: string, seconds: number, outcome: 'ok' | 'refused' | 'retry' | 'failed'): void;
}

/**
 * The Prometheus registry behind `GET /metrics`. Phase durations and failures are this process's (its
 * workers); queue depths, dead letters, request outcomes and overlay figures are read from Redis at scrape
 * time, so any ingress reports the whole fleet.
 */
export function createTelemetry(): { registry: Registry; telemetry: PhaseTelemetry; attach(sources: FleetGaugeSources): void } {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'forge_process_' });
  const duration = new Histogram({
    name: 'forge_phase_duration_seconds',
    help: 'Duration of pipeline phase attempts run by this process',
    labelNames: ['phase', 'outcome'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const failures = new Counter({
    name: 'forge_phase_failures_total',
    help: 'Failed phase attempts run by this process (retry: will be retried; failed: final)',
    labelNames: ['phase', 'outcome'],
    registers: [registry],
  });
  const telemetry: PhaseTelemetry = {
    phase(phase, seconds, outcome) {
      duration.observe({ phase, outcome }, seconds);
      if (outcome === 'retry' || outcome === 'failed') failures.inc({ phase, outcome });
    },
  };

  function attach(sources: FleetGaugeSources): void {
    new Gauge({
      name: 'forge_queue_jobs',
      help: 'Jobs per queue and state (fleet-wide)',
      labelNames: ['queue', 'state'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const phase of PHASES) {
          const counts = await phaseJobCounts(sources.phaseQueues, phase, 'waiting', 'active', 'delayed', 'waiting-children', 'prioritized', 'failed');
          for (const [state, n] of Object.entries(counts)) this.set({ queue: phase, state }, n);
        }
      },
    });
    new Gauge({
      name: 'forge_dead_letters',
      help: 'Jobs in the dead-letter queue',
      registers: [registry],
      async collect() {
        this.set(await sources.deadLetters.count());
      },
    });
    new Gauge({
      name: 'forge_requests_finished',
      help: 'Requests that ended, by status (fleet-wide, since the counters were created)',
      labelNames: ['status'],
      registers: [registry],
      async collect() {
        this.reset();
        const totals = await sources.counters.requestTotals();
        for (const [field, value] of Object.entries(totals)) if (field.startsWith('status:')) this.set({ status: field.slice(7) }, value);
      },
    });
    const overlayGauge = (name: string, help: string, pick: (m: OverlayMetrics) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['overlay', 'version'],
        registers: [registry],
        async collect() {
          this.reset();
          for (const o of await sources.registry.list({})) this.set({ overlay: o.name, version: o.version }, pick(await sources.executor.metrics(o.id)));
        },
      });
    overlayGauge('forge_overlay_invocations', 'Overlay invocations (fleet-wide)', (m) => m.invocations);
    overlayGauge('forge_overlay_failures', 'Failed overlay invocations (fleet-wide)', (m) => m.failures);
    overlayGauge('forge_overlay_fuel', 'Fuel consumed by an overlay (fleet-wide)', (m) => m.fuel_total);
    overlayGauge('forge_overlay_breaker_state', 'Circuit breaker: 0 closed, 1 half-open, 2 open', (m) => ({ closed: 0, half_open: 1, open: 2 })[m.breaker.state]);
  }

  return { registry, telemetry, attach };
}
