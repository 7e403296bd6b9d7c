/**
 * The policy: every trust and role decision Forge makes, in one module (docs/security.md states the rules).
 * Services, host functions, phases, routers, MCP, the event stream and governance ask it; none compares
 * trust levels itself (`test/policy-boundary.test.ts` fails when a comparison appears elsewhere).
 *
 * Reading (simple security):
 * 1. A reader sees a capsule, an event, a request or anything else labelled only at or below its own trust.
 * 2. Whatever acts for a caller (an overlay serving a request, a phase) reads at min(caller trust, actor
 *    trust): it never reads above the caller it serves.
 *
 * Flowing (no write-down, the *-property applied to plugins):
 * 3. Every value carries a label: a capsule its trust, a request (query, context, answer, reports) its
 *    caller's trust, an event its trust. An overlay invocation's label is the highest label of everything
 *    it was given or read, and everything it emits is labelled at least that high. It may write up, never
 *    down; an emission it cannot make at that label is refused with both numbers (WriteDownError).
 *
 * Deriving and versioning:
 * 4. A capsule derived from sources (a saved answer, an overlay's capsule, a fork, a new version) has a
 *    trust level at least the highest of its sources' and at most its writer's.
 * 5. A new version may be written by the capsule's owner, or by a contributor (or admin) whose trust is at
 *    or above the capsule's; lowering a capsule without sources needs the admin role and a reason.
 * 6. Lineage and descendants show a node the reader may not see only as a count of redacted nodes.
 *
 * Governing: the gate (what a single admin may not do), vote weights, trust that follows behaviour.
 */
import { ForgeError, ForbiddenError, PermissionDeniedError } from '../errors.js';
import { ROLES, type Caller, type Capsule, type Role } from '../store/graph-store.js';
import { allows, PERMISSIONS, type Permission } from './authorization.js';

/** A derived capsule's trust would sit below a source, or above its writer. */
export class TrustFlowError extends ForgeError {
  readonly requested: number;
  readonly sourcesMax: number;
  readonly writerTrust: number;
  constructor(message: string, fields: { requested: number; sourcesMax: number; writerTrust: number }) {
    super('trust_flow_violation', message, { retryable: false });
    this.requested = fields.requested;
    this.sourcesMax = fields.sourcesMax;
    this.writerTrust = fields.writerTrust;
  }

  override details(): Record<string, unknown> {
    return { requested_trust: this.requested, highest_source_trust: this.sourcesMax, writer_trust: this.writerTrust };
  }
}

/** Rule 1, for events: a reader sees an event (and the cascade links it made) only at or below its own trust. */
export function canReadEvent(readerTrust: number, event: { readonly trust_level: number }): boolean {
  return mayObserve(readerTrust, event.trust_level);
}

/** Rule 1. */
export function canRead(readerTrust: number, capsule: Pick<Capsule, 'trust_level'>): boolean {
  return mayObserve(readerTrust, capsule.trust_level);
}

/**
 * Rule 1, for requests: a request is its submitter's; a caller who may read anyone's (operators) reads
 * another's only at or below its own trust, since its answer carries knowledge up to the submitter's trust.
 */
export function canReadRequest(reader: Pick<Caller, 'id' | 'trust_level'>, readsAny: boolean, request: { readonly caller: Pick<Caller, 'id' | 'trust_level'> }): boolean {
  return request.caller.id === reader.id || (readsAny && mayObserve(reader.trust_level, request.caller.trust_level));
}

/** Rule 2: the identity an actor uses while it serves `caller` (its own id and roles, the lower trust). */
export function actingFor(caller: Pick<Caller, 'trust_level'> | null, actor: Caller): Caller {
  return caller === null ? actor : { ...actor, trust_level: Math.min(caller.trust_level, actor.trust_level) };
}

/**
 * Rule 3: the trust level of a capsule derived from `sources`, written by `writer`. Without a requested
 * level it is `fallback` raised to the highest source. @throws TrustFlowError
 */
