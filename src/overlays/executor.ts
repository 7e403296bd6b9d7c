import { joinLabels, PUBLIC_LABEL, quarantinable, quarantinedTrust } from '../auth/policy.js';
import { ConflictError, NotFoundError, SecurityDeniedError } from '../errors.js';
import type { BreakerSettings, BreakerView, FleetState } from '../fleet/fleet-state.js';
import type { Caller, ForgeEvent, OverlayRecord } from '../store/graph-store.js';
import { inSpan } from '../telemetry/tracing.js';
import type { CapsuleService } from '../services/capsules.js';
import type { InvocationResult } from './abi.js';
import { failurePolicy, grantedHostFunctions, type OverlayPhase } from './manifest.js';
import type { OverlayRegistry } from './registry.js';
import type { OverlayRuntime } from './runtime.js';

/** An overlay the phase requires (`fail_closed`) failed or is not running: the request is rejected with the reason. */
export class RequiredOverlayError extends SecurityDeniedError {
  readonly phase: OverlayPhase;
  readonly overlay: string;
  constructor(phase: OverlayPhase, overlay: string, why: string) {
    super(`${phase} overlay ${overlay} is required (fail_closed) and did not run: ${why}`);
    this.phase = phase;
    this.overlay = overlay;
  }

  override details(): Record<string, unknown> {
    return { ...super.details(), phase: this.phase, overlay: this.overlay };
  }
}

/** How much trust an overlay loses when it is quarantined. */
export const QUARANTINE_TRUST_STEP = 10;

/** What the host functions know about the invocation they serve. */
export interface InvocationContext {
  readonly overlay: OverlayRecord;
  /** Whom the overlay serves (a request's caller, an API caller); null for the fleet's own checks. It reads and writes at no more than this caller's trust. */
  readonly caller: Caller | null;
  /** Capsules read during this invocation, with their trust: a capsule it creates is DERIVED_FROM them. */
  readonly reads: Map<string, number>;
  /**
   * The highest label of everything the invocation was given (the caller's trust for a request or an
   * `/invoke`, the event's for `on_event`) or has read so far: whatever it emits is labelled at least this.
   */
  label: number;
  /** False for a health check of an overlay that is not active: host functions with effects are refused. */
  readonly effects: boolean;
  /** Where the invocation came from: the request it serves, the event it handles. */
  readonly scope: InvocationScope;
  /** Events published so far in this invocation (each published event's id depends on its number). */
  published: number;
}

/** The label an invocation starts with: the trust of whom it serves, and of the event it handles. */
export function invocationLabel(caller: Caller | null, scope: InvocationScope): number {
  return joinLabels(caller?.trust_level ?? PUBLIC_LABEL, scope.event?.trust_level ?? PUBLIC_LABEL);
}

/** What an invocation serves: a request (its id correlates what it publishes) or an event (its cascade continues). */
export interface InvocationScope {
  readonly correlation_id?: string | null;
  /** The event an `on_event` call handles, and the subscriber key handling it. */
  readonly event?: ForgeEvent;
  readonly via?: string;
}

/** One call of an overlay's entry point. */
export interface OverlayCall {
  readonly function: string;
  readonly args: unknown;
  /** At most the manifest's `max_execution_ms`. */
  readonly timeout_ms?: number;
}

/** What the overlays bound to one phase did for one request, by overlay name. */
export type PhaseOverlayReport = Record<
  string,
  { success: boolean; result: unknown; error: InvocationResult['error']; fuel_consumed: number | null; execution_time_ms: number; skipped?: true }
>;

export interface OverlayMetrics {
  readonly invocations: number;
  readonly failures: number;
  readonly failure_rate: number;
  readonly mean_ms: number;
  readonly p95_ms: number;
  readonly fuel_total: number;
  readonly mean_fuel: number;
  readonly last_error: string | null;
  /** Calls skipped because the breaker was open. */
  readonly skipped: number;
  readonly breaker: BreakerView;
}

export interface OverlayExecutorDeps {
  readonly registry: OverlayRegistry;
  readonly fleet: Pick<FleetState, 'breakers' | 'canaries' | 'events' | 'overlayEvents'>;
  readonly settings: BreakerSettings;
  /** Created on first use: the pool's threads start only when an overlay runs. */
  readonly runtime: () => OverlayRuntime<InvocationContext>;
  /** What a quarantined overlay wrote (and what was derived from it) goes stale. */
  readonly capsules?: Pick<CapsuleService, 'markWrittenByStale'>;
}

