import { joinLabels, mayObserve } from '../auth/policy.js';
import type { AuditEntry, GraphStore, JsonObject, OverlayRecord, Proposal } from '../store/graph-store.js';
import { uuidV5 } from '../util/ids.js';
import type { EventBus, PublishInput } from './bus.js';

/** The cursor (in the graph store) of the last audit entry turned into events. */
export const OUTBOX_CURSOR = 'events.outbox';
const BATCH = 500;
const SOURCE = { type: 'system', id: 'forge', name: 'forge' } as const;

const num = (v: unknown, fallback = 0): number => (typeof v === 'number' ? v : fallback);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/**
 * The system event an audit entry announces, or null. The audit entry is written in the same transaction
 * as the change it records, so the audit log is the outbox: a change that committed always gets its
 * event, even when the process that made it died right after.
 */
export function systemEventOf(entry: AuditEntry, overlay: OverlayRecord | null, proposal: Proposal | null = null): Omit<PublishInput, 'source'> | null {
  const d = entry.details as JsonObject & { derived_from?: Array<{ id?: string; changes?: { trust_from?: unknown } }>; trust?: { from?: number; to?: number } };
  const fixed = { id: uuidV5(`audit-event:${entry.seq}:${entry.hash}`), correlation_id: null };
  switch (entry.action) {
    case 'capsule.create':
    case 'capsule.fork':
      return {
        ...fixed,
        kind: 'capsule_created',
        trust_level: num(d.trust_level),
        payload: { capsule_id: entry.entity_id, version: str(d.version), trust_level: num(d.trust_level) },
      };
    case 'capsule.update': {
      // A version lowered below its predecessor (declassified) does not name the predecessor its readers may not see.
      const previous = d.derived_from?.[0];
      const hidden = !mayObserve(num(d.trust_level), num(previous?.changes?.trust_from, num(d.trust_level)));
      return {
        ...fixed,
        kind: 'capsule_updated',
        trust_level: num(d.trust_level),
        payload: { capsule_id: entry.entity_id, version: str(d.version), previous_id: hidden ? null : str(previous?.id) || entry.entity_id, trust_level: num(d.trust_level) },
      };
    }
    case 'overlay.active':
      if (!overlay) return null;
      return { ...fixed, kind: 'overlay_activated', trust_level: overlay.trust_level, payload: { overlay_id: overlay.id, name: overlay.name, version: overlay.version } };
    case 'overlay.quarantined':
      if (!overlay) return null;
      return {
        ...fixed,
        kind: 'overlay_quarantined',
        trust_level: overlay.trust_level,
        payload: { overlay_id: overlay.id, name: overlay.name, reason: str(d.reason).slice(0, 1000) || 'quarantined' },
      };
    case 'user.update': {
      if (!d.trust || typeof d.trust.from !== 'number' || typeof d.trust.to !== 'number') return null;
      // Readers at or above the higher of the two levels see it.
      return {
        ...fixed,
        kind: 'trust_changed',
        trust_level: joinLabels(d.trust.from, d.trust.to),
        payload: { user_id: entry.entity_id, from: d.trust.from, to: d.trust.to, reason: str(d.reason).slice(0, 1000) || 'not given' },
      };
    }
    case 'proposal.voting':
      if (!proposal) return null;
      return { ...fixed, kind: 'proposal_opened', trust_level: 0, payload: { proposal_id: proposal.id, title: proposal.title.slice(0, 500), kind: proposal.kind } };
    case 'proposal.closed': {
      const outcome = (d.outcome as string | undefined) ?? proposal?.outcome;
      if (outcome !== 'passed' && outcome !== 'rejected' && outcome !== 'expired') return null;
      return { ...fixed, kind: 'proposal_closed', trust_level: 0, payload: { proposal_id: entry.entity_id, outcome } };
    }
    default:
      return null;
  }
}

/**
 * Turns the audit entries after the outbox cursor into system events (capsule_created, capsule_updated,
 * overlay_activated, overlay_quarantined, trust_changed, proposal_opened, proposal_closed) and moves the cursor. Safe to run twice or
 * concurrently: each entry's event has a fixed id, so a replay records and delivers nothing twice.
 * Returns how many events it published.
 */
export async function relayAuditEvents(deps: {
  store: Pick<GraphStore, 'listAuditAfter' | 'getCursor' | 'advanceCursor' | 'getOverlay' | 'getProposal'>;
  bus: Pick<EventBus, 'publish'>;
}): Promise<number> {
  let published = 0;
  for (let cursor = await deps.store.getCursor(OUTBOX_CURSOR); ;) {
    const entries = await deps.store.listAuditAfter(cursor, BATCH);
    if (entries.length === 0) return published;
    for (const entry of entries) {
      const overlay = entry.entity_type === 'overlay' ? await deps.store.getOverlay(entry.entity_id) : null;
      const proposal = entry.entity_type === 'proposal' && entry.action === 'proposal.voting' ? await deps.store.getProposal(entry.entity_id) : null;
      const event = systemEventOf(entry, overlay, proposal);
      if (event) {
        await deps.bus.publish({ ...event, source: SOURCE });
        published++;
      }
    }
    cursor = (entries.at(-1) as AuditEntry).seq;
    await deps.store.advanceCursor(OUTBOX_CURSOR, cursor);
  }
}
