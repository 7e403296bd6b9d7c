import { canReadEvent, checkPublishLabel } from '../auth/policy.js';
import { NotFoundError, RequestValidationError } from '../errors.js';
import type { CascadeLink, Caller, ForgeEvent, GraphStore } from '../store/graph-store.js';
import type { EventBus } from './bus.js';
import { SYSTEM_EVENT_KINDS } from './kinds.js';

/** A cascade hop as the API shows it. */
export type LinkView = Omit<CascadeLink, 'cascade_id' | 'event_id' | 'kind' | 'hop' | 'trust_level'>;

/** One event of a cascade with what it triggered; an event above the reader's trust is a redacted stub. */
export type CascadeNode =
  | { readonly event: ForgeEvent; readonly links: readonly LinkView[]; readonly children: readonly CascadeNode[] }
  | { readonly event: { readonly hop: number; readonly redacted: true }; readonly hidden: number };

export interface CascadeTree {
  readonly cascade_id: string;
  readonly root: CascadeNode;
  /** Events in the cascade, the hidden ones included. */
  readonly events: number;
  /** Deliveries made, and those stopped (by reason). */
  readonly delivered: number;
  readonly stopped: { readonly cycle: number; readonly hop_limit: number };
  /** The deepest hop reached. */
  readonly depth: number;
  /** Events above the reader's trust (shown as redacted stubs, their branches hidden). */
  readonly redacted: number;
}

export interface Reach {
  readonly target: string;
  /** The fewest hops it was reached in. */
  readonly hops: number;
  /** The subscriber it was reached from on that path. */
  readonly via: string;
  /** Deliveries recorded along that last step. */
  readonly links: number;
}

const MAX_CASCADE_EVENTS = 10_000;

/**
 * Reading events and cascades through the trust rules, and publishing on behalf of API callers. A reader
 * sees an event only at or below its own trust; a cascade whose first event it cannot read does not exist
 * for it.
 */
export class EventQueries {
  private readonly deps: { store: Pick<GraphStore, 'getEvent' | 'listEvents' | 'listCascadeLinks' | 'triggeredTargets'>; bus: Pick<EventBus, 'publish'> };

  constructor(deps: EventQueries['deps']) {
    this.deps = deps;
  }

  /** Publishes as a user: at most at its trust, never a kind only Forge publishes. */
  async publish(caller: Caller, input: { kind: string; payload: unknown; trust_level?: number | undefined; correlation_id?: string | undefined }): Promise<ForgeEvent> {
    if (SYSTEM_EVENT_KINDS.has(input.kind))
      throw new RequestValidationError('body', [{ path: ['kind'], message: `${input.kind} events are published by Forge itself, not through the API` }]);
    const trust = input.trust_level ?? caller.trust_level;
    checkPublishLabel(caller, trust);
    return this.deps.bus.publish({
      kind: input.kind,
      payload: input.payload,
      trust_level: trust,
      source: { type: 'user', id: caller.id },
      correlation_id: input.correlation_id ?? null,
    });
  }

  async get(caller: Caller, id: string): Promise<ForgeEvent> {
    const event = await this.deps.store.getEvent(id);
    if (!event || !canReadEvent(caller.trust_level, event)) throw new NotFoundError('event', id);
    return event;
  }

  list(caller: Caller, filter: { kind?: string | undefined; cascade_id?: string | undefined; after_seq?: number | undefined; limit: number }): Promise<ForgeEvent[]> {
    return this.deps.store.listEvents({
      limit: filter.limit,
      max_trust: caller.trust_level,
      ...(filter.kind ? { kind: filter.kind } : {}),
      ...(filter.cascade_id ? { cascade_id: filter.cascade_id } : {}),
      ...(filter.after_seq !== undefined ? { after_seq: filter.after_seq } : {}),
    });
  }

  /**
   * A cascade as a tree from its first event: each event with the deliveries it made or that were stopped
   * (a cycle, the hop limit) and the events published while it was handled. `id` may be any of its events.
   * @throws NotFoundError when there is no such cascade, or the reader may not read its first event
   */
  async cascade(caller: Caller, id: string): Promise<CascadeTree> {
    const start = await this.get(caller, id);
    const root = start.cascade_id === start.id ? start : await this.get(caller, start.cascade_id);
    const [events, links] = await Promise.all([
      this.deps.store.listEvents({ cascade_id: root.cascade_id, limit: MAX_CASCADE_EVENTS }),
      this.deps.store.listCascadeLinks(root.cascade_id),
    ]);
    const children = new Map<string, ForgeEvent[]>();
    for (const e of events) if (e.parent_id) children.set(e.parent_id, [...(children.get(e.parent_id) ?? []), e]);
    const linksOf = new Map<string, LinkView[]>();
    for (const { cascade_id: _c, event_id, kind: _k, hop: _h, trust_level: _t, ...view } of links) linksOf.set(event_id, [...(linksOf.get(event_id) ?? []), view]);
    let redacted = 0;
    const subtree = (e: ForgeEvent): number => 1 + (children.get(e.id) ?? []).reduce((n, c) => n + subtree(c), 0);
    const node = (e: ForgeEvent): CascadeNode => {
      if (!canReadEvent(caller.trust_level, e)) {
        redacted++;
        // Nothing of a hidden event but its place: no id, no kind, no trust.
        return { event: { hop: e.hop, redacted: true }, hidden: subtree(e) - 1 };
      }
      return { event: e, links: linksOf.get(e.id) ?? [], children: (children.get(e.id) ?? []).map(node) };
    };
    const tree = node(root);
    const visible = events.filter((e) => canReadEvent(caller.trust_level, e));
    const visibleIds = new Set(visible.map((e) => e.id));
    const shown = links.filter((l) => visibleIds.has(l.event_id));
    return {
      cascade_id: root.cascade_id,
      root: tree,
      events: events.length,
      delivered: shown.filter((l) => l.outcome === 'delivered').length,
      stopped: { cycle: shown.filter((l) => l.reason === 'cycle').length, hop_limit: shown.filter((l) => l.reason === 'hop_limit').length },
      depth: visible.reduce((d, e) => Math.max(d, e.hop), 0),
      redacted,
    };
  }

  /**
   * What `source` (a subscriber key, `overlay:<name>`) has reached through cascades, up to `hops` deliveries
   * away: each target once, at the fewest hops, from the delivered TRIGGERED links.
   */
  async affected(caller: Caller, source: string, hops: number): Promise<Reach[]> {
    const reached = new Map<string, Reach>([[source, { target: source, hops: 0, via: source, links: 0 }]]);
    let frontier = [source];
    for (let hop = 1; hop <= hops && frontier.length > 0; hop++) {
      const next: string[] = [];
      for (const { source: via, target, links } of await this.deps.store.triggeredTargets(frontier, caller.trust_level)) {
        if (reached.has(target)) continue;
        reached.set(target, { target, hops: hop, via, links });
        next.push(target);
      }
      frontier = next;
    }
    reached.delete(source);
    return [...reached.values()];
  }
}
