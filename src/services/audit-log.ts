import { joinLabels, mayObserve, PUBLIC_LABEL } from '../auth/policy.js';
import type { AuditEntry, Caller, GraphStore, JsonObject } from '../store/graph-store.js';

/** The label of what cannot be told (a record that is gone, a kind of entry nobody described): only CORE sees it. */
const UNKNOWN_LABEL = 100;

/** An audit entry a reader may not see: its place in the chain, nothing of what it describes. */
export interface RedactedAuditEntry {
  readonly seq: number;
  readonly id: string;
  readonly at: string;
  readonly hash: string;
  readonly prev_hash: string;
  readonly redacted: true;
}

export type VisibleAuditEntry = (AuditEntry & { readonly label: number }) | RedactedAuditEntry;

type Resolver = (entry: AuditEntry) => Promise<number>;

const ids = (v: unknown): string[] =>
  Array.isArray(v)
    ? v.flatMap((x) => (typeof x === 'string' ? [x] : x && typeof x === 'object' && typeof (x as JsonObject).id === 'string' ? [(x as JsonObject).id as string] : []))
    : [];
const nums = (...v: unknown[]): number[] => v.filter((x): x is number => typeof x === 'number');

/**
 * The audit log as a reader sees it. Each entry is labelled by what it describes — a capsule (and the
 * sources it names) its trust, a request its caller's, an event its own, a user (and a key) the user's, a
 * dead letter its request's — and an entry above the reader is shown redacted: its place in the chain, no
 * id, actor or detail of what it describes. Proposals, settings and overlays are everyone's to see (0);
 * what cannot be told any more is CORE (100).
 */
export class AuditLogReader {
  private readonly store: Pick<GraphStore, 'listAudit' | 'getCapsules' | 'getRequest' | 'getEvent' | 'getUser' | 'getApiKey'>;

  constructor(deps: { store: AuditLogReader['store'] }) {
    this.store = deps.store;
  }

  private async capsules(idsOf: readonly string[]): Promise<number> {
    if (idsOf.length === 0) return PUBLIC_LABEL;
    const found = await this.store.getCapsules(idsOf);
    return joinLabels(found.length < new Set(idsOf).size ? UNKNOWN_LABEL : PUBLIC_LABEL, ...found.map((c) => c.trust_level));
  }

  private async request(id: unknown): Promise<number> {
    const record = typeof id === 'string' ? await this.store.getRequest(id) : null;
    return record ? record.caller.trust_level : UNKNOWN_LABEL;
  }

  private async user(id: unknown): Promise<number> {
    const user = typeof id === 'string' ? await this.store.getUser(id) : null;
    return user ? user.trust_level : UNKNOWN_LABEL;
  }

  private readonly resolvers: Record<string, Resolver> = {
    capsule: async (e) => this.capsules([e.entity_id, ...ids(e.details.derived_from), ...ids(e.details.roots), ...ids(e.details.marked)]),
    request: async (e) => joinLabels(await this.request(e.entity_id), await this.capsules(ids(e.details.citations))),
    cascade: async (e) => {
      const event = typeof e.details.event_id === 'string' ? await this.store.getEvent(e.details.event_id) : null;
      return event ? event.trust_level : UNKNOWN_LABEL;
    },
    user: async (e) => {
      const trust = e.details.trust as { from?: unknown; to?: unknown } | undefined;
      return joinLabels(await this.user(e.entity_id), ...nums(e.details.trust_level, e.details.trust, trust?.from, trust?.to));
    },
    api_key: async (e) => {
      const key = await this.store.getApiKey(e.entity_id);
      return this.user(key?.user_id ?? e.details.user_id);
    },
    'dead-letter': async (e) => {
      const requests = [e.details.request_id, ...((e.details.letters as Array<{ request_id?: unknown }> | undefined) ?? []).map((l) => l.request_id)].filter(
        (r) => r !== undefined && r !== null,
      );
      return joinLabels(...(await Promise.all(requests.map((r) => this.request(r)))));
    },
    overlay: async (e) => joinLabels(...nums(e.details.trust)),
    proposal: async () => PUBLIC_LABEL,
    setting: async () => PUBLIC_LABEL,
  };

  /** The label of one entry. */
  async label(entry: AuditEntry): Promise<number> {
    const resolve = this.resolvers[entry.entity_type];
    return resolve ? resolve(entry) : UNKNOWN_LABEL;
  }

  /** A page of the log, newest first, as `reader` may see it. */
  async read(reader: Caller, query: Parameters<GraphStore['listAudit']>[0]): Promise<VisibleAuditEntry[]> {
    const entries = await this.store.listAudit(query);
    return Promise.all(
      entries.map(async (entry): Promise<VisibleAuditEntry> => {
        const label = await this.label(entry);
        if (mayObserve(reader.trust_level, label)) return { ...entry, label };
        return { seq: entry.seq, id: entry.id, at: entry.at, hash: entry.hash, prev_hash: entry.prev_hash, redacted: true };
      }),
    );
  }
}
