import { PUBLIC_LABEL, restoredTrust, sustainedSuccess } from '../auth/policy.js';
import { ConflictError } from '../errors.js';
import type { BreakerState, FleetState, HealthReports } from '../fleet/fleet-state.js';
import type { Caller, OverlayRecord } from '../store/graph-store.js';
import type { InvocationResult } from './abi.js';
import type { InvocationContext, OverlayExecutor } from './executor.js';
import { grantedHostFunctions } from './manifest.js';
import type { OverlayRegistry } from './registry.js';
import type { OverlayRuntime } from './runtime.js';

export const HEALTH_CHECK_QUEUE = 'health-checks';
/** Whom a health check acts for: nobody, at the lowest label. */
const HEALTH_CHECKER: Caller = { id: 'health-check', roles: [], trust_level: PUBLIC_LABEL };
/** What a quarantined overlay regains per health round of sustained success, and how many calls that needs. */
export const TRUST_RESTORE_STEP = 5;
export const TRUST_RESTORE_MIN_CALLS = 100;

/** An external check of an overlay (level 4): e.g. a probe of the service it fronts. */
export type HealthProbe = (overlay: OverlayRecord) => Promise<{ ok: boolean; detail: string }>;

/** The four levels of an overlay's health check, and the verdict. */
export interface HealthReport {
  readonly overlay_id: string;
  readonly name: string;
  readonly version: string;
  readonly at: string;
  readonly healthy: boolean;
  readonly levels: {
    /** L1: the module's own health_check export. */
    readonly module: { readonly ok: boolean; readonly status: number | null; readonly error: string | null };
    /** L2: every declared dependency has an active version its range accepts, none quarantined in its place. */
    readonly dependencies: { readonly ok: boolean; readonly detail: string };
    /** L3: the circuit breaker is not open. */
    readonly circuit: { readonly ok: boolean; readonly state: BreakerState };
    /** L4: the external probe, when one is configured. */
    readonly probe: { readonly ok: boolean; readonly detail: string };
  };
}

/** The module's own check (L1). */
export interface ModuleHealth {
  readonly healthy: boolean;
  readonly status: number | null;
  readonly error: InvocationResult['error'];
}

export interface OverlayHealthDeps {
  readonly registry: OverlayRegistry;
  /** Quarantines an overlay whose checks keep failing. */
  readonly executor: Pick<OverlayExecutor, 'quarantine' | 'metrics'>;
  readonly fleet: Pick<FleetState, 'breakers' | 'healthReports'>;
  /** Consecutive failed checks that quarantine an overlay. */
  readonly quarantineHealthFailures: number;
  readonly runtime: () => OverlayRuntime<InvocationContext>;
  /** Level-4 health check; absent: the level passes. */
  readonly probe?: HealthProbe;
}

/**
 * Overlay health: the module's own check (L1), dependencies (L2), circuit (L3) and an external probe (L4),
 * on demand and on the fleet-wide schedule; failed L1 checks in a row quarantine; recovery re-checks.
 */
export class OverlayHealth {
  private readonly deps: OverlayHealthDeps;
  private readonly reports: HealthReports<HealthReport>;

  constructor(deps: OverlayHealthDeps) {
    this.deps = deps;
    this.reports = deps.fleet.healthReports<HealthReport>();
  }

  /** L1: runs the module's `health_check` (a module without one is healthy if it instantiates). Failures count toward quarantine. */
  async module(id: string): Promise<ModuleHealth> {
    const overlay = await this.deps.registry.get(id);
    const { manifest } = overlay;
    const result = await this.deps.runtime().invoke({
      sha256: overlay.sha256,
      module: await this.deps.registry.module(overlay),
      entry: 'health_check',
      mode: 'health',
      input: null,
      fuel: manifest.limits.max_fuel,
      timeoutMs: manifest.limits.max_execution_ms,
      grants: grantedHostFunctions(manifest),
      imports: overlay.imports,
      // A health check acts for nobody: it reads at no trust (what it returns can reveal nothing), and an
      // overlay that is not active (never approved, suspended, quarantined) gets no host function with effects.
      context: { overlay, caller: HEALTH_CHECKER, reads: new Map(), scope: {}, published: 0, label: PUBLIC_LABEL, effects: overlay.state === 'active' },
    });
    const verdict = result.result as { healthy: boolean; status: number | null } | null;
    const healthy = result.success && Boolean(verdict?.healthy);
    const failedInARow = await this.deps.fleet.breakers.healthChecked(id, healthy);
    if (failedInARow >= this.deps.quarantineHealthFailures && overlay.state === 'active') {
      await this.deps.executor.quarantine(overlay, `${failedInARow} consecutive failed health checks`);
    }
    return { healthy, status: verdict?.status ?? null, error: result.error };
  }

