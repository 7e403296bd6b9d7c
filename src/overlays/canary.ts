import { ConflictError, NotFoundError } from '../errors.js';
import { GovernanceRequiredError, type GateAuthority, type GatedChange, type GovernanceGate } from '../governance/gate.js';
import type { CanaryRecord, CanaryRouting, CanarySettings, SideCounters } from '../fleet/fleet-state.js';
import type { Caller, GraphStore, OverlayRecord } from '../store/graph-store.js';
import type { OverlayRegistry } from './registry.js';

export interface CanaryOptions extends CanarySettings {
  /** Share of invocations routed to the candidate (0-1). @defaultValue 0.05 */
  readonly traffic_percentage: number;
  /** Candidate error rate above which it is rolled back. @defaultValue 0.01 */
  readonly max_error_rate: number;
  /** Candidate mean latency over the stable one's above which it is rolled back. @defaultValue 2.0 */
  readonly max_latency_ratio: number;
  /** Candidate invocations before a verdict. @defaultValue 100 */
  readonly min_requests: number;
}

export type CanaryStatus = CanaryRecord['status'];

export interface CanarySide {
  readonly calls: number;
  readonly failures: number;
  readonly error_rate: number;
  readonly mean_ms: number;
}

export interface CanaryView extends CanaryOptions {
  readonly stable_id: string;
  readonly status: CanaryStatus;
  readonly reason: string | null;
  readonly started_at: string;
  readonly ended_at: string | null;
  readonly stable: CanarySide;
  readonly candidate: CanarySide;
  /** Candidate mean latency / stable mean latency (null until both have calls). */
  readonly latency_ratio: number | null;
}

function sideView(c: SideCounters): CanarySide {
  return { calls: c.calls, failures: c.failures, error_rate: c.calls ? c.failures / c.calls : 0, mean_ms: c.calls ? c.total_ms / c.calls : 0 };
}

/** A stored canary as the API shows it. */
export function canaryView(stableId: string, record: CanaryRecord): CanaryView {
  const stable = sideView(record.calls.stable);
  const candidate = sideView(record.calls.candidate);
  const { calls: _calls, admission: _admission, ...settings } = record;
  void _calls;
  void _admission;
  return {
    ...settings,
    stable_id: stableId,
    stable,
    candidate,
    latency_ratio: stable.calls && candidate.calls && stable.mean_ms > 0 ? candidate.mean_ms / stable.mean_ms : null,
  };
}

/** The verdict for a running canary, or null while it needs more calls. */
export function canaryVerdict(view: CanaryView): { status: 'promoted' | 'rolled_back'; reason: string } | null {
  const c = view.candidate;
  if (c.calls >= view.min_requests && c.error_rate > view.max_error_rate) {
    return { status: 'rolled_back', reason: `candidate error rate ${c.error_rate.toFixed(3)} > ${view.max_error_rate} over ${c.calls} calls` };
  }
  if (c.calls < view.min_requests) return null;
  if (view.latency_ratio !== null && view.latency_ratio > view.max_latency_ratio) {
    return { status: 'rolled_back', reason: `candidate latency ${view.latency_ratio.toFixed(2)}× the stable version's > ${view.max_latency_ratio}×` };
  }
  return { status: 'promoted', reason: `candidate error rate ${c.error_rate.toFixed(3)} ≤ ${view.max_error_rate} and latency ${view.latency_ratio?.toFixed(2) ?? 'n/a'}× over ${c.calls} calls` };
}

/** A candidate as the governance gate sees it. */
function gatedCandidate(candidate: OverlayRecord): GatedChange {
  return { what: `a canary of overlay ${candidate.name}@${candidate.version}`, entity_type: 'overlay', entity_id: candidate.id, trust: candidate.trust_level };
}

export interface OverlayCanariesDeps {
  readonly registry: OverlayRegistry;
  readonly routing: CanaryRouting;
  /** For the audit entries of starts and verdicts. */
  readonly store: Pick<GraphStore, 'appendAudit'>;
  /** A candidate at or above its trust runs (and is promoted) only with a passed proposal or an admin's emergency. */
  readonly gate: Pick<GovernanceGate, 'authority' | 'check' | 'record'>;
}

/**
 * Canary deployments: a share of a stable version's calls goes to a candidate (routing is the executor's,
 * through the fleet state); the scheduled round decides each canary — promote (candidate active, stable
 * suspended) or roll back — with the reason, audited.
 */
export class OverlayCanaries {
  private readonly deps: OverlayCanariesDeps;

  constructor(deps: OverlayCanariesDeps) {
    this.deps = deps;
  }