export function derivedTrust(input: { readonly requested?: number; readonly fallback: number; readonly sources: readonly number[]; readonly writer: number }): number {
  const sourcesMax = Math.max(0, ...input.sources);
  const level = input.requested ?? Math.max(input.fallback, sourcesMax);
  const fields = { requested: level, sourcesMax, writerTrust: input.writer };
  if (level < sourcesMax) throw new TrustFlowError(`trust_level ${level} is below ${sourcesMax}, the highest trust among its sources`, fields);
  if (level > input.writer) throw new ForbiddenError(`trust_level ${level} is above the writer's trust level ${input.writer}`, level, input.writer);
  return level;
}

/** Rule 4: who may write a new version of `capsule`. @throws ForbiddenError */
export function checkVersionWriter(caller: Caller, capsule: Pick<Capsule, 'owner_id' | 'trust_level'>): void {
  if (caller.id === capsule.owner_id) return;
  const writes = caller.roles.includes('contributor') || caller.roles.includes('admin');
  if (!writes || caller.trust_level < capsule.trust_level) {
    throw new ForbiddenError(
      `only the owner, or a contributor at or above trust ${capsule.trust_level}, may write a new version of this capsule`,
      capsule.trust_level,
      caller.trust_level,
    );
  }
}

/**
 * Rule 4: the trust of a new version of `current`, whose own sources have `sources` trust levels.
 * @throws TrustFlowError, ForbiddenError (lowering a capsule without sources: admin only, with a reason)
 */
export function versionTrust(caller: Caller, current: Pick<Capsule, 'trust_level'>, requested: number | undefined, sources: readonly number[], reason: string | undefined): number {
  const level = requested ?? current.trust_level;
  if (level < current.trust_level && sources.length === 0) {
    if (!caller.roles.includes('admin')) {
      throw new ForbiddenError(`lowering the trust of a capsule without sources (${current.trust_level} → ${level}) needs the admin role`, current.trust_level, caller.trust_level);
    }
    if (!reason?.trim()) {
      throw new TrustFlowError(`lowering trust (${current.trust_level} → ${level}) needs a reason, which is audited`, {
        requested: level,
        sourcesMax: 0,
        writerTrust: caller.trust_level,
      });
    }
  }
  return derivedTrust({ requested: level, fallback: level, sources, writer: caller.trust_level });
}

// ---- labels and flow --------------------------------------------------------------------------------

/** The lowest label: what anyone may see (QUARANTINE, 0). */
export const PUBLIC_LABEL = 0;

/** Whether a reader of trust `readerTrust` may see something labelled `label`. Every read rule is this one. */
export function mayObserve(readerTrust: number, label: number): boolean {
  return label <= readerTrust;
}

/** The label of something made from all of `labels`: the highest of them (a join in the lattice of levels). */
export function joinLabels(...labels: readonly number[]): number {
  return labels.reduce((a, b) => (b > a ? b : a), PUBLIC_LABEL);
}

/**
 * Whether a capsule's vectors may carry the words of another (the capsule before it in its thread, read with
 * it): only when whoever may read the capsule may read the other too — nothing flows down through a
 * similarity score.
 */
export function mayEmbedWith(capsuleTrust: number, other: { readonly trust_level: number }): boolean {
  return mayObserve(capsuleTrust, other.trust_level);
}

/**
 * Whether a reader may know a user's name: a user is labelled by its trust (as the audit log labels what
 * it says of a user), so a reader learns the names of users at or below its own trust only.
 */
export function mayKnowUser(readerTrust: number, user: { readonly trust_level: number }): boolean {
  return mayObserve(readerTrust, user.trust_level);
}

/** The highest label a reader may see: its own trust, lowered to what it asked for. */
export function readCeiling(caller: Pick<Caller, 'trust_level'>, requested?: number): number {
  return requested === undefined || requested > caller.trust_level ? caller.trust_level : requested;
}

/** What an output channel was asked to carry below the label of what its invocation holds. */
export class WriteDownError extends ForgeError {
  readonly channel: string;
  readonly label: number;
  readonly ceiling: number;
  constructor(channel: string, label: number, ceiling: number, why: string) {
    super('write_down', `${channel}: this invocation holds data labelled ${label}; ${why} (${ceiling})`, { retryable: false });
    this.channel = channel;
    this.label = label;
    this.ceiling = ceiling;
  }

