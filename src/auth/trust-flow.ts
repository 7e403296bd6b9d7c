/**
 * The trust-flow rules, in one place (docs/security.md states them):
 *
 * 1. A reader sees a capsule only at or below its own trust level; so with events, their cascades, and
 *    what an overlay subscribed to an event is delivered (never an event above the overlay's trust).
 * 2. Whatever acts for a caller (an overlay serving a request, a phase) reads at
 *    min(caller trust, actor trust): it never reads above the caller it serves.
 * 3. A capsule derived from sources (a saved answer, an overlay's capsule, a fork, a new version) has a
 *    trust level at least the highest of its sources' and at most its writer's. A write that cannot
 *    satisfy both is refused, naming both numbers.
 * 4. A new version may be written by the capsule's owner, or by a contributor (or admin) whose trust is at
 *    or above the capsule's; it is owned by its writer. A new version may not go below the trust of the
 *    capsule's own sources; lowering a capsule without sources needs the admin role and a reason, and
 *    is audited with it.
 * 5. Lineage and descendants show a node the reader may not see only as a count of redacted nodes.
 */
import { ForgeError, ForbiddenError } from '../errors.js';
import type { Caller, Capsule } from '../store/graph-store.js';

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
  return event.trust_level <= readerTrust;
}

/** Rule 1. */
export function canRead(readerTrust: number, capsule: Pick<Capsule, 'trust_level'>): boolean {
  return capsule.trust_level <= readerTrust;
}

/**
 * Rule 1, for requests: a request is its submitter's; a caller who may read anyone's (operators) reads
 * another's only at or below its own trust, since its answer carries knowledge up to the submitter's trust.
 */
export function canReadRequest(reader: Pick<Caller, 'id' | 'trust_level'>, readsAny: boolean, request: { readonly caller: Pick<Caller, 'id' | 'trust_level'> }): boolean {
  return request.caller.id === reader.id || (readsAny && request.caller.trust_level <= reader.trust_level);
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