  /**
   * Starts routing a share of `stableId`'s invocations to `candidate_id` (the same overlay, another version,
   * registered and not active).
   */
  async start(caller: Caller, stableId: string, options: CanaryOptions, authority?: GateAuthority): Promise<CanaryView> {
    const { registry, gate } = this.deps;
    const stable = await registry.get(stableId);
    const candidate = await registry.get(options.candidate_id);
    if (stable.state !== 'active') throw new ConflictError('overlay', stableId, `is ${stable.state}; a canary needs an active stable version`);
    if (candidate.name !== stable.name || candidate.id === stable.id) throw new ConflictError('overlay', candidate.id, `is not another version of ${stable.name}`);
    if (candidate.state === 'active' || candidate.state === 'quarantined') throw new ConflictError('overlay', candidate.id, `is ${candidate.state}; a candidate must be pending or suspended`);
    // A candidate serves real calls at its own trust: at or above the gate, it runs only as governance allows.
    const change = gatedCandidate(candidate);
    const admission = await gate.authority(caller, change, authority);
    gate.check(change, undefined, admission);
    await this.deps.routing.start(stableId, { ...options, admission });
    await this.deps.store.appendAudit({
      actor_id: caller.id,
      action: 'overlay.canary.start',
      entity_type: 'overlay',
      entity_id: stableId,
      details: { ...options, stable_version: stable.version, candidate_version: candidate.version, admission: admission.kind },
    });
    await gate.record(change, candidate.id, undefined, admission);
    return this.get(stableId);
  }

  /**
   * Stops `stableId`'s running canary by hand: every call goes to the stable version again and the
   * candidate stays as it was (pending or suspended); recorded as rolled back, with who stopped it and why.
   * @throws NotFoundError (no canary), ConflictError (it had ended: its verdict stands)
   */
  async stop(caller: Caller, stableId: string, reason: string): Promise<CanaryView> {
    const view = await this.get(stableId);
    const why = `stopped by ${caller.id}: ${reason}`;
    if (view.status !== 'running' || !(await this.deps.routing.end(stableId, 'rolled_back', why))) {
      throw new ConflictError('canary of overlay', stableId, `has ended (${(await this.get(stableId)).status}); its verdict stands`);
    }
    await this.deps.store.appendAudit({
      actor_id: caller.id,
      action: 'overlay.canary.stopped',
      entity_type: 'overlay',
      entity_id: stableId,
      details: { candidate_id: view.candidate_id, reason: why },
    });
    return this.get(stableId);
  }

  /** The canary of `stableId`, or null when it never had one. */
  async find(stableId: string): Promise<CanaryView | null> {
    const record = await this.deps.routing.read(stableId);
    return record ? canaryView(stableId, record) : null;
  }

  async get(stableId: string): Promise<CanaryView> {
    await this.deps.registry.get(stableId);
    const record = await this.deps.routing.read(stableId);
    if (!record) throw new NotFoundError('canary of overlay', stableId);
    return canaryView(stableId, record);
  }

  /** Decides every running canary that has enough calls. Returns the ones decided now. */
  async evaluate(): Promise<CanaryView[]> {
    const { registry, routing, store, gate } = this.deps;
    const decided: CanaryView[] = [];
    for (const stableId of await routing.running()) {
      const record = await routing.read(stableId);
      const view = record ? canaryView(stableId, record) : null;
      let verdict = view ? canaryVerdict(view) : null;
      if (!record || !view || !verdict) continue;
      if (verdict.status === 'promoted') {
        // The promotion passes the gate again, with what was admitted at the start (nothing: rolled back).
        try {
          gate.check(gatedCandidate(await registry.get(view.candidate_id)), undefined, record.admission);
        } catch (err) {
          if (!(err instanceof GovernanceRequiredError)) throw err;
          verdict = { status: 'rolled_back', reason: `not promoted: ${err.message}` };
        }
      }
      if (verdict.status === 'promoted') {
        const stable = await registry.get(stableId);
        await registry.setState(view.candidate_id, { state: 'active', reason: `promoted by canary: ${verdict.reason}`, config: stable.config }, { actor_id: 'canary' });
        await registry.setState(stableId, { state: 'suspended', reason: `replaced by canary ${view.candidate_id}`, from: ['active'] }, { actor_id: 'canary' });
      } else {
        await registry.setState(view.candidate_id, { state: 'suspended', reason: `canary rolled back: ${verdict.reason}` }, { actor_id: 'canary' });
      }
      await routing.end(stableId, verdict.status, verdict.reason);
      await store.appendAudit({ actor_id: 'canary', action: `overlay.canary.${verdict.status}`, entity_type: 'overlay', entity_id: stableId, details: { candidate_id: view.candidate_id, reason: verdict.reason } });
      decided.push(await this.get(stableId));
    }
    return decided;
  }
}