/**
 * Runs overlays: one entry point on demand, or every active overlay bound to a phase. Each call passes the
 * fleet-wide circuit breaker, runs in the sandbox, is counted, and may quarantine its overlay. A running
 * canary takes its share of the stable version's calls.
 */
export class OverlayExecutor {
  private readonly deps: OverlayExecutorDeps;

  constructor(deps: OverlayExecutorDeps) {
    this.deps = deps;
  }

  /**
   * Runs one entry point of an active overlay and counts the outcome.
   * @throws ConflictError when the overlay is not active or the function is not an entry point.
   */
  async invoke(id: string, call: OverlayCall, caller: Caller | null = null, scope: InvocationScope = {}): Promise<InvocationResult> {
    return this.invokeActive(await this.deps.registry.get(id), call, caller, scope);
  }

  private async invokeActive(overlay: OverlayRecord, call: OverlayCall, caller: Caller | null, scope: InvocationScope): Promise<InvocationResult> {
    if (overlay.state !== 'active') throw new ConflictError('overlay', overlay.id, `is ${overlay.state}; only active overlays run`);
    const route = await this.deps.fleet.canaries.route(overlay.id);
    const candidate = route.to === 'candidate' ? await this.deps.registry.find(route.id) : null;
    const result = await this.execute(candidate ?? overlay, call, caller, scope);
    if (route.to !== 'none') await this.deps.fleet.canaries.record(overlay.id, candidate ? 'candidate' : 'stable', !result.success, result.execution_time_ms);
    return result;
  }

  /** Runs one call of one overlay version: breaker, sandbox, counters, quarantine. */
  private async execute(overlay: OverlayRecord, call: OverlayCall, caller: Caller | null, scope: InvocationScope): Promise<InvocationResult> {
    const { manifest } = overlay;
    if (!manifest.entry_points.includes(call.function)) {
      throw new ConflictError('overlay', overlay.id, `has no entry point "${call.function}" (entry points: ${manifest.entry_points.join(', ')})`);
    }
    // An open breaker skips the call fleet-wide; a half-open one lets trial calls through.
    const admitted = await this.deps.fleet.breakers.admit(overlay.id, this.deps.settings);
    if (admitted.state === 'open') {
      if (admitted.quarantine) await this.quarantine(overlay, 'circuit breaker open and failure rate (skipped calls included) over the quarantine threshold');
      return { success: false, result: null, error: { code: 'circuit_open', message: `circuit breaker of ${overlay.name} is open` }, execution_time_ms: 0, fuel_consumed: 0 };
    }
    const fuel = manifest.limits.fuel_per_entry[call.function] ?? manifest.limits.max_fuel;
    // A span per call (when tracing is on), in the trace of the request or event it serves.
    const result = await inSpan(`overlay ${overlay.name}.${call.function}`, { 'forge.overlay.id': overlay.id, 'forge.overlay.version': overlay.version, 'forge.overlay.fuel_budget': fuel }, async (span) => {
      const r = await this.deps.runtime().invoke({
        sha256: overlay.sha256,
        module: await this.deps.registry.module(overlay),
        entry: call.function,
        input: call.args,
        fuel,
        timeoutMs: Math.min(call.timeout_ms ?? manifest.limits.max_execution_ms, manifest.limits.max_execution_ms),
        grants: grantedHostFunctions(manifest),
        imports: overlay.imports,
        context: { overlay, caller, reads: new Map(), scope, published: 0, label: invocationLabel(caller, scope), effects: true },
      });
      span?.setAttributes({
        'forge.overlay.outcome': r.success ? 'success' : (r.error?.code ?? 'failed'),
        'forge.overlay.fuel_consumed': r.fuel_consumed ?? -1,
        'forge.overlay.execution_ms': r.execution_time_ms,
      });
      return r;
    });
    const outcome = await this.deps.fleet.breakers.record(
      overlay.id,
      { failed: !result.success, ms: result.execution_time_ms, fuel: result.fuel_consumed ?? 0, error: result.error ? `${result.error.code}: ${result.error.message}` : '' },
      this.deps.settings,
    );
    if (outcome.quarantine) {
      await this.quarantine(overlay, `failure rate ${(outcome.failures / outcome.invocations).toFixed(2)} over ${outcome.invocations} invocations (threshold ${this.deps.settings.quarantineFailureRate})`);
    }
    return result;
  }

