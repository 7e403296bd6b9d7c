import Database from 'better-sqlite3';
import { GENESIS_HASH } from '../records.js';
import type { JsonObject } from '../graph-store.js';
import type { TransferKind, TransferRecords, TransferSource } from '../transfer.js';
import {
  AUDIT_COLUMNS,
  CAPSULE_COLUMNS,
  passageVectorsOf,
  toAudit,
  toCapsule,
  toEvent,
  toOverlay,
  toProposal,
  toRequest,
  toUser,
  vectorOf,
  type AuditRow,
  type CapsuleRow,
  type EventRow,
  type OverlayRow,
  type ProposalRow,
  type RequestRow,
  type UserRow,
} from './sqlite-graph-store.js';

/** Each kind's query, in a fixed order (LIMIT and OFFSET appended), and how a row becomes a record. */
const READS: { readonly [K in TransferKind]: { readonly sql: string; readonly count: string; readonly map: (row: never) => TransferRecords[K] } } = {
  users: {
    sql: 'SELECT * FROM users ORDER BY rowid',
    count: 'users',
    map: (row: UserRow) => ({ ...toUser(row), password_hash: row.password_hash, totp_secret: row.totp_secret }),
  },
  trust_history: {
    sql: `SELECT user_id, at, actor_id, old_trust, new_trust, reason, ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY seq) AS user_seq
            FROM trust_history ORDER BY trust_history.seq`,
    count: 'trust_history',
    map: ({ user_seq, ...row }: { user_seq: number; user_id: string; at: string; actor_id: string; old_trust: number; new_trust: number; reason: string }) => ({
      ...row,
      seq: user_seq,
    }),
  },
  api_keys: {
    sql: 'SELECT id, user_id, label, prefix, hash, created_at, last_used_at, revoked_at FROM api_keys ORDER BY rowid',
    count: 'api_keys',
    map: (row: TransferRecords['api_keys']) => row,
  },
  refresh_tokens: {
    sql: 'SELECT id, family_id, user_id, hash, created_at, expires_at, used_at, revoked_at FROM refresh_tokens ORDER BY rowid',
    count: 'refresh_tokens',
    map: (row: TransferRecords['refresh_tokens']) => row,
  },
  overlays: { sql: 'SELECT * FROM overlays ORDER BY rowid', count: 'overlays', map: (row: OverlayRow) => toOverlay(row) },
  capsules: {
    sql: `SELECT ${CAPSULE_COLUMNS}, c.embedding, c.embedding_model, p.vectors FROM capsules c LEFT JOIN capsule_passages p ON p.rowid = c.rowid ORDER BY c.rowid`,
    count: 'capsules',
    map: (row: CapsuleRow & { embedding: Buffer; embedding_model: string; vectors: Buffer | null }) => {
      const embedding = vectorOf(row.embedding);
      return {
        ...toCapsule(row),
        embedding: Array.from(embedding),
        passage_embeddings: passageVectorsOf(row.vectors, embedding.length).map((v) => Array.from(v)),
        embedding_model: row.embedding_model,
        written: row.rowid,
      };
    },
  },
  lineage: {
    sql: 'SELECT child_id, parent_id, reason, changes, created_at FROM derived_from ORDER BY created_at, child_id, parent_id',
    count: 'derived_from',
    map: (row: { child_id: string; parent_id: string; reason: string; changes: string; created_at: string }) => ({ ...row, changes: JSON.parse(row.changes) as JsonObject }),
  },
  requests: { sql: 'SELECT * FROM requests ORDER BY rowid', count: 'requests', map: (row: RequestRow) => toRequest(row) },
  audit: {
    sql: `SELECT ${AUDIT_COLUMNS}, dedupe_key FROM audit_log ORDER BY seq`,
    count: 'audit_log',
    map: (row: AuditRow & { dedupe_key: string | null }) => ({ ...toAudit(row), dedupe_key: row.dedupe_key }),
  },
  events: {
    sql: 'SELECT seq, id, kind, payload, trust_level, source, correlation_id, cascade_id, hop, parent_id, visited, created_at FROM events ORDER BY seq',
    count: 'events',
    map: (row: EventRow) => toEvent(row),
  },
  deliveries: {
    sql: 'SELECT event_id, subscriber, delivered_at FROM event_deliveries ORDER BY event_id, subscriber',
    count: 'event_deliveries',
    map: (row: TransferRecords['deliveries']) => row,
  },
  cascade_links: {
    sql: 'SELECT event_id, cascade_id, hop, kind, source, target, target_id, payload_digest, outcome, reason, trust_level, at FROM cascade_links ORDER BY seq',
    count: 'cascade_links',
    map: (row: TransferRecords['cascade_links']) => row,
  },
  proposals: { sql: 'SELECT * FROM proposals ORDER BY created_at, id', count: 'proposals', map: (row: ProposalRow) => toProposal(row) },
  votes: { sql: 'SELECT proposal_id, voter_id, choice, weight, at FROM votes ORDER BY proposal_id, voter_id', count: 'votes', map: (row: TransferRecords['votes']) => row },
  delegations: { sql: 'SELECT delegator_id, delegate_id, at FROM delegations ORDER BY delegator_id', count: 'delegations', map: (row: TransferRecords['delegations']) => row },
  settings: {
    sql: 'SELECT key, value, updated_at FROM settings ORDER BY key',
    count: 'settings',
    map: (row: { key: string; value: string; updated_at: string }) => ({ ...row, value: JSON.parse(row.value) as unknown }),
  },
  cursors: { sql: 'SELECT name, value FROM cursors ORDER BY name', count: 'cursors', map: (row: TransferRecords['cursors']) => row },
};

/**
 * The embedded store's file read as records, on a read-only connection inside one read transaction: a
 * consistent view of the store even while a Forge writes to it (what is written meanwhile is not copied).
 * Open the file with `SqliteGraphStore.open` first, so its schema is current.
 */
export class SqliteTransferSource implements TransferSource {
  private readonly db: Database.Database;

  constructor(file: string) {
    this.db = new Database(file, { readonly: true, fileMustExist: true });
    this.db.exec('BEGIN');
    // The snapshot starts at the first read.
    this.db.prepare('SELECT count(*) FROM audit_log').pluck().get();
  }

  async identity(): Promise<string> {
    const first = this.db.prepare<[], string>('SELECT id FROM audit_log ORDER BY seq LIMIT 1').pluck().get();
    return first ? `sqlite:${first}` : 'sqlite:empty';
  }

  async count(kind: TransferKind): Promise<number> {
    return this.db.prepare<[], number>(`SELECT count(*) FROM ${READS[kind].count}`).pluck().get() ?? 0;
  }

  async read<K extends TransferKind>(kind: K, offset: number, limit: number): Promise<Array<TransferRecords[K]>> {
    const { sql, map } = READS[kind];
    return this.db
      .prepare(`${sql} LIMIT ? OFFSET ?`)
      .all(limit, offset)
      .map((row) => map(row as never));
  }

  async auditHead(): Promise<{ seq: number; hash: string }> {
    const head = this.db.prepare<[], { seq: number; hash: string }>('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1').get();
    return head ?? { seq: 0, hash: GENESIS_HASH };
  }

  async close(): Promise<void> {
    if (!this.db.open) return;
    this.db.exec('COMMIT');
    this.db.close();
  }
}
