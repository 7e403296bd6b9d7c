import type {
  ApiKeyRecord,
  AuditEntry,
  Capsule,
  CascadeLink,
  Delegation,
  ForgeEvent,
  JsonObject,
  OverlayRecord,
  Proposal,
  RequestRecord,
  TrustChange,
  UserRecord,
  Vote,
} from './graph-store.js';

/**
 * A whole store as records, for copying it to another adapter (`forge migrate`): everything a store holds,
 * its secrets' hashes and its vectors included, with the ids, times and sequence numbers it was written
 * with, so the copy is the same store — its audit chain verifies, its cursors and event sequence carry on.
 * The kinds are copied in this order (what a record refers to is copied before it).
 */
export const TRANSFER_KINDS = [
  'users',
  'trust_history',
  'api_keys',
  'refresh_tokens',
  'overlays',
  'capsules',
  'lineage',
  'requests',
  'audit',
  'events',
  'deliveries',
  'cascade_links',
  'proposals',
  'votes',
  'delegations',
  'settings',
  'cursors',
] as const;
export type TransferKind = (typeof TRANSFER_KINDS)[number];

/** The records of each kind. */
export interface TransferRecords {
  users: UserRecord & { readonly password_hash: string | null; readonly totp_secret: string | null };
  /** `seq`: the change's place in its user's history, from 1. */
  trust_history: TrustChange & { readonly seq: number };
  api_keys: ApiKeyRecord & { readonly hash: string };
  refresh_tokens: {
    readonly id: string;
    readonly family_id: string;
    readonly user_id: string;
    readonly hash: string;
    readonly created_at: string;
    readonly expires_at: string;
    readonly used_at: string | null;
    readonly revoked_at: string | null;
  };
  overlays: OverlayRecord;
  /** `written`: the order capsules were written in (which of several at one place in a thread is the latest). */
  capsules: Capsule & { readonly embedding: number[]; readonly passage_embeddings: number[][]; readonly embedding_model: string; readonly written: number };
  lineage: { readonly child_id: string; readonly parent_id: string; readonly reason: string; readonly changes: JsonObject; readonly created_at: string };
  requests: RequestRecord;
  audit: AuditEntry & { readonly dedupe_key: string | null };
  events: ForgeEvent;
  deliveries: { readonly event_id: string; readonly subscriber: string; readonly delivered_at: string };
  cascade_links: CascadeLink;
  proposals: Proposal;
  votes: Vote;
  delegations: Delegation;
  settings: { readonly key: string; readonly value: unknown; readonly updated_at: string };
  cursors: { readonly name: string; readonly value: number };
}

/** A store read as records: a consistent view while it is open. */
export interface TransferSource {
  /** What identifies this store's contents (a copy is resumed only from the same source). */
  identity(): Promise<string>;
  count(kind: TransferKind): Promise<number>;
  /** Records `offset` to `offset + limit` of a kind, in a fixed order. */
  read<K extends TransferKind>(kind: K, offset: number, limit: number): Promise<Array<TransferRecords[K]>>;
  /** The audit chain's head (seq 0 and the genesis hash when empty). */
  auditHead(): Promise<{ seq: number; hash: string }>;
  close(): Promise<void>;
}

/** How far a copy into a target has come. */
export interface TransferProgress {
  readonly source: string;
  /** Records written, by kind. */
  readonly done: Readonly<Partial<Record<TransferKind, number>>>;
  readonly finished: boolean;
}

/** A store written from records: each write is idempotent (a record already there is left as it is). */
export interface TransferTarget {
  /** Whether it holds anything but its schema (a copy's progress counts as content only for another source). */
  isEmpty(): Promise<boolean>;
  progress(): Promise<TransferProgress | null>;
  /** Writes records and, in the same transaction, how many of their kind are now done. */
  write<K extends TransferKind>(kind: K, records: ReadonlyArray<TransferRecords[K]>, progress: { source: string; done: number }): Promise<void>;
  /** After the last kind: sets the audit chain's head and the event sequence, derives search statistics, marks it finished. */
  finish(source: string, auditHead: { seq: number; hash: string }): Promise<void>;
  /** Deletes everything it holds (for `--replace`); the schema is kept. */
  clear(): Promise<void>;
  /** How many records of every kind it holds. */
  counts(): Promise<Record<TransferKind, number>>;
}