  override details(): Record<string, unknown> {
    return { channel: this.channel, label: this.label, ceiling: this.ceiling };
  }
}

/**
 * Rule 3 for a capsule an invocation writes: it must sit at or above the invocation's label, and its
 * writer may not write above its own trust. Returns the trust the capsule gets (the requested one, else
 * the label raised to the writer's fallback); @throws WriteDownError when the label is above what the
 * writer may write, TrustFlowError / ForbiddenError as derivedTrust.
 */
export function emittedCapsuleTrust(input: { readonly label: number; readonly requested?: number; readonly writer: number; readonly sources: readonly number[] }): number {
  if (input.label > input.writer)
    throw new WriteDownError(
      'capsule_create',
      input.label,
      input.writer,
      'a capsule written from it must be at that label or above, and the writer may write only up to its trust',
    );
  if (input.requested !== undefined && input.requested < input.label) {
    throw new WriteDownError('capsule_create', input.label, input.requested, 'a capsule written from it may not be labelled lower than that, as requested');
  }
  return derivedTrust({
    ...(input.requested === undefined ? {} : { requested: input.requested }),
    fallback: input.label,
    sources: [...input.sources, input.label],
    writer: input.writer,
  });
}

/**
 * The label of an event an invocation publishes: the invocation's own (a cascade hop is never below its
 * parent). An overlay names no label for its events, so there is nothing lower it could ask for.
 */
export function emittedEventLabel(invocationLabel: number): number {
  return invocationLabel;
}

/** Rule 1 for an event delivered to an overlay: it is never given what it could not read. */
export function mayReceive(overlay: { readonly trust_level: number }, event: { readonly trust_level: number }): boolean {
  return mayObserve(overlay.trust_level, event.trust_level);
}

/** The label of a capsule version's pointer to another capsule: shown only when the reader may see it. */
export function visibleReference(readerTrust: number, target: { readonly trust_level: number } | null | undefined, id: string | null): string | null {
  return id !== null && target && mayObserve(readerTrust, target.trust_level) ? id : null;
}

// ---- callers ----------------------------------------------------------------------------------------

/** Whether `role` is one of `roles` (a caller's roles, or the system's `overlay` / `event` actors). */
export function hasRole(caller: Pick<Caller, 'roles'>, role: Role): boolean {
  return caller.roles.includes(role);
}

/** Whether a caller holds `permission` through one of its roles (the authorisation table decides). */
export function holds(caller: Pick<Caller, 'roles'>, permission: Permission): boolean {
  return caller.roles.some((r) => (ROLES as readonly string[]).includes(r) && allows(r as Role, permission));
}

/** A permission a route does not name, needed for part of what it does (`save_as_capsule` writes a capsule). @throws PermissionDeniedError */
export function checkHolds(caller: Pick<Caller, 'roles'>, permission: Permission, what: string): void {
  if (!holds(caller, permission)) throw new PermissionDeniedError(what, PERMISSIONS[permission], caller.roles.join(', ') || 'no role');
}

/** Nobody gives a user (or an overlay) a trust above their own. @throws ForbiddenError */
export function checkGrant(actor: Pick<Caller, 'trust_level'>, trust: number, what = 'trust_level'): void {
  if (trust > actor.trust_level) throw new ForbiddenError(`${what} ${trust} is above your trust level ${actor.trust_level}`, trust, actor.trust_level);
}

/** An overlay is registered at the trust its manifest asks, never above its registrar's. */
export function registeredOverlayTrust(manifestTrust: number, registrar: Pick<Caller, 'trust_level'>): number {
  return manifestTrust > registrar.trust_level ? registrar.trust_level : manifestTrust;
}

/** A request's requirement: the caller's trust must reach it. */
export function meetsRequirement(caller: Pick<Caller, 'trust_level'>, required: number): boolean {
  return required <= caller.trust_level;
}