  /**
   * Quarantines an active overlay: it stops running everywhere, an `overlay_quarantined` event is published
   * (and kept in the overlay event log) and the change is audited. CORE overlays (trust 100) are immune.
   * Idempotent across processes: only the process whose state change took effect announces it.
   */
  async quarantine(overlay: OverlayRecord, reason: string): Promise<boolean> {
    if (!quarantinable(overlay)) return false;
    const changed = await this.deps.registry.setState(overlay.id, { state: 'quarantined', reason, from: ['active'] }, { actor_id: 'immune-system' });
    if (!changed) return false;
    const event = { type: 'overlay_quarantined', overlay_id: overlay.id, name: overlay.name, version: overlay.version, reason } as const;
    await Promise.all([
      this.deps.fleet.overlayEvents.append({ overlay: overlay.name, overlay_id: overlay.id, type: event.type, payload: event }),
      this.deps.fleet.events.publish(event),
    ]);
    // Trust follows behaviour: a quarantined overlay comes back on probation, QUARANTINE_TRUST_STEP lower
    // (health checks give it back with sustained success; see OverlayHealth.restoreTrust).
    // What it wrote no longer follows anything Forge trusts: stale until re-derived.
    await this.deps.capsules?.markWrittenByStale(`overlay:${overlay.name}`, `written by overlay ${overlay.name}@${overlay.version}, quarantined: ${reason}`, 'immune-system');
    const lowered = quarantinedTrust(overlay.trust_level, QUARANTINE_TRUST_STEP);
    if (lowered !== overlay.trust_level) await this.deps.registry.setTrust(overlay.id, lowered, `quarantined: ${reason}`, { actor_id: 'immune-system' });
    return true;
  }

  /**
   * Runs every active overlay bound to `phase` on `input`, in parallel, each on its `process` entry point
   * (or its first). Returns null when none is bound, so a phase without overlays pays one cached lookup.
   */
  async runPhase(phase: OverlayPhase, input: unknown, caller: Caller | null = null, correlationId: string | null = null): Promise<PhaseOverlayReport | null> {
    const all = (await this.deps.registry.bound()).filter((o) => o.manifest.phases.includes(phase));
    // A required overlay (fail_closed) that does not run rejects the request, whatever the reason.
    const required = all.filter((o) => failurePolicy(o.manifest, phase) === 'fail_closed');
    for (const o of required) if (o.state !== 'active') throw new RequiredOverlayError(phase, o.name, `${o.state}${o.state_reason ? ` (${o.state_reason})` : ''}`);
    const bound = all.filter((o) => o.state === 'active');
    if (bound.length === 0) return null;
    const report: PhaseOverlayReport = {};
    await Promise.all(
      bound.map(async (overlay) => {
        const entry = overlay.manifest.entry_points.includes('process') ? 'process' : (overlay.manifest.entry_points[0] as string);
        let result: InvocationResult;
        try {
          // Read again by id: the list may be up to a second old, and a suspended overlay must not run.
          result = await this.invoke(overlay.id, { function: entry, args: input }, caller, { correlation_id: correlationId });
        } catch (err) {
          // Suspended or removed since the list was read: it no longer takes part (unless it is required).
          if (err instanceof ConflictError || err instanceof NotFoundError) {
            if (failurePolicy(overlay.manifest, phase) === 'fail_closed') throw new RequiredOverlayError(phase, overlay.name, err.message);
            return;
          }
          throw err;
        }
        if (!result.success && failurePolicy(overlay.manifest, phase) === 'fail_closed') {
          throw new RequiredOverlayError(phase, overlay.name, `${result.error?.code}: ${result.error?.message}`);
        }
        report[overlay.name] = {
          success: result.success,
          result: result.result,
          error: result.error,
          fuel_consumed: result.fuel_consumed,
          execution_time_ms: result.execution_time_ms,
          ...(result.error?.code === 'circuit_open' ? { skipped: true } : {}),
        };
      }),
    );
    return report;
  }

  /** Invocation figures and breaker state of one overlay, fleet-wide. */
  async metrics(id: string): Promise<OverlayMetrics> {
    await this.deps.registry.get(id);
    const [c, breaker] = await Promise.all([this.deps.fleet.breakers.counters(id), this.deps.fleet.breakers.breaker(id)]);
    const sorted = [...c.recent_ms].sort((a, b) => a - b);
    const p95 = sorted.length ? (sorted[Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1)] as number) : 0;
    return {
      invocations: c.invocations,
      failures: c.failures,
      failure_rate: c.invocations ? c.failures / c.invocations : 0,
      mean_ms: c.invocations ? c.total_ms / c.invocations : 0,
      p95_ms: p95,
      fuel_total: c.fuel,
      mean_fuel: c.invocations ? c.fuel / c.invocations : 0,
      last_error: c.last_error,
      skipped: c.skipped,
      breaker,
    };
  }
}