  /** Runs all four levels of one overlay and keeps the report for the system health view. */
  async check(id: string): Promise<HealthReport> {
    const overlay = await this.deps.registry.get(id);
    const { manifest } = overlay;
    const l1 = await this.module(id);
    const unmet = (await this.deps.registry.dependencies(manifest)).filter((d) => d.state !== 'active');
    const breaker = await this.deps.fleet.breakers.breaker(id);
    let probe = { ok: true, detail: 'no probe configured' };
    if (this.deps.probe) {
      try {
        probe = await this.deps.probe(overlay);
      } catch (err) {
        probe = { ok: false, detail: err instanceof Error ? err.message : String(err) };
      }
    }
    const levels: HealthReport['levels'] = {
      module: { ok: l1.healthy, status: l1.status, error: l1.error ? `${l1.error.code}: ${l1.error.message}` : null },
      dependencies: {
        ok: unmet.length === 0,
        detail: unmet.length ? unmet.map((d) => `${d.requirement} ${d.state === 'quarantined' ? 'quarantined' : 'not active'}`).join('; ') : `${Object.keys(manifest.dependencies).length} satisfied`,
      },
      circuit: { ok: breaker.state !== 'open', state: breaker.state },
      probe,
    };
    const report: HealthReport = {
      overlay_id: id,
      name: overlay.name,
      version: overlay.version,
      at: new Date().toISOString(),
      healthy: levels.module.ok && levels.dependencies.ok && levels.circuit.ok && levels.probe.ok,
      levels,
    };
    await this.reports.save(report);
    return report;
  }

  /** The scheduled round: every active overlay. */
  async checkAllActive(): Promise<HealthReport[]> {
    const reports: HealthReport[] = [];
    for (const overlay of await this.deps.registry.list({ state: 'active' })) {
      reports.push(await this.check(overlay.id));
      await this.restoreTrust(overlay);
    }
    return reports;
  }

  /**
   * Trust that follows behaviour, the way back: an active overlay below the trust it was registered with
   * (it was quarantined) regains TRUST_RESTORE_STEP at each health round while it has at least
   * TRUST_RESTORE_MIN_CALLS calls and fails fewer than 1 % of them — never above its registered trust,
   * and never to TRUSTED (80) or above, which takes governance. Each step is audited (`overlay.trust`).
   */
  private async restoreTrust(overlay: OverlayRecord): Promise<void> {
    const to = restoredTrust(overlay.trust_level, await this.deps.registry.registeredTrust(overlay), TRUST_RESTORE_STEP);
    if (to === null) return;
    const m = await this.deps.executor.metrics(overlay.id);
    if (!sustainedSuccess(m, TRUST_RESTORE_MIN_CALLS)) return;
    await this.deps.registry.setTrust(overlay.id, to, `sustained success: ${m.invocations} calls, ${(m.failure_rate * 100).toFixed(2)} % failed`, { actor_id: 'immune-system' });
  }

  /** The last health report of each overlay that has one. */
  async lastReports(): Promise<HealthReport[]> {
    return this.reports.read((await this.deps.registry.list({})).map((o) => o.id));
  }

  /**
   * Resets a quarantined overlay's breaker and counters and re-runs its module check: healthy → active,
   * otherwise it stays quarantined with the reason.
   */
  async recover(caller: Caller, id: string): Promise<{ overlay: OverlayRecord; healthy: boolean }> {
    const overlay = await this.deps.registry.get(id);
    if (overlay.state !== 'quarantined') throw new ConflictError('overlay', id, `is ${overlay.state}, not quarantined`);
    await this.deps.fleet.breakers.reset(id);
    const check = await this.module(id);
    if (!check.healthy) {
      const reason = `recovery failed: health check ${check.error ? `${check.error.code}: ${check.error.message}` : `returned ${check.status}`}`;
      const still = (await this.deps.registry.setState(id, { state: 'quarantined', reason }, { actor_id: caller.id })) as OverlayRecord;
      return { overlay: still, healthy: false };
    }
    const active = (await this.deps.registry.setState(id, { state: 'active', reason: 'recovered', config: overlay.config }, { actor_id: caller.id })) as OverlayRecord;
    return { overlay: active, healthy: true };
  }

  /** Forgets a deleted overlay's fleet state: breaker, counters, health history and report. */
  async forget(id: string): Promise<void> {
    await Promise.all([this.deps.fleet.breakers.reset(id), this.reports.forget(id)]);
  }
}
