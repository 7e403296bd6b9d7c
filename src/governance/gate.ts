import { atGate, mayDeclareEmergency } from '../auth/policy.js';
import { ForgeError } from '../errors.js';
import type { Caller, GraphStore } from '../store/graph-store.js';

/** A change above the gate's trust needs a passed proposal (or an admin's declared emergency). */
export class GovernanceRequiredError extends ForgeError {
  readonly what: string;
  readonly trust: number;
  readonly gateTrust: number;
  constructor(what: string, trust: number, gateTrust: number, why?: string) {
    super(
      'governance_required',
      `${what} at trust ${trust} (at or above ${gateTrust}) needs a passed proposal: POST /v2/governance/proposals; an admin may act alone in an emergency by sending emergency: {reason}, which is audited${why ? ` (${why})` : ''}`,
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

/** What a caller brings to the gate: an emergency it declares, or the passed proposal it carries out. */
export interface GateAuthority {
  readonly emergency?: { readonly reason: string } | undefined;
  readonly proposal_id?: string | undefined;
}

/** What the gate accepted, checked: kept with a change that finishes later (a canary's promotion). */
export type Admission =
  { readonly kind: 'none' } | { readonly kind: 'emergency'; readonly actor_id: string; readonly reason: string } | { readonly kind: 'proposal'; readonly proposal_id: string };

/** A change the gate looks at: what it is, on which entity, to which trust. */
export interface GatedChange {
  readonly what: string;
  readonly entity_type: 'overlay' | 'user';
  /** The entity the change is made to (a new user has none yet). */
  readonly entity_id?: string;
  readonly trust: number;
}

/** Which proposal kind carries out a change to each kind of entity, and the field naming the entity. */
const PROPOSAL_OF = { overlay: { kind: 'overlay_activation', field: 'overlay_id' }, user: { kind: 'trust_change', field: 'user_id' } } as const;

/**
 * The governance gate on single-handed changes, in the service layer so every path passes it: activating
 * an overlay, starting and promoting a canary of a candidate, creating a user or raising a user's trust,
 * at or above `gateTrust`, is done by a passed proposal (governance carries it out, naming the proposal),
 * or by an admin alone in a declared emergency, written to the audit log with the reason as
 * `governance.emergency`. The decision itself is the policy's (`atGate`).
 */
export class GovernanceGate {
  private readonly deps: { readonly gateTrust: number; readonly store: Pick<GraphStore, 'appendAudit' | 'getProposal'> };

  constructor(deps: GovernanceGate['deps']) {
    this.deps = deps;
  }

  get gateTrust(): number {
    return this.deps.gateTrust;
  }

  /**
   * Checks what the caller brings: a proposal must be passed and name this entity; an emergency must be an
   * admin's. Bringing nothing is `none` (enough below the gate).
   * @throws GovernanceRequiredError
   */
  async authority(caller: Caller, change: GatedChange, given: GateAuthority | undefined): Promise<Admission> {
    const { gateTrust } = this.deps;
    if (given?.proposal_id !== undefined) {
      const proposal = await this.deps.store.getProposal(given.proposal_id);
      const expected = PROPOSAL_OF[change.entity_type];
      const names = proposal?.action[expected.field];
      if (!proposal || proposal.outcome !== 'passed' || proposal.kind !== expected.kind || (change.entity_id !== undefined && names !== change.entity_id)) {
        throw new GovernanceRequiredError(change.what, change.trust, gateTrust, `proposal ${given.proposal_id} is not a passed ${expected.kind} of this ${change.entity_type}`);
      }
      return { kind: 'proposal', proposal_id: proposal.id };
    }
    if (given?.emergency) {
      if (!mayDeclareEmergency(caller)) throw new GovernanceRequiredError(change.what, change.trust, gateTrust, 'only an admin may declare an emergency');
      return { kind: 'emergency', actor_id: caller.id, reason: given.emergency.reason };
    }
    return { kind: 'none' };
  }

  /**
   * The decision, synchronous so a store can make it inside the transaction that reads `from` (the value
   * the change replaces): at the gate without a proposal or emergency, refused.
   * @throws GovernanceRequiredError
   */
  check(change: GatedChange, from: number | undefined, admission: Admission): void {
    if (atGate(this.deps.gateTrust, change.trust, from) && admission.kind === 'none') throw new GovernanceRequiredError(change.what, change.trust, this.deps.gateTrust);
  }

  /** Once the change is made: an emergency at the gate is audited with its reason. */
  async record(change: GatedChange, entityId: string, from: number | undefined, admission: Admission): Promise<void> {
    if (admission.kind !== 'emergency' || !atGate(this.deps.gateTrust, change.trust, from)) return;
    await this.deps.store.appendAudit({
      actor_id: admission.actor_id,
      action: 'governance.emergency',
      entity_type: change.entity_type,
      entity_id: entityId,
      details: { what: change.what, trust: change.trust, gate_trust: this.deps.gateTrust, reason: admission.reason },
    });
  }

  /**
   * authority + check for a change whose `from` is known now; returns the function that records it once made.
   * @throws GovernanceRequiredError
   */
  async admit(caller: Caller, change: GatedChange, given: GateAuthority | undefined, from?: number): Promise<(entityId: string) => Promise<void>> {
    const admission = await this.authority(caller, change, given);
    this.check(change, from, admission);
    return (entityId) => this.record(change, entityId, from, admission);
  }
}
