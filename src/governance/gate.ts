import { ForgeError } from '../errors.js';
import type { Caller, GraphStore } from '../store/graph-store.js';

/** A change above the gate's trust needs a passed proposal (or an admin's declared emergency). */
export class GovernanceRequiredError extends ForgeError {
  readonly what: string;
  readonly trust: number;
  readonly gateTrust: number;
  constructor(what: string, trust: number, gateTrust: number) {
    super(
      'governance_required',
      `${what} at trust ${trust} (at or above ${gateTrust}) needs a passed proposal: POST /v2/governance/proposals; an admin may act alone in an emergency by sending emergency: {reason}, which is audited`,
      { retryable: false },
    );
    this.what = what;
    this.trust = trust;
    this.gateTrust = gateTrust;
  }

  override details(): Record<string, unknown> {
    return { what: this.what, trust: this.trust, gate_trust: this.gateTrust };
  }
}

/**
 * The governance gate on single-handed changes: activating an overlay whose trust is at or above
 * `gateTrust`, or granting a user such a trust, is done by a passed proposal (which acts as `governance`).
 * An admin may still do it alone by declaring an emergency; that is written to the audit log with the
 * reason, as `governance.emergency`.
 */
export class GovernanceGate {
  private readonly deps: { readonly gateTrust: number; readonly store: Pick<GraphStore, 'appendAudit'> };

  constructor(deps: GovernanceGate['deps']) {
    this.deps = deps;
  }

  /**
   * Checks a change to `trust` (from `from`, for a raise). Lowering, or staying below the gate, passes; an
   * admin's emergency passes too, and the returned function, called once the change is made, audits it.
   * @throws GovernanceRequiredError without an emergency, or when the emergency is declared by a non-admin
   */
  admit(
    caller: Caller,
    change: { what: string; entity_type: string; trust: number; from?: number; emergency?: { reason: string } | undefined },
  ): (entityId: string) => Promise<void> {
    const { gateTrust } = this.deps;
    if (change.trust < gateTrust || (change.from !== undefined && change.trust <= change.from)) return async () => undefined;
    const { emergency } = change;
    if (!emergency || !caller.roles.includes('admin')) throw new GovernanceRequiredError(change.what, change.trust, gateTrust);
    return async (entityId) => {
      await this.deps.store.appendAudit({
        actor_id: caller.id,
        action: 'governance.emergency',
        entity_type: change.entity_type,
        entity_id: entityId,
        details: { what: change.what, trust: change.trust, gate_trust: gateTrust, reason: emergency.reason },
      });
    };
  }
}