/** Bull Board shows every job's data and result, so it is for those who may read everything (CORE). */
export const BOARD_TRUST = 100;
/** @throws ForbiddenError below BOARD_TRUST */
export function checkBoardAccess(trust: number): void {
  if (!mayObserve(trust, BOARD_TRUST))
    throw new ForbiddenError(`Bull Board shows knowledge at every trust level: it needs trust ${BOARD_TRUST}; you have ${trust}`, BOARD_TRUST, trust);
}

/** Publishing as a user: at most at one's own trust. @throws ForbiddenError */
export function checkPublishLabel(caller: Pick<Caller, 'trust_level'>, label: number): void {
  if (!mayObserve(caller.trust_level, label)) throw new ForbiddenError(`an event at trust ${label} is above your own trust (${caller.trust_level})`, label, caller.trust_level);
}

// ---- the immune system's trust ----------------------------------------------------------------------

/** CORE overlays (trust 100) are never quarantined. */
export function quarantinable(overlay: { readonly trust_level: number }): boolean {
  return overlay.trust_level < 100;
}

/** The trust a quarantined overlay comes back with: `step` lower, never below 0. */
export function quarantinedTrust(current: number, step: number): number {
  return current - step < 0 ? 0 : current - step;
}

/** TRUSTED: the level trust that follows behaviour (overlays' recovery, proposers' steps) never reaches. */
export const TRUSTED = 80;

/**
 * The trust an overlay regains for a round of sustained success: `step` more, never above the trust it was
 * registered with nor to TRUSTED. Null: nothing to regain.
 */
export function restoredTrust(current: number, registered: number, step: number): number | null {
  const ceiling = registered < TRUSTED - 1 ? registered : TRUSTED - 1;
  if (current >= ceiling) return null;
  return current + step > ceiling ? ceiling : current + step;
}

/** Behaviour that earns trust back: at least `minCalls` calls, under 1 % of them failed. */
export function sustainedSuccess(m: { readonly invocations: number; readonly failure_rate: number }, minCalls: number): boolean {
  return m.invocations >= minCalls && m.failure_rate < 0.01;
}

// ---- governance ---------------------------------------------------------------------------------------

/** Users at or above this trust vote (and delegate). */
export const VOTER_TRUST = TRUSTED;

/** Whether a user of `trust` votes. */
export function eligibleVoter(user: { readonly trust_level: number; readonly disabled?: boolean }): boolean {
  return !user.disabled && user.trust_level >= VOTER_TRUST;
}

/** @throws ForbiddenError below VOTER_TRUST */
export function checkVoter(caller: Pick<Caller, 'trust_level'>): void {
  if (!eligibleVoter(caller)) throw new ForbiddenError(`voting needs trust ${VOTER_TRUST} (TRUSTED) or above`, VOTER_TRUST, caller.trust_level);
}

/** A vote weighs the lower of the voter's trust when it voted and at the close (null: no longer a user). */
export function voteWeight(whenVoting: number, atClose: { readonly trust_level: number; readonly disabled: boolean } | null): number {
  if (!atClose || atClose.disabled) return 0;
  return atClose.trust_level < whenVoting ? atClose.trust_level : whenVoting;
}

/**
 * A proposer's trust after its proposal closed: `step` up for a passed one (never to TRUSTED), down for a
 * rejected one (never below `floor`). Null: no change.
 */
export function proposerTrustAfter(current: number, outcome: 'passed' | 'rejected', step: number, floor: number): number | null {
  if (outcome === 'passed') {
    const to = current + step > TRUSTED - 1 ? TRUSTED - 1 : current + step;
    return to > current ? to : null;
  }
  const to = current - step < floor ? floor : current - step;
  return to < current ? to : null;
}

/**
 * Whether a change to `trust` (from `from`, when it replaces a value) is at the gate: at or above
 * `gateTrust`, and not a lowering. Such a change needs a passed proposal or an admin's emergency.
 */
export function atGate(gateTrust: number, trust: number, from?: number): boolean {
  return trust >= gateTrust && (from === undefined || trust > from);
}

/** Who may declare an emergency at the gate: admins. */
export function mayDeclareEmergency(caller: Pick<Caller, 'roles'>): boolean {
  return hasRole(caller, 'admin');
}
