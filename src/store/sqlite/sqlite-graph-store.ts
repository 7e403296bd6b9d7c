import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ConflictError, NotFoundError } from '../../errors.js';
import { lateCosine } from '../../search/embedder.js';
import { QuantizedVectorIndex } from '../../search/vector-index.js';
import { candidatesPerSide, rankInThreads, weightedFusion } from '../../search/fusion.js';
import { words, isStopword } from '../../search/text.js';
import {
  DEFAULT_LINEAGE_LIMITS,
  TERMINAL_STATUSES,
  type AuditEntry,
  type Capsule,
  type CapsuleFilter,
  type CapsulePatch,
  type CapsuleType,
  type DerivationInput,
  type EmbeddingUpdate,
  type ForkInput,
  type GraphStore,
  type JsonObject,
  type LineageEntry,
  type LineageLimits,
  type MutationContext,
  type NewAuditEntry,
  type NewCapsule,
  type NewOverlay,
  type NewRequest,
  type OverlayFilter,
  type OverlayRecord,
  type OverlayState,
  type OverlayStateChange,
  type Page,
  type RequestOutcome,
  type RequestRecord,
  type RequestStatus,
  type SearchHit,
  type StaleEmbedding,
  type CascadeLink,
  type Delegation,
  type NewProposal,
  type Proposal,
  type ProposalChange,
  type ProposalKind,
  type ProposalOutcome,
  type ProposalStatus,
  type Vote,
  type EventFilter,
  type ForgeEvent,
  type NewEvent,
  type SearchQuery,
  type StoreStats,
  type ApiKeyRecord,
  type RefreshOutcome,
  type NewApiKey,
  type NewUser,
  type Role,
  type TrustChange,
  type UserChange,
  type UserRecord,
} from '../graph-store.js';
import { compareVersions, isSemver, nextPatch } from '../versions.js';
import { MIGRATIONS } from './migrations.js';
import { IndexTokenizer, queryTerms, rankForReader, TEXT_CANDIDATES, type CorpusStats } from '../../search/reader-bm25.js';
import { AuditChainCheck, chainedAuditEntry, decodeCursor, encodeCursor, forkOf, GENESIS_HASH, manifestOf, newVersionOf, proposalAction, staleAuditEntry } from '../records.js';

export interface SqliteGraphStoreOptions {
  /** Database file; `:memory:` for a throwaway store. */
  readonly file: string;
  /** @defaultValue 5000 */
  readonly busyTimeoutMs?: number;
}

export interface CapsuleRow {
  rowid: number;
  id: string;
  content: string;
  type: string;
  version: string;
  parent_id: string | null;
  owner_id: string;
  trust_level: number;
  metadata: string;
  tags: string;
  created_at: string;
  updated_at: string;
  archived: number;
  superseded_by: string | null;
  stale_reason: string | null;
  stale_at: string | null;
  stale_source: string | null;
}

export interface RequestRow {
  id: string;
  status: string;
  correlation_id: string;
  caller: string;
  query: string;
  required_trust: number;
  save_as_capsule: number;
  metadata: string;
  idempotency_key: string | null;
  answer: string | null;
  citations: string;
  phase_timings: string;
  result: string;
  error: string | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
}

export interface AuditRow {
  seq: number;
  id: string;
  at: string;
  actor_id: string;
  action: string;
  entity_type: string;
  entity_id: string;
  details: string;
  prev_hash: string;
  hash: string;
}

export const CAPSULE_COLUMNS =
  'c.rowid AS rowid, c.id, c.content, c.type, c.version, c.parent_id, c.owner_id, c.trust_level, c.metadata, c.tags, c.created_at, c.updated_at, c.archived, c.superseded_by, c.stale_reason, c.stale_at, c.stale_source';
/** Bound of the search cache (capsules kept); past it it starts again. */
const SEARCH_CACHE_CAPSULES = 10_000;
/**
 * The vector side over-fetches this many index candidates per ranked result wanted (filters and rescoring
 * drop some), four times more on each refill, and past `EXACT_SCAN_AFTER` candidates (a filter passing
 * fewer than about 1 in 80 capsules) ranks by scanning just what the filter passes instead.
 */
const OVER_FETCH = 4;
/** Capsules another model embedded, as two ranges of the embedding-model index (`!=` would scan every row). */
const STALE_EMBEDDING = '(embedding_model < ? OR embedding_model > ?)';
const EXACT_SCAN_AFTER = 4096;
/** Vector index keys: a capsule's rowid × KEY_SLOTS, + 0 for its whole text, + 1… for its passages (at most MAX_PASSAGES). */
const KEY_SLOTS = 64;
/** Quantized similarities can sit this far from the float ones; refilling stops only below it. */
const QUANTIZATION_MARGIN = 0.05;

/** Cached capsules are shared between callers, so none may change one. */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

interface SearchCache {
  readonly generation: number;
  readonly capsules: Map<string, Capsule>;
}
export const AUDIT_COLUMNS = 'seq, id, at, actor_id, action, entity_type, entity_id, details, prev_hash, hash';

export function toCapsule(row: CapsuleRow): Capsule {
  return {
    id: row.id,
    content: row.content,
    type: row.type as CapsuleType,
    version: row.version,
    parent_id: row.parent_id,
    owner_id: row.owner_id,
    trust_level: row.trust_level,
    metadata: JSON.parse(row.metadata) as JsonObject,
    tags: JSON.parse(row.tags) as string[],
    created_at: row.created_at,
    updated_at: row.updated_at,
    archived: row.archived === 1,
    superseded_by: row.superseded_by,
    stale: row.stale_reason === null ? null : { reason: row.stale_reason, since: row.stale_at ?? '', source_id: row.stale_source },
  };
}

export function toRequest(row: RequestRow): RequestRecord {
  return {
    id: row.id,
    status: row.status as RequestStatus,
    correlation_id: row.correlation_id,
    caller: JSON.parse(row.caller) as RequestRecord['caller'],
    query: row.query,
    required_trust: row.required_trust,
    save_as_capsule: row.save_as_capsule === 1,
    metadata: JSON.parse(row.metadata) as JsonObject,
    idempotency_key: row.idempotency_key,
    answer: row.answer,
    citations: JSON.parse(row.citations) as string[],
    phase_timings: JSON.parse(row.phase_timings) as RequestRecord['phase_timings'],
    result: JSON.parse(row.result) as JsonObject,
    error: row.error === null ? null : (JSON.parse(row.error) as RequestRecord['error']),
    created_at: row.created_at,
    updated_at: row.updated_at,
    finished_at: row.finished_at,
  };
}

export interface OverlayRow {
  id: string;
  name: string;
  version: string;
  state: string;
  state_reason: string | null;
  manifest: string;
  manifest_text: string;
  sha256: string;
  blob_key: string;
  wasm_size: number;
  imports: string;
  trust_level: number;
  submitted_by: string;
  config: string;
  activated_at: string | null;
  expires_at: string | null;
  created_at: string;
  updated_at: string;
}

export function toOverlay(row: OverlayRow): OverlayRecord {
  return {
    ...row,
    state: row.state as OverlayState,
    manifest: manifestOf(row.manifest),
    imports: JSON.parse(row.imports) as string[],
    config: JSON.parse(row.config) as JsonObject,
  };
}

export interface UserRow {
  id: string;
  name: string;
  role: string;
  trust_level: number;
  password_hash: string | null;
  disabled: number;
  totp_secret: string | null;
  totp_enabled: number;
  created_at: string;
  updated_at: string;
}

export function toUser(row: UserRow): UserRecord {
  return {
    id: row.id,
    name: row.name,
    role: row.role as Role,
    trust_level: row.trust_level,
    disabled: row.disabled === 1,
    has_password: row.password_hash !== null,
    totp_enabled: row.totp_enabled === 1,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

const API_KEY_COLUMNS = 'id, user_id, label, prefix, created_at, last_used_at, revoked_at';

export interface EventRow {
  seq: number;
  id: string;
  kind: string;
  payload: string;
  trust_level: number;
  source: string;
  correlation_id: string | null;
  cascade_id: string;
  hop: number;
  parent_id: string | null;
  visited: string;
  created_at: string;
}

export function toEvent(row: EventRow): ForgeEvent {
  return { ...row, payload: JSON.parse(row.payload) as JsonObject, source: JSON.parse(row.source) as ForgeEvent['source'], visited: JSON.parse(row.visited) as string[] };
}

export interface ProposalRow {
  id: string;
  title: string;
  description: string;
  kind: ProposalKind;
  action: string;
  proposer_id: string;
  status: ProposalStatus;
  outcome: ProposalOutcome | null;
  created_at: string;
  opened_at: string | null;
  closes_at: string | null;
  closed_at: string | null;
  tally: string | null;
  analysis: string | null;
  execution: string | null;
}

const jsonOrNull = (v: string | null): JsonObject | null => (v === null ? null : (JSON.parse(v) as JsonObject));

export function toProposal(row: ProposalRow): Proposal {
  return {
    ...row,
    action: JSON.parse(row.action) as JsonObject,
    tally: jsonOrNull(row.tally),
    analysis: jsonOrNull(row.analysis),
    execution: jsonOrNull(row.execution),
  };
}

export function toAudit(row: AuditRow): AuditEntry {
  return { ...row, details: JSON.parse(row.details) as JsonObject };
}

function blobOf(vector: Float32Array): Buffer {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
}

/** A capsule's passage vectors as one blob (null when it has none). */
function passagesBlobOf(passages: readonly Float32Array[] | undefined): Buffer | null {
  if (!passages || passages.length === 0) return null;
  return Buffer.concat(passages.map(blobOf));
}

/** The passage vectors of `blob`, each of `dimensions`. */
export function passageVectorsOf(blob: Buffer | null, dimensions: number): Float32Array[] {
  if (!blob || dimensions === 0 || blob.byteLength % (dimensions * 4) !== 0) return [];
  const all = vectorOf(blob);
  const out: Float32Array[] = [];
  for (let at = 0; at < all.length; at += dimensions) out.push(all.subarray(at, at + dimensions));
  return out;
}

export function vectorOf(blob: Buffer): Float32Array {
  // Copy: a Buffer's offset into its pool need not be 4-byte aligned.
  const copy = new Uint8Array(blob.byteLength);
  copy.set(blob);
  return new Float32Array(copy.buffer);
}

/** The audit chain: each entry's hash covers its predecessor's hash and its own fields. */

/** FTS5 query: every content word, quoted (so user text can never be FTS syntax), OR-ed. */
function ftsQuery(text: string): string | null {
  const tokens = [...new Set(words(text).filter((w) => !isStopword(w)))].slice(0, 32);
  return tokens.length === 0 ? null : tokens.map((t) => `"${t.replaceAll('"', '""')}"`).join(' OR ');
}

/** Collects WHERE clauses and their parameters in order. */
class Where {
  readonly clauses: string[] = [];
  readonly params: unknown[] = [];
  add(clause: string, ...params: unknown[]): this {
    this.clauses.push(clause);
    this.params.push(...params);
    return this;
  }
  /** `a AND b`, or `1` when empty. */
  get sql(): string {
    return this.clauses.length ? this.clauses.join(' AND ') : '1';
  }
}

/**
 * The embedded graph store: one SQLite file in WAL mode, shared safely by the processes of one machine.
 * Writes that read-then-write (audit chain, versioning) take the write lock up front (`BEGIN IMMEDIATE`).
 */
export class SqliteGraphStore implements GraphStore {
  readonly kind = 'sqlite';
  readonly file: string;
  private readonly db: Database.Database;
  /** Prepared statements by SQL text; preparing is a large share of a small query's cost. */
  private readonly statements = new Map<string, Database.Statement>();
  /**
   * The vector index, rebuilt from the capsule table when first searched and brought up to it before each
   * search (capsules are immutable and never deleted, so every row with a higher row id is new).
   */
  private vectors: QuantizedVectorIndex | null = null;
  private vectorsModel: string | undefined;
  /** The highest `embedding_seq` the vector index has looked at. */
  private vectorsThrough = 0;
  /** Rows the vector index has looked at and left out (another model or size). */
  private vectorsLeftOut = new Set<number>();
  /** How many passage vectors each capsule (by rowid) has in the index. */
  private vectorPassages = new Map<number, number>();

  private searchCache: SearchCache = { generation: -1, capsules: new Map() };
  /** The full-text index's own tokenizer, for the per-level text statistics. */
  private readonly tokenizer = new IndexTokenizer();

  /** Writes waiting for the next group commit (see `grouped`). */
  private pendingWrites: Array<{ run: () => unknown; resolve: (value: unknown) => void; reject: (err: unknown) => void }> = [];

  /** Runs one write of a group in its own savepoint (a nested better-sqlite3 transaction). */
  private readonly inSavepoint: (run: () => unknown) => unknown;
  /** Runs reads in one (deferred) transaction; see `snapshot`. */
  private readonly inReadTransaction: (read: () => unknown) => unknown;
  private readonly inGroup: Database.Transaction<
    (writes: ReadonlyArray<{ run: () => unknown }>, outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }>) => void
  >;

  protected constructor(db: Database.Database, file: string) {
    this.db = db;
    this.file = file;
    this.inSavepoint = db.transaction((run: () => unknown) => run());
    this.inReadTransaction = db.transaction((read: () => unknown) => read());
    this.inGroup = db.transaction((writes, outcomes) => {
      for (const write of writes) {
        try {
          outcomes.push({ ok: true, value: this.inSavepoint(write.run) });
        } catch (error) {
          outcomes.push({ ok: false, error });
        }
      }
    });
  }

  /**
   * Runs several reads as one read transaction: they see one snapshot, and the WAL read lock (file locks on
   * the shared-memory index, a few system calls) is taken once rather than by every statement.
   */
  private snapshot<T>(read: () => T): T {
    return this.inReadTransaction(read) as T;
  }

  /**
   * Group commit: the frequent small writes of the request path (a request recorded, ended, annotated, its
   * audit entry) issued in the same turn of the event loop share one transaction and one commit. Each runs
   * in its own savepoint, so one write's error rolls back only that write and rejects only its caller; every
   * caller is answered after the commit, so a resolved write is durable like a lone one.
   */
  private grouped<T>(run: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pendingWrites.push({ run, resolve: resolve as (value: unknown) => void, reject });
      if (this.pendingWrites.length === 1) setImmediate(() => this.commitGroup());
    });
  }

  private commitGroup(): void {
    const batch = this.pendingWrites;
    if (!batch.length) return;
    this.pendingWrites = [];
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      if (!this.db.open) throw new Error('the store is closed');
      this.inGroup.immediate(batch, outcomes);
    } catch (error) {
      for (const write of batch) write.reject(error);
      return;
    }
    batch.forEach((write, i) => {
      const outcome = outcomes[i] as (typeof outcomes)[number];
      if (outcome.ok) write.resolve(outcome.value);
      else write.reject(outcome.error);
    });
  }

  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- mirrors better-sqlite3's own bound
  private stmt<P extends unknown[] | {} = unknown[], R = unknown>(sql: string): Database.Statement<P, R> {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement as unknown as Database.Statement<P, R>;
  }

  /**
   * The capsules search returns, kept while no
   * capsule changes: every insert, update or delete of a capsule, from any connection or process, bumps
   * `capsule_generation` (triggers), and one read of that row tells whether the cache still holds.
   */
  private searchable(): SearchCache {
    const generation = this.stmt<[], number>('SELECT n FROM capsule_generation WHERE id = 1').pluck().get() ?? 0;
    if (this.searchCache.generation !== generation) this.searchCache = { generation, capsules: new Map() };
    return this.searchCache;
  }

  /** A capsule's embedding and the model that made it, for a new version or fork that keeps its content. */
  private embeddingOf(id: string): { embedding: Float32Array; passage_embeddings: Float32Array[]; embedding_model: string } {
    const row = this.stmt<[string], { embedding: Buffer; passage_embeddings: Buffer | null; embedding_model: string }>(
      'SELECT c.embedding, p.vectors AS passage_embeddings, c.embedding_model FROM capsules c LEFT JOIN capsule_passages p ON p.rowid = c.rowid WHERE c.id = ?',
    ).get(id);
    if (!row) throw new NotFoundError('capsule', id);
    return { embedding: vectorOf(row.embedding), passage_embeddings: passageVectorsOf(row.passage_embeddings, row.embedding.byteLength / 4), embedding_model: row.embedding_model };
  }

  /** The next value of the sequence every (re-)embedding advances (the write lock is held: no race). */
  private nextEmbeddingSeq(): number {
    return (this.stmt<[], number>('SELECT coalesce(max(embedding_seq), 0) + 1 FROM capsules').pluck().get() as number) ?? 1;
  }

  /**
   * The vector index for queries of `dimensions` embedded by `model`, brought up to the table: every
   * capsule (re-)embedded since the last call, by this process or another, is added or replaced. Capsules
   * of another model or size (a store part-way through re-embedding) are left to the text side until
   * re-embedded; those of an unknown model ('') are compared, as the model that embedded them was the
   * store's own before models were recorded.
   */
  private vectorIndex(dimensions: number, model: string | undefined): QuantizedVectorIndex {
    if (this.vectors?.dimensions !== dimensions || this.vectorsModel !== model) {
      this.vectors = new QuantizedVectorIndex(dimensions);
      this.vectorsModel = model;
      this.vectorsThrough = 0;
      this.vectorsLeftOut = new Set();
      this.vectorPassages = new Map();
    }
    const index = this.vectors;
    const rows = this.stmt<[number], [number, Buffer, Buffer | null, string, number]>(
      'SELECT c.rowid, c.embedding, p.vectors, c.embedding_model, c.embedding_seq FROM capsules c LEFT JOIN capsule_passages p ON p.rowid = c.rowid WHERE c.embedding_seq > ? ORDER BY c.embedding_seq',
    )
      .raw()
      .iterate(this.vectorsThrough);
    for (const [rowid, embedding, passages, rowModel, seq] of rows) {
      // A re-embedded capsule may have fewer passages than before: its old ones go first.
      for (let slot = 1; slot <= (this.vectorPassages.get(rowid) ?? 0); slot++) index.delete(rowid * KEY_SLOTS + slot);
      this.vectorPassages.delete(rowid);
      if (embedding.byteLength === dimensions * 4 && (model === undefined || rowModel === model || rowModel === '')) {
        index.set(rowid * KEY_SLOTS, vectorOf(embedding));
        const own = passageVectorsOf(passages, dimensions);
        own.forEach((p, i) => index.set(rowid * KEY_SLOTS + 1 + i, p));
        if (own.length) this.vectorPassages.set(rowid, own.length);
        this.vectorsLeftOut.delete(rowid);
      } else {
        index.delete(rowid * KEY_SLOTS);
        this.vectorsLeftOut.add(rowid);
      }
      this.vectorsThrough = seq;
    }
    return index;
  }

  /**
   * The vector ranking: the `pool` capsules passing the filter most similar to `embedding` by float cosine,
   * at least `minSimilarity`. Candidates come from the index, over-fetched and refilled until enough pass the
   * filter (the filter applies before the limit), then rescored with the stored float vectors.
   */
  private vectorRanking(
    embedding: Float32Array,
    model: string | undefined,
    pool: number,
    minSimilarity: number,
    where: { sql: string; params: unknown[] },
  ): Array<[string, number]> {
    const index = this.vectorIndex(embedding.length, model);
    type Row = { id: string; embedding: Buffer; passages: Buffer | null; model: string };
    const passing = this.stmt<unknown[], Row>(
      `SELECT c.id AS id, c.embedding AS embedding, p.vectors AS passages, c.embedding_model AS model FROM capsules c LEFT JOIN capsule_passages p ON p.rowid = c.rowid WHERE c.rowid IN (SELECT value FROM json_each(?)) AND ${where.sql}`,
    );
    const comparable = (r: Row) => r.embedding.byteLength === embedding.length * 4 && (model === undefined || r.model === model || r.model === '');
    // Late interaction: the nearer of the capsule's whole text and its best passage.
    const rank = (rows: readonly Row[]): Array<[string, number]> =>
      rows
        .map((r): [string, number] => [r.id, comparable(r) ? lateCosine(embedding, vectorOf(r.embedding), passageVectorsOf(r.passages, embedding.length)) : -Infinity])
        .filter(([, score]) => score >= minSimilarity)
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .slice(0, pool);
    // A store the over-fetch would take whole is ranked by one scan of what the filter passes.
    const whole = index.size + this.vectorsLeftOut.size <= pool * OVER_FETCH;
    for (let k = pool * OVER_FETCH; ; k *= OVER_FETCH) {
      if (k > EXACT_SCAN_AFTER || whole) {
        return rank(
          this.stmt<unknown[], Row>(
            `SELECT c.id AS id, c.embedding AS embedding, p.vectors AS passages, c.embedding_model AS model FROM capsules c LEFT JOIN capsule_passages p ON p.rowid = c.rowid WHERE ${where.sql}`,
          ).all(...where.params),
        );
      }
      const candidates = index.nearest(embedding, k);
      const rowids = [...new Set(candidates.map((c) => Math.floor(c.key / KEY_SLOTS)))];
      const ranked = rank(passing.all(JSON.stringify(rowids), ...where.params));
      const last = candidates[candidates.length - 1];
      if (ranked.length >= pool || candidates.length < k || !last || last.similarity < minSimilarity - QUANTIZATION_MARGIN) return ranked;
    }
  }

  static async open(options: SqliteGraphStoreOptions): Promise<SqliteGraphStore> {
    if (options.file !== ':memory:') mkdirSync(path.dirname(path.resolve(options.file)), { recursive: true });
    const db = new Database(options.file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    db.pragma('foreign_keys = ON');
    const migrate = db.transaction(() => {
      const current = db.pragma('user_version', { simple: true }) as number;
      for (let v = current; v < MIGRATIONS.length; v++) {
        db.exec(MIGRATIONS[v] as string);
        db.pragma(`user_version = ${v + 1}`);
      }
    });
    migrate.immediate();
    const store = new SqliteGraphStore(db, options.file);
    store.indexMissingTerms();
    return store;
  }

  // ---- capsules -------------------------------------------------------------------------------

  private now(): string {
    return new Date().toISOString();
  }

  private row(id: string): CapsuleRow | undefined {
    return this.stmt<[string], CapsuleRow>(`SELECT ${CAPSULE_COLUMNS} FROM capsules c WHERE c.id = ?`).get(id);
  }

  private mustRow(id: string): CapsuleRow {
    const row = this.row(id);
    if (!row) throw new NotFoundError('capsule', id);
    return row;
  }

  private insertCapsule(input: NewCapsule, ctx: MutationContext, action: string): Capsule {
    const id = input.id ?? randomUUID();
    const existing = this.row(id);
    if (existing) return toCapsule(existing);
    const version = input.version ?? '1.0.0';
    if (!isSemver(version)) throw new ConflictError('capsule', id, `version "${version}" is not semver`);
    const parents = input.derived_from ?? [];
    for (const p of parents) this.mustRow(p.parent_id);
    const at = this.now();
    const tags = [...new Set(input.tags ?? [])];
    const info = this.stmt(
      `INSERT INTO capsules (id, content, type, version, parent_id, owner_id, trust_level, embedding, metadata, tags, created_at, updated_at, embedding_model, embedding_seq)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      id,
      input.content,
      input.type,
      version,
      parents[0]?.parent_id ?? null,
      input.owner_id,
      input.trust_level,
      blobOf(input.embedding),
      JSON.stringify(input.metadata ?? {}),
      JSON.stringify(tags),
      at,
      at,
      input.embedding_model ?? '',
      this.nextEmbeddingSeq(),
    );
    const passages = passagesBlobOf(input.passage_embeddings);
    if (passages) this.stmt('INSERT INTO capsule_passages (rowid, vectors) VALUES (?, ?)').run(info.lastInsertRowid, passages);
    this.stmt('INSERT INTO capsule_fts (rowid, content, tags) VALUES (?, ?, ?)').run(info.lastInsertRowid, input.content, tags.join(' '));
    this.indexTerms(Number(info.lastInsertRowid), input.content, tags, input.trust_level);
    // FTS5's own automerge keeps the number of index segments logarithmic. (An explicit negative 'merge'
    // here merged every segment on every insert: O(n) per write, 12.6 ms per insert at 10,000 capsules.)
    const tagInsert = this.stmt('INSERT OR IGNORE INTO capsule_tags (tag, capsule_id) VALUES (?, ?)');
    for (const tag of tags) tagInsert.run(tag, id);
    this.insertEdges(id, parents, at);
    this.audit({
      actor_id: ctx.actor_id,
      action,
      entity_type: 'capsule',
      entity_id: id,
      details: { version, trust_level: input.trust_level, derived_from: parents.map((p) => ({ id: p.parent_id, reason: p.reason, ...(p.changes ? { changes: p.changes } : {}) })) },
    });
    return toCapsule(this.mustRow(id));
  }

  private insertEdges(childId: string, parents: readonly DerivationInput[], at: string): void {
    const edge = this.stmt('INSERT OR IGNORE INTO derived_from (child_id, parent_id, reason, changes, created_at) VALUES (?, ?, ?, ?, ?)');
    for (const p of parents) edge.run(childId, p.parent_id, p.reason, JSON.stringify(p.changes ?? {}), at);
  }

  async createCapsule(input: NewCapsule, ctx: MutationContext): Promise<Capsule> {
    return this.db.transaction(() => this.insertCapsule(input, ctx, 'capsule.create')).immediate();
  }

  async getCapsule(id: string): Promise<Capsule | null> {
    const row = this.row(id);
    return row ? toCapsule(row) : null;
  }

  async capsuleInThread(thread: string, position: number, maxTrust = 100): Promise<Capsule | null> {
    const row = this.stmt<[string, number, number], CapsuleRow>(
      `SELECT ${CAPSULE_COLUMNS} FROM capsules c WHERE json_extract(c.metadata, '$.thread') = ? AND json_extract(c.metadata, '$.position') = ?
         AND json_extract(c.metadata, '$.thread') IS NOT NULL AND c.superseded_by IS NULL AND c.archived = 0 AND c.trust_level <= ? ORDER BY c.rowid DESC LIMIT 1`,
    ).get(thread, position, maxTrust);
    return row ? toCapsule(row) : null;
  }

  async getCapsules(ids: readonly string[]): Promise<Capsule[]> {
    return this.snapshot(() => this.cachedCapsules([...new Set(ids)]));
  }

  /**
   * Capsules by id, from the cache search keeps (valid while no capsule changes) and the rest read in one
   * statement and cached: a request's answer reads what its search just returned.
   */
  private cachedCapsules(ids: readonly string[]): Capsule[] {
    const cache = this.searchable().capsules;
    // Collected here as well: a full cache is cleared while this call fills it, and must not lose what it asked for.
    const found = new Map<string, Capsule>();
    const missing: string[] = [];
    for (const id of ids) {
      const cached = cache.get(id);
      if (cached) found.set(id, cached);
      else missing.push(id);
    }
    for (let i = 0; i < missing.length; i += 500) {
      const chunk = missing.slice(i, i + 500);
      for (const row of this.stmt<string[], CapsuleRow>(`SELECT ${CAPSULE_COLUMNS} FROM capsules c WHERE c.id IN (${chunk.map(() => '?').join(', ')})`).all(...chunk)) {
        const capsule = deepFreeze(toCapsule(row));
        if (cache.size >= SEARCH_CACHE_CAPSULES) cache.clear();
        cache.set(row.id, capsule);
        found.set(row.id, capsule);
      }
    }
    return ids.flatMap((id) => found.get(id) ?? []);
  }

  private filterSql(filter: CapsuleFilter): { sql: string; params: unknown[] } {
    const where = new Where();
    if (!filter.include_archived) where.add('c.archived = 0');
    if (!filter.include_superseded) where.add('c.superseded_by IS NULL');
    if (!filter.include_stale) where.add('c.stale_reason IS NULL');
    if (filter.type) where.add('c.type = ?', filter.type);
    if (filter.owner_id) where.add('c.owner_id = ?', filter.owner_id);
    if (filter.min_trust !== undefined) where.add('c.trust_level >= ?', filter.min_trust);
    if (filter.max_trust !== undefined) where.add('c.trust_level <= ?', filter.max_trust);
    if (filter.tag) where.add('c.id IN (SELECT capsule_id FROM capsule_tags WHERE tag = ?)', filter.tag);
    return { sql: where.sql, params: where.params };
  }

  async listCapsules(filter: CapsuleFilter, page: { limit: number; cursor?: string | null }): Promise<Page<Capsule>> {
    const { sql, params } = this.filterSql(filter);
    let where = sql;
    if (page.cursor) {
      const [at, id] = decodeCursor(page.cursor);
      where += ' AND (c.created_at < ? OR (c.created_at = ? AND c.id < ?))';
      params.push(at, at, id);
    }
    const rows = this.stmt<unknown[], CapsuleRow>(`SELECT ${CAPSULE_COLUMNS} FROM capsules c WHERE ${where} ORDER BY c.created_at DESC, c.id DESC LIMIT ?`).all(
      ...params,
      page.limit + 1,
    );
    const items = rows.slice(0, page.limit).map(toCapsule);
    const last = items[items.length - 1];
    return { items, next_cursor: rows.length > page.limit && last ? encodeCursor(last) : null };
  }

  async updateCapsule(id: string, patch: CapsulePatch, ctx: MutationContext): Promise<Capsule> {
    return this.db
      .transaction(() => {
        const current = this.mustRow(id);
        if (current.archived) throw new ConflictError('capsule', id, 'is archived');
        if (current.superseded_by) throw new ConflictError('capsule', id, `was superseded by ${current.superseded_by}; update the latest version`);
        if (patch.content !== undefined && !patch.embedding) throw new TypeError('updateCapsule: content changed without an embedding');
        const version = patch.version ?? nextPatch(current.version);
        if (!isSemver(version) || compareVersions(version, current.version) <= 0) {
          throw new ConflictError('capsule', id, `version ${version} must be a semantic version greater than ${current.version}`);
        }
        const next = this.insertCapsule(
          newVersionOf(toCapsule(current), patch, version, () => this.embeddingOf(id)),
          ctx,
          'capsule.update',
        );
        this.stmt('UPDATE capsules SET superseded_by = ?, updated_at = ? WHERE id = ?').run(next.id, next.created_at, id);
        // In the same transaction: what was derived from the old version no longer follows its source.
        this.markStale([id], `its source ${id} (v${current.version}) was superseded by v${next.version}`, next.id, ctx);
        return next;
      })
      .immediate();
  }

  async archiveCapsule(id: string, ctx: MutationContext): Promise<Capsule> {
    return this.db
      .transaction(() => {
        const current = this.mustRow(id);
        if (!current.archived) {
          this.stmt('UPDATE capsules SET archived = 1, updated_at = ? WHERE id = ?').run(this.now(), id);
          this.audit({ actor_id: ctx.actor_id, action: 'capsule.archive', entity_type: 'capsule', entity_id: id });
          this.markStale([id], `its source ${id} was archived`, null, ctx);
        }
        return toCapsule(this.mustRow(id));
      })
      .immediate();
  }

  /**
   * Marks stale everything derived from `roots`, transitively, along DERIVED_FROM edges that are neither a
   * newer version's edge to its predecessor (a new version follows its source; what cited the old one does
   * not) nor a fork's (a fork diverges on purpose). Capsules already stale keep their first reason. One audit entry names the roots and what was
   * marked. Returns the ids marked.
   */
  private markStale(roots: readonly string[], reason: string, sourceId: string | null, ctx: MutationContext, includeRoots = false): string[] {
    const rootsMarked = includeRoots
      ? this.stmt<[string], { id: string }>('SELECT id FROM capsules WHERE id IN (SELECT value FROM json_each(?)) AND stale_reason IS NULL')
          .all(JSON.stringify(roots))
          .map((r) => r.id)
      : [];
    const below = this.stmt<[string], { id: string }>(
      `WITH RECURSIVE below(id) AS (
         SELECT d.child_id FROM derived_from d WHERE d.parent_id IN (SELECT value FROM json_each(?)) AND json_extract(d.changes, '$.from_version') IS NULL AND json_extract(d.changes, '$.forked_from_version') IS NULL
         UNION
         SELECT d.child_id FROM derived_from d JOIN below b ON d.parent_id = b.id WHERE json_extract(d.changes, '$.from_version') IS NULL AND json_extract(d.changes, '$.forked_from_version') IS NULL)
       SELECT c.id FROM capsules c WHERE c.id IN (SELECT id FROM below) AND c.stale_reason IS NULL`,
    )
      .all(JSON.stringify(roots))
      .map((r) => r.id);
    const marked = [...new Set([...rootsMarked, ...below])];
    if (marked.length === 0) return [];
    this.stmt('UPDATE capsules SET stale_reason = ?, stale_at = ?, stale_source = ? WHERE id IN (SELECT value FROM json_each(?))').run(
      reason,
      this.now(),
      sourceId,
      JSON.stringify(marked),
    );
    this.audit(staleAuditEntry(roots, reason, sourceId, marked, ctx));
    return marked;
  }

  async markDerivedStale(roots: readonly string[], reason: string, ctx: MutationContext, options: { readonly includeRoots?: boolean } = {}): Promise<string[]> {
    return this.db.transaction(() => this.markStale(roots, reason, null, ctx, options.includeRoots ?? false)).immediate();
  }

  async forkCapsule(id: string, input: ForkInput, ctx: MutationContext): Promise<Capsule> {
    return this.db
      .transaction(() => {
        const source = toCapsule(this.mustRow(id));
        if (input.content !== undefined && !input.embedding) throw new TypeError('forkCapsule: content given without an embedding');
        return this.insertCapsule(
          forkOf(source, input, () => this.embeddingOf(id)),
          ctx,
          'capsule.fork',
        );
      })
      .immediate();
  }

  /**
   * Breadth-first over DERIVED_FROM edges from `id`, one query per level, with a visited set: each capsule
   * is reached once, at its shortest depth, however many paths lead to it. Stops after `maxDepth` levels
   * or `maxNodes` capsules.
   */
  private walk(id: string, direction: 'up' | 'down', limits: LineageLimits = {}): LineageEntry[] {
    this.mustRow(id);
    const maxDepth = limits.maxDepth ?? DEFAULT_LINEAGE_LIMITS.maxDepth;
    const maxNodes = limits.maxNodes ?? DEFAULT_LINEAGE_LIMITS.maxNodes;
    const [from, to] = direction === 'up' ? ['child_id', 'parent_id'] : ['parent_id', 'child_id'];
    const seen = new Set<string>([id]);
    const out: LineageEntry[] = [];
    let frontier = [id];
    for (let depth = 1; depth <= maxDepth && frontier.length > 0 && out.length < maxNodes; depth++) {
      const next: string[] = [];
      for (let i = 0; i < frontier.length && out.length < maxNodes; i += 500) {
        const chunk = frontier.slice(i, i + 500);
        const edges = this.stmt<string[], { node: string; child_id: string; parent_id: string; reason: string; changes: string; edge_at: string }>(
          `SELECT d.${to} AS node, d.child_id, d.parent_id, d.reason, d.changes, d.created_at AS edge_at FROM derived_from d
             WHERE d.${from} IN (${chunk.map(() => '?').join(', ')}) ORDER BY d.created_at, d.${to}`,
        ).all(...chunk);
        for (const e of edges) {
          if (seen.has(e.node)) continue;
          seen.add(e.node);
          next.push(e.node);
          out.push({
            capsule: toCapsule(this.mustRow(e.node)),
            depth,
            edge: { child_id: e.child_id, parent_id: e.parent_id, reason: e.reason, changes: JSON.parse(e.changes) as JsonObject, created_at: e.edge_at },
          });
          if (out.length >= maxNodes) break;
        }
      }
      frontier = next;
    }
    return out;
  }

  async getLineage(id: string, limits?: LineageLimits): Promise<LineageEntry[]> {
    return this.walk(id, 'up', limits);
  }

  async getDescendants(id: string, limits?: LineageLimits): Promise<LineageEntry[]> {
    return this.walk(id, 'down', limits);
  }

  /**
   * Counts a new capsule's terms in the per-level text statistics (see search/reader-bm25.ts): its own
   * terms, and one more capsule holding each of them at its trust level.
   */
  private indexTerms(rowid: number, content: string, tags: readonly string[], trust: number): void {
    const { counts, length } = this.tokenizer.terms(`${content} ${tags.join(' ')}`);
    this.stmt('INSERT OR REPLACE INTO capsule_terms (rowid, length, terms) VALUES (?, ?, ?)').run(rowid, length, JSON.stringify(Object.fromEntries(counts)));
    const term = this.stmt('INSERT INTO term_levels (term, trust_level, docs) VALUES (?, ?, 1) ON CONFLICT (term, trust_level) DO UPDATE SET docs = docs + 1');
    for (const t of counts.keys()) term.run(t, trust);
    this.stmt('INSERT INTO level_docs (trust_level, docs, tokens) VALUES (?, 1, ?) ON CONFLICT (trust_level) DO UPDATE SET docs = docs + 1, tokens = tokens + excluded.tokens').run(
      trust,
      length,
    );
  }

  /** Fills the text statistics for capsules stored before they were kept (once, after the migration). */
  private indexMissingTerms(): void {
    const missing = this.stmt<[], { rowid: number; content: string; tags: string; trust_level: number }>(
      'SELECT c.rowid AS rowid, c.content, c.tags, c.trust_level FROM capsules c WHERE NOT EXISTS (SELECT 1 FROM capsule_terms t WHERE t.rowid = c.rowid)',
    ).all();
    if (missing.length === 0) return;
    this.db
      .transaction(() => {
        for (const c of missing) this.indexTerms(c.rowid, c.content, JSON.parse(c.tags) as string[], c.trust_level);
      })
      .immediate();
  }

  /**
   * The text statistics of what a reader at `maxTrust` may read, for the query's terms: capsules, their
   * mean length, and how many of them hold each term.
   */
  private corpusStats(terms: readonly string[], maxTrust: number): CorpusStats {
    const totals = this.stmt<[number], { docs: number | null; tokens: number | null }>(
      'SELECT sum(docs) AS docs, sum(tokens) AS tokens FROM level_docs WHERE trust_level <= ?',
    ).get(maxTrust);
    const docs = totals?.docs ?? 0;
    const docsWith = new Map(
      this.stmt<[string, number], [string, number]>('SELECT term, sum(docs) FROM term_levels WHERE term IN (SELECT value FROM json_each(?)) AND trust_level <= ? GROUP BY term')
        .raw()
        .all(JSON.stringify(terms), maxTrust),
    );
    return { docs, meanLength: docs ? (totals?.tokens ?? 0) / docs : 0, docsWith };
  }

  async searchCapsules(query: SearchQuery): Promise<SearchHit[]> {
    return this.snapshot(() => this.search(query));
  }

  private search(query: SearchQuery): SearchHit[] {
    const limit = query.limit ?? 10;
    const pool = candidatesPerSide(limit);
    const minSimilarity = query.min_similarity ?? 0.1;
    const { sql, params } = this.filterSql(query.filter ?? {});

    // Vector side: filter first, then rank (see vectorRanking).
    const vector = this.vectorRanking(query.embedding, query.embedding_model, pool, minSimilarity, { sql, params });
    const vectorScores = new Map(vector);

    // Text side: BM25 over the same filter, by what the reader may read (see readersTextRanking).
    const match = ftsQuery(query.text);
    const text = match ? this.readersTextRanking(query.text, match, pool, { sql, params }, query.filter?.max_trust ?? 100) : [];
    const textScores = new Map(text);

    const scores = weightedFusion({ vector, text }, query.fusion);
    const capsules = new Map(this.cachedCapsules([...scores.keys()]).map((c) => [c.id, c]));
    const fused = rankInThreads(scores, capsules, query.fusion ?? {}, limit);
    return fused.map(([id, score]) => ({
      capsule: capsules.get(id) as Capsule,
      score,
      vector_score: vectorScores.get(id) ?? null,
      text_score: textScores.get(id) ?? null,
    }));
  }

  async countStaleEmbeddings(model: string): Promise<number> {
    return this.stmt<[string, string], number>(`SELECT count(*) FROM capsules WHERE ${STALE_EMBEDDING}`).pluck().get(model, model) ?? 0;
  }

  async staleEmbeddings(model: string, limit: number): Promise<StaleEmbedding[]> {
    return this.stmt<[string, string, number], { id: string; content: string; metadata: string; trust_level: number }>(
      `SELECT id, content, metadata, trust_level FROM capsules WHERE ${STALE_EMBEDDING} LIMIT ?`,
    )
      .all(model, model, limit)
      .map((r) => ({ ...r, metadata: JSON.parse(r.metadata) as JsonObject }));
  }

  async setEmbeddings(model: string, embeddings: readonly EmbeddingUpdate[]): Promise<number> {
    return this.db
      .transaction(() => {
        const update = this.stmt<[Buffer, string, number, string, string], { rowid: number }>(
          'UPDATE capsules SET embedding = ?, embedding_model = ?, embedding_seq = ? WHERE id = ? AND embedding_model != ? RETURNING rowid',
        );
        const drop = this.stmt<[number], unknown>('DELETE FROM capsule_passages WHERE rowid = ?');
        const keep = this.stmt<[number, Buffer], unknown>('INSERT INTO capsule_passages (rowid, vectors) VALUES (?, ?)');
        let changed = 0;
        for (const { id, embedding, passage_embeddings } of embeddings) {
          const row = update.get(blobOf(embedding), model, this.nextEmbeddingSeq(), id, model);
          if (!row) continue;
          changed++;
          drop.run(row.rowid);
          const passages = passagesBlobOf(passage_embeddings);
          if (passages) keep.run(row.rowid, passages);
        }
        return changed;
      })
      .immediate();
  }

  /**
   * The text ranking a reader at `maxTrust` sees: FTS5 finds the candidates passing the filter (every one,
   * when at most TEXT_CANDIDATES match), and each is scored by BM25 over the statistics of what the reader
   * may read only — so neither a score nor the order depends on capsules above it.
   */
  private readersTextRanking(text: string, match: string, pool: number, where: { sql: string; params: unknown[] }, maxTrust: number): Array<[string, number]> {
    const candidates = this.textRanking(match, Math.max(pool, TEXT_CANDIDATES), where);
    if (candidates.length === 0) return [];
    const terms = queryTerms(this.tokenizer, text);
    const corpus = this.corpusStats(terms, maxTrust);
    const docs = new Map(
      this.stmt<[string], [string, number, string]>(
        'SELECT c.id, t.length, t.terms FROM capsule_terms t JOIN capsules c ON c.rowid = t.rowid WHERE c.id IN (SELECT value FROM json_each(?))',
      )
        .raw()
        .all(JSON.stringify(candidates.map(([id]) => id)))
        .map(([id, length, terms]) => [id, { length, counts: JSON.parse(terms) as Record<string, number> }]),
    );
    return rankForReader(
      candidates.map(([id]) => id),
      docs,
      terms,
      corpus,
      pool,
    );
  }

  /**
   * The text ranking: the `pool` capsules passing the filter that best match `match` by BM25 (score negated,
   * so higher is better). FTS5 ranks its matches alone, fast; the filter is checked on its best `k` and `k`
   * refilled as on the vector side, since joining every match to its capsule row first costs more than the
   * ranking itself.
   */
  private textRanking(match: string, pool: number, where: { sql: string; params: unknown[] }): Array<[string, number]> {
    const passing = this.stmt<unknown[], [number, string]>(`SELECT c.rowid, c.id FROM capsules c WHERE c.rowid IN (SELECT value FROM json_each(?)) AND ${where.sql}`).raw();
    for (let k = pool * OVER_FETCH; ; k *= OVER_FETCH) {
      if (k > EXACT_SCAN_AFTER) {
        return this.stmt<unknown[], { id: string; score: number }>(
          `SELECT c.id AS id, bm25(capsule_fts) AS score FROM capsule_fts JOIN capsules c ON c.rowid = capsule_fts.rowid
             WHERE capsule_fts MATCH ? AND ${where.sql} ORDER BY score LIMIT ?`,
        )
          .all(match, ...where.params, pool)
          .map((r): [string, number] => [r.id, -r.score]);
      }
      // bm25() ordered explicitly: faster here than FTS5's `ORDER BY rank` (6.5 vs 11.8 ms at 100k, 96 vs 133 µs at 12 capsules).
      const matches = this.stmt<[string, number], [number, number]>('SELECT rowid, bm25(capsule_fts) AS score FROM capsule_fts WHERE capsule_fts MATCH ? ORDER BY score LIMIT ?')
        .raw()
        .all(match, k);
      const ids = new Map(passing.all(JSON.stringify(matches.map(([rowid]) => rowid)), ...where.params));
      const ranked: Array<[string, number]> = [];
      for (const [rowid, score] of matches) {
        const id = ids.get(rowid);
        if (id !== undefined && ranked.length < pool) ranked.push([id, -score]);
      }
      if (ranked.length >= pool || matches.length < k) return ranked;
    }
  }

  // ---- requests -------------------------------------------------------------------------------

  private requestRow(id: string): RequestRow | undefined {
    return this.stmt<[string], RequestRow>('SELECT * FROM requests WHERE id = ?').get(id);
  }

  async createRequest(input: NewRequest): Promise<{ record: RequestRecord; created: boolean }> {
    return this.grouped(() => {
      if (input.idempotency_key !== null) {
        const prior = this.stmt<[string, string], RequestRow>('SELECT * FROM requests WHERE caller_id = ? AND idempotency_key = ?').get(input.caller.id, input.idempotency_key);
        if (prior) return { record: toRequest(prior), created: false };
      }
      const at = this.now();
      // One statement: a request id seen before inserts nothing and returns nothing.
      const inserted = this.stmt<unknown[], RequestRow>(
        `INSERT INTO requests (id, status, correlation_id, caller_id, caller, query, required_trust, save_as_capsule, metadata, idempotency_key, created_at, updated_at)
           VALUES (?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING RETURNING *`,
      ).get(
        input.id,
        input.correlation_id,
        input.caller.id,
        JSON.stringify(input.caller),
        input.query,
        input.required_trust,
        input.save_as_capsule ? 1 : 0,
        JSON.stringify(input.metadata),
        input.idempotency_key,
        at,
        at,
      );
      if (!inserted) return { record: toRequest(this.requestRow(input.id) as RequestRow), created: false };
      return { record: toRequest(inserted), created: true };
    });
  }

  async getRequest(id: string): Promise<RequestRecord | null> {
    const row = this.requestRow(id);
    return row ? toRequest(row) : null;
  }

  async listRequests(filter: { readonly caller_id?: string; readonly before?: string; readonly limit: number }): Promise<RequestRecord[]> {
    const rows = this.stmt<[{ caller: string | null; before: string | null; limit: number }], RequestRow>(
      'SELECT * FROM requests WHERE (@caller IS NULL OR caller_id = @caller) AND (@before IS NULL OR created_at < @before) ORDER BY created_at DESC, id DESC LIMIT @limit',
    ).all({ caller: filter.caller_id ?? null, before: filter.before ?? null, limit: filter.limit });
    return rows.map(toRequest);
  }

  async finishRequest(id: string, outcome: RequestOutcome): Promise<RequestRecord> {
    const finish = () => {
      const at = this.now();
      // One conditional statement: a request that already ended keeps its first outcome.
      const row = this.stmt<unknown[], RequestRow>(
        `UPDATE requests SET status = ?, answer = ?, citations = ?, phase_timings = json_patch(phase_timings, ?),
           result = json_patch(result, ?), error = ?, updated_at = ?, finished_at = ?
         WHERE id = ? AND status NOT IN ('completed', 'rejected', 'failed') RETURNING *`,
      ).get(
        outcome.status,
        outcome.answer ?? null,
        JSON.stringify(outcome.citations ?? []),
        JSON.stringify(outcome.phase_timings ?? {}),
        JSON.stringify(outcome.result ?? {}),
        outcome.error ? JSON.stringify(outcome.error) : null,
        at,
        TERMINAL_STATUSES.has(outcome.status) ? at : null,
        id,
      );
      if (!row) {
        const current = this.requestRow(id);
        if (!current) throw new NotFoundError('request', id);
        return toRequest(current);
      }
      // A completed request's audit entry is written by the storage phase, off the request's path.
      if (outcome.status !== 'completed') {
        this.audit({
          actor_id: 'system',
          action: `request.${outcome.status}`,
          entity_type: 'request',
          entity_id: id,
          details: outcome.error ? { error: outcome.error } : {},
        });
      }
      return toRequest(row);
    };
    return this.grouped(finish);
  }

  async reopenRequest(id: string, ctx: MutationContext): Promise<RequestRecord> {
    return this.db
      .transaction(() => {
        const row = this.requestRow(id);
        if (!row) throw new NotFoundError('request', id);
        if (row.status !== 'failed') throw new ConflictError('request', id, `is ${row.status}; only failed requests are re-driven`);
        this.stmt("UPDATE requests SET status = 'queued', error = NULL, finished_at = NULL, updated_at = ? WHERE id = ?").run(this.now(), id);
        this.audit({
          actor_id: ctx.actor_id,
          action: 'request.redrive',
          entity_type: 'request',
          entity_id: id,
          details: { previous_error: row.error ? (JSON.parse(row.error) as JsonObject) : null },
        });
        return toRequest(this.requestRow(id) as RequestRow);
      })
      .immediate();
  }

  async annotateRequest(id: string, result: JsonObject): Promise<void> {
    return this.grouped(() => {
      const row = this.requestRow(id);
      if (!row) throw new NotFoundError('request', id);
      const merged = { ...(JSON.parse(row.result) as JsonObject), ...result };
      this.stmt('UPDATE requests SET result = ?, updated_at = ? WHERE id = ?').run(JSON.stringify(merged), this.now(), id);
    });
  }

  // ---- overlays -------------------------------------------------------------------------------

  private overlayRow(id: string): OverlayRow | undefined {
    return this.stmt<[string], OverlayRow>('SELECT * FROM overlays WHERE id = ?').get(id);
  }

  async createOverlay(input: NewOverlay, ctx: MutationContext): Promise<OverlayRecord> {
    return this.db
      .transaction(() => {
        const existing = this.stmt<[string, string], { id: string }>('SELECT id FROM overlays WHERE name = ? AND version = ?').get(input.name, input.version);
        if (existing) throw new ConflictError('overlay', `${input.name}@${input.version}`, `is already registered as ${existing.id}`);
        const id = randomUUID();
        const at = this.now();
        this.stmt(
          `INSERT INTO overlays (id, name, version, state, manifest, manifest_text, sha256, blob_key, wasm_size, imports, trust_level, submitted_by, created_at, updated_at)
           VALUES (?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(
          id,
          input.name,
          input.version,
          JSON.stringify(input.manifest),
          input.manifest_text,
          input.sha256,
          input.blob_key,
          input.wasm_size,
          JSON.stringify(input.imports),
          input.trust_level,
          input.submitted_by,
          at,
          at,
        );
        this.audit({
          actor_id: ctx.actor_id,
          action: 'overlay.register',
          entity_type: 'overlay',
          entity_id: id,
          details: { name: input.name, version: input.version, sha256: input.sha256, trust_level: input.trust_level },
        });
        return toOverlay(this.overlayRow(id) as OverlayRow);
      })
      .immediate();
  }

  async getOverlay(id: string): Promise<OverlayRecord | null> {
    const row = this.overlayRow(id);
    return row ? toOverlay(row) : null;
  }

  async listOverlays(filter: OverlayFilter): Promise<OverlayRecord[]> {
    const where = new Where();
    if (filter.state) where.add('state = ?', filter.state);
    if (filter.name) where.add('name = ?', filter.name);
    if (filter.capability) where.add("EXISTS (SELECT 1 FROM json_each(manifest, '$.capabilities') WHERE json_extract(value, '$.name') = ?)", filter.capability);
    if (filter.phase) where.add("EXISTS (SELECT 1 FROM json_each(manifest, '$.phases') WHERE value = ?)", filter.phase);
    return this.stmt<unknown[], OverlayRow>(`SELECT * FROM overlays WHERE ${where.sql} ORDER BY name, created_at`)
      .all(...where.params)
      .map(toOverlay);
  }

  async setOverlayState(id: string, change: OverlayStateChange, ctx: MutationContext): Promise<OverlayRecord | null> {
    return this.db
      .transaction(() => {
        const row = this.overlayRow(id);
        if (!row) throw new NotFoundError('overlay', id);
        if (change.from && !change.from.includes(row.state as OverlayState)) return null;
        const at = this.now();
        this.stmt(
          `UPDATE overlays SET state = ?, state_reason = ?, config = COALESCE(?, config), expires_at = ?,
             activated_at = CASE WHEN ? = 'active' THEN ? ELSE activated_at END, updated_at = ? WHERE id = ?`,
        ).run(change.state, change.reason ?? null, change.config === undefined ? null : JSON.stringify(change.config), change.expires_at ?? null, change.state, at, at, id);
        this.audit({
          actor_id: ctx.actor_id,
          action: `overlay.${change.state}`,
          entity_type: 'overlay',
          entity_id: id,
          details: { from: row.state, reason: change.reason ?? null, ...(change.expires_at ? { expires_at: change.expires_at } : {}) },
        });
        return toOverlay(this.overlayRow(id) as OverlayRow);
      })
      .immediate();
  }

  async setOverlayTrust(id: string, trust: number, reason: string, ctx: MutationContext): Promise<OverlayRecord> {
    return this.db
      .transaction(() => {
        const row = this.overlayRow(id);
        if (!row) throw new NotFoundError('overlay', id);
        this.stmt('UPDATE overlays SET trust_level = ?, updated_at = ? WHERE id = ?').run(BigInt(trust), this.now(), id);
        this.audit({ actor_id: ctx.actor_id, action: 'overlay.trust', entity_type: 'overlay', entity_id: id, details: { from: row.trust_level, to: trust, reason } });
        return toOverlay(this.overlayRow(id) as OverlayRow);
      })
      .immediate();
  }

  async deleteOverlay(id: string, ctx: MutationContext): Promise<void> {
    this.db
      .transaction(() => {
        const row = this.overlayRow(id);
        if (!row) throw new NotFoundError('overlay', id);
        this.stmt('DELETE FROM overlays WHERE id = ?').run(id);
        this.audit({ actor_id: ctx.actor_id, action: 'overlay.delete', entity_type: 'overlay', entity_id: id, details: { name: row.name, version: row.version } });
      })
      .immediate();
  }

  // ---- audit ----------------------------------------------------------------------------------

  /** Call inside a transaction that holds the write lock. */
  private audit(entry: NewAuditEntry): AuditEntry {
    if (entry.dedupe_key) {
      const prior = this.stmt<[string], AuditRow>(`SELECT ${AUDIT_COLUMNS} FROM audit_log WHERE dedupe_key = ?`).get(entry.dedupe_key);
      if (prior) return toAudit(prior);
    }
    const last = this.stmt<[], { hash: string }>('SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1').get();
    const next = chainedAuditEntry(last?.hash ?? GENESIS_HASH, entry, this.now());
    const info = this.stmt(
      'INSERT INTO audit_log (id, at, actor_id, action, entity_type, entity_id, details, prev_hash, hash, dedupe_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ).run(next.id, next.at, next.actor_id, next.action, next.entity_type, next.entity_id, JSON.stringify(next.details), next.prev_hash, next.hash, entry.dedupe_key ?? null);
    return { ...next, seq: Number(info.lastInsertRowid) };
  }

  private userRow(id: string): UserRow | undefined {
    return this.stmt<[string], UserRow>('SELECT * FROM users WHERE id = ?').get(id);
  }

  async createUser(input: NewUser, ctx: MutationContext): Promise<UserRecord> {
    return this.db
      .transaction(() => {
        if (this.stmt<[string], { id: string }>('SELECT id FROM users WHERE name = ?').get(input.name)) throw new ConflictError('user', input.name, 'name is taken');
        const id = randomUUID();
        const at = this.now();
        this.stmt('INSERT INTO users (id, name, role, trust_level, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
          id,
          input.name,
          input.role,
          input.trust_level,
          input.password_hash,
          at,
          at,
        );
        this.audit({
          actor_id: ctx.actor_id,
          action: 'user.create',
          entity_type: 'user',
          entity_id: id,
          details: { name: input.name, role: input.role, trust_level: input.trust_level },
        });
        return toUser(this.userRow(id) as UserRow);
      })
      .immediate();
  }

  async getUser(id: string): Promise<UserRecord | null> {
    const row = this.userRow(id);
    return row ? toUser(row) : null;
  }

  async getUserCredentials(name: string): Promise<{ user: UserRecord; password_hash: string | null; totp_secret: string | null } | null> {
    const row = this.stmt<[string], UserRow>('SELECT * FROM users WHERE name = ?').get(name);
    return row ? { user: toUser(row), password_hash: row.password_hash, totp_secret: row.totp_enabled === 1 ? row.totp_secret : null } : null;
  }

  async setTotp(userId: string, totp: { secret: string; enabled: boolean } | null, ctx: MutationContext): Promise<UserRecord> {
    return this.db
      .transaction(() => {
        if (!this.userRow(userId)) throw new NotFoundError('user', userId);
        this.stmt('UPDATE users SET totp_secret = ?, totp_enabled = ?, updated_at = ? WHERE id = ?').run(totp?.secret ?? null, totp?.enabled ? 1 : 0, this.now(), userId);
        this.audit({
          actor_id: ctx.actor_id,
          action: totp ? (totp.enabled ? 'user.totp.enable' : 'user.totp.enrol') : 'user.totp.disable',
          entity_type: 'user',
          entity_id: userId,
        });
        return toUser(this.userRow(userId) as UserRow);
      })
      .immediate();
  }

  async getTotpSecret(userId: string): Promise<string | null> {
    return this.userRow(userId)?.totp_secret ?? null;
  }

  async listUsers(): Promise<UserRecord[]> {
    return this.stmt<[], UserRow>('SELECT * FROM users ORDER BY name').all().map(toUser);
  }

  async updateUser(id: string, change: UserChange, ctx: MutationContext): Promise<UserRecord> {
    return this.db
      .transaction(() => {
        const current = this.userRow(id);
        if (!current) throw new NotFoundError('user', id);
        change.check?.(toUser(current));
        const at = this.now();
        const next = {
          role: change.role ?? current.role,
          trust_level: change.trust_level ?? current.trust_level,
          disabled: change.disabled === undefined ? current.disabled : change.disabled ? 1 : 0,
          password_hash: change.password_hash === undefined ? current.password_hash : change.password_hash,
        };
        this.stmt('UPDATE users SET role = ?, trust_level = ?, disabled = ?, password_hash = ?, updated_at = ? WHERE id = ?').run(
          next.role,
          next.trust_level,
          next.disabled,
          next.password_hash,
          at,
          id,
        );
        if (next.trust_level !== current.trust_level) {
          this.stmt('INSERT INTO trust_history (user_id, at, actor_id, old_trust, new_trust, reason) VALUES (?, ?, ?, ?, ?, ?)').run(
            id,
            at,
            ctx.actor_id,
            current.trust_level,
            next.trust_level,
            change.reason,
          );
        }
        const changed = (['role', 'trust_level', 'disabled'] as const).filter((k) => next[k] !== current[k]);
        this.audit({
          actor_id: ctx.actor_id,
          action: 'user.update',
          entity_type: 'user',
          entity_id: id,
          details: {
            reason: change.reason,
            changed: [...changed, ...(next.password_hash !== current.password_hash ? ['password'] : [])],
            ...(next.trust_level !== current.trust_level ? { trust: { from: current.trust_level, to: next.trust_level } } : {}),
            ...(next.role !== current.role ? { role: { from: current.role, to: next.role } } : {}),
          },
        });
        return toUser(this.userRow(id) as UserRow);
      })
      .immediate();
  }

  async getTrustHistory(userId: string): Promise<TrustChange[]> {
    return this.stmt<[string], TrustChange>('SELECT user_id, at, actor_id, old_trust, new_trust, reason FROM trust_history WHERE user_id = ? ORDER BY seq').all(userId);
  }

  async createApiKey(input: NewApiKey, ctx: MutationContext): Promise<ApiKeyRecord> {
    return this.db
      .transaction(() => {
        if (!this.userRow(input.user_id)) throw new NotFoundError('user', input.user_id);
        this.stmt('INSERT INTO api_keys (id, user_id, label, prefix, hash, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(
          input.id,
          input.user_id,
          input.label,
          input.prefix,
          input.hash,
          this.now(),
        );
        this.audit({
          actor_id: ctx.actor_id,
          action: 'key.create',
          entity_type: 'api_key',
          entity_id: input.id,
          details: { user_id: input.user_id, label: input.label, prefix: input.prefix },
        });
        return this.stmt<[string], ApiKeyRecord>(`SELECT ${API_KEY_COLUMNS} FROM api_keys WHERE id = ?`).get(input.id) as ApiKeyRecord;
      })
      .immediate();
  }

  async useApiKey(hash: string): Promise<{ key: ApiKeyRecord; user: UserRecord } | null> {
    const key = this.stmt<[string], ApiKeyRecord>(`SELECT ${API_KEY_COLUMNS} FROM api_keys WHERE hash = ? AND revoked_at IS NULL`).get(hash);
    if (!key) return null;
    const user = this.userRow(key.user_id);
    if (!user) return null;
    // Last use to the minute: a write per authenticated call would cost a commit each.
    const at = this.now();
    if (key.last_used_at !== null && Date.parse(at) - Date.parse(key.last_used_at) < 60_000) return { key, user: toUser(user) };
    this.stmt('UPDATE api_keys SET last_used_at = ? WHERE id = ?').run(at, key.id);
    return { key: { ...key, last_used_at: at }, user: toUser(user) };
  }

  async listApiKeys(userId: string): Promise<ApiKeyRecord[]> {
    return this.stmt<[string], ApiKeyRecord>(`SELECT ${API_KEY_COLUMNS} FROM api_keys WHERE user_id = ? ORDER BY created_at, id`).all(userId);
  }

  async revokeApiKey(id: string, ctx: MutationContext): Promise<ApiKeyRecord> {
    return this.db
      .transaction(() => {
        const key = this.stmt<[string], ApiKeyRecord>(`SELECT ${API_KEY_COLUMNS} FROM api_keys WHERE id = ?`).get(id);
        if (!key) throw new NotFoundError('api key', id);
        if (key.revoked_at) return key;
        const at = this.now();
        this.stmt('UPDATE api_keys SET revoked_at = ? WHERE id = ?').run(at, id);
        this.audit({ actor_id: ctx.actor_id, action: 'key.revoke', entity_type: 'api_key', entity_id: id, details: { user_id: key.user_id, prefix: key.prefix } });
        return { ...key, revoked_at: at };
      })
      .immediate();
  }

  async createRefreshToken(input: { id: string; family_id: string; user_id: string; hash: string; expires_at: string }): Promise<void> {
    this.stmt('INSERT INTO refresh_tokens (id, family_id, user_id, hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)').run(
      input.id,
      input.family_id,
      input.user_id,
      input.hash,
      this.now(),
      input.expires_at,
    );
  }

  async useRefreshToken(hash: string, next: { id: string; hash: string; expires_at: string }): Promise<RefreshOutcome> {
    return this.db
      .transaction((): RefreshOutcome => {
        const row = this.stmt<[string], { id: string; family_id: string; user_id: string; expires_at: string; used_at: string | null; revoked_at: string | null }>(
          'SELECT id, family_id, user_id, expires_at, used_at, revoked_at FROM refresh_tokens WHERE hash = ?',
        ).get(hash);
        const at = this.now();
        if (!row || row.revoked_at) return { kind: 'invalid' };
        if (row.used_at) {
          this.revokeFamily(row.family_id, at, { actor_id: 'system' }, 'refresh token reused');
          return { kind: 'reused', family_id: row.family_id };
        }
        const user = this.userRow(row.user_id);
        if (row.expires_at <= at || !user) return { kind: 'invalid' };
        this.stmt('UPDATE refresh_tokens SET used_at = ? WHERE id = ?').run(at, row.id);
        this.stmt('INSERT INTO refresh_tokens (id, family_id, user_id, hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)').run(
          next.id,
          row.family_id,
          row.user_id,
          next.hash,
          at,
          next.expires_at,
        );
        return { kind: 'rotated', user: toUser(user), family_id: row.family_id };
      })
      .immediate();
  }

  private revokeFamily(familyId: string, at: string, ctx: MutationContext, reason: string): number {
    const revoked = this.stmt('UPDATE refresh_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL').run(at, familyId).changes;
    if (revoked > 0) this.audit({ actor_id: ctx.actor_id, action: 'session.revoke', entity_type: 'token_family', entity_id: familyId, details: { reason, tokens: revoked } });
    return revoked;
  }

  async revokeRefreshFamily(familyId: string, ctx: MutationContext): Promise<number> {
    return this.db.transaction(() => this.revokeFamily(familyId, this.now(), ctx, 'logout')).immediate();
  }

  async refreshFamilyLive(familyId: string): Promise<boolean> {
    return this.stmt<[string], number>('SELECT count(*) FROM refresh_tokens WHERE family_id = ? AND revoked_at IS NULL').pluck().get(familyId) !== 0;
  }

  async getApiKey(id: string): Promise<ApiKeyRecord | null> {
    return this.stmt<[string], ApiKeyRecord>(`SELECT ${API_KEY_COLUMNS} FROM api_keys WHERE id = ?`).get(id) ?? null;
  }

  async refreshFamilyOf(hash: string): Promise<string | null> {
    return this.stmt<[string], { family_id: string }>('SELECT family_id FROM refresh_tokens WHERE hash = ?').get(hash)?.family_id ?? null;
  }

  async appendAudit(entry: NewAuditEntry): Promise<AuditEntry> {
    return this.grouped(() => this.audit(entry));
  }

  async appendEvent(event: NewEvent, stopped: readonly CascadeLink[] = []): Promise<{ event: ForgeEvent; created: boolean }> {
    return this.grouped(() => {
      const row = this.stmt<unknown[], EventRow>(
        `INSERT INTO events (id, kind, payload, trust_level, source, correlation_id, cascade_id, hop, parent_id, visited, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING RETURNING *`,
      ).get(
        event.id,
        event.kind,
        JSON.stringify(event.payload),
        event.trust_level,
        JSON.stringify(event.source),
        event.correlation_id,
        event.cascade_id,
        event.hop,
        event.parent_id,
        JSON.stringify(event.visited),
        this.now(),
      );
      for (const link of stopped) this.insertLink(link);
      if (row) return { event: toEvent(row), created: true };
      return { event: toEvent(this.stmt<[string], EventRow>('SELECT * FROM events WHERE id = ?').get(event.id) as EventRow), created: false };
    });
  }

  async getEvent(id: string): Promise<ForgeEvent | null> {
    const row = this.stmt<[string], EventRow>('SELECT * FROM events WHERE id = ?').get(id);
    return row ? toEvent(row) : null;
  }

  async listEvents(filter: EventFilter): Promise<ForgeEvent[]> {
    const where = new Where();
    if (filter.after_seq !== undefined) where.add('seq > ?', filter.after_seq);
    if (filter.kind) where.add('kind = ?', filter.kind);
    if (filter.cascade_id) where.add('cascade_id = ?', filter.cascade_id);
    if (filter.max_trust !== undefined) where.add('trust_level <= ?', filter.max_trust);
    return this.stmt<unknown[], EventRow>(`SELECT * FROM events WHERE ${where.sql} ORDER BY seq LIMIT ?`)
      .all(...where.params, filter.limit)
      .map(toEvent);
  }

  async latestEventSeq(): Promise<number> {
    return this.stmt<[], number | null>('SELECT max(seq) FROM events').pluck().get() ?? 0;
  }

  async markDelivered(eventId: string, subscriber: string, link?: CascadeLink): Promise<boolean> {
    return this.grouped(() => {
      const fresh =
        this.stmt('INSERT INTO event_deliveries (event_id, subscriber, delivered_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING').run(eventId, subscriber, this.now()).changes === 1;
      if (fresh && link) this.insertLink(link);
      return fresh;
    });
  }

  private insertLink(link: CascadeLink): void {
    this.stmt(
      `INSERT INTO cascade_links (event_id, cascade_id, hop, kind, source, target, target_id, payload_digest, outcome, reason, trust_level, at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id, target) DO NOTHING`,
    ).run(link.event_id, link.cascade_id, link.hop, link.kind, link.source, link.target, link.target_id, link.payload_digest, link.outcome, link.reason, link.trust_level, link.at);
  }

  async listCascadeLinks(cascadeId: string): Promise<CascadeLink[]> {
    return this.stmt<[string], CascadeLink>(
      `SELECT event_id, cascade_id, hop, kind, source, target, target_id, payload_digest, outcome, reason, trust_level, at
         FROM cascade_links WHERE cascade_id = ? ORDER BY seq LIMIT 10000`,
    ).all(cascadeId);
  }

  async triggeredTargets(sources: readonly string[], maxTrust: number): Promise<Array<{ source: string; target: string; links: number }>> {
    if (sources.length === 0) return [];
    return this.stmt<unknown[], { source: string; target: string; links: number }>(
      `SELECT source, target, count(*) AS links FROM cascade_links
         WHERE outcome = 'delivered' AND trust_level <= ? AND source IN (SELECT value FROM json_each(?)) GROUP BY source, target ORDER BY source, target`,
    ).all(maxTrust, JSON.stringify(sources));
  }

  async wasDelivered(eventId: string, subscriber: string): Promise<boolean> {
    return this.stmt<[string, string], number>('SELECT 1 FROM event_deliveries WHERE event_id = ? AND subscriber = ?').pluck().get(eventId, subscriber) === 1;
  }

  async listAudit(options: { limit: number; before_seq?: number; entity_id?: string; action?: string }): Promise<AuditEntry[]> {
    const where = new Where();
    if (options.before_seq !== undefined) where.add('seq < ?', options.before_seq);
    if (options.entity_id) where.add('entity_id = ?', options.entity_id);
    if (options.action) where.add('action = ?', options.action);
    return this.stmt<unknown[], AuditRow>(`SELECT ${AUDIT_COLUMNS} FROM audit_log WHERE ${where.sql} ORDER BY seq DESC LIMIT ?`)
      .all(...where.params, options.limit)
      .map(toAudit);
  }

  async createProposal(input: NewProposal, ctx: MutationContext): Promise<Proposal> {
    return this.db
      .transaction(() => {
        const at = this.now();
        const row = this.stmt<unknown[], ProposalRow>(
          `INSERT INTO proposals (id, title, description, kind, action, proposer_id, status, created_at) VALUES (?, ?, ?, ?, ?, ?, 'draft', ?) RETURNING *`,
        ).get(input.id, input.title, input.description, input.kind, JSON.stringify(input.action), input.proposer_id, at) as ProposalRow;
        this.audit({
          actor_id: ctx.actor_id,
          action: 'proposal.create',
          entity_type: 'proposal',
          entity_id: input.id,
          details: { title: input.title, kind: input.kind, action: input.action },
        });
        return toProposal(row);
      })
      .immediate();
  }

  async getProposal(id: string): Promise<Proposal | null> {
    const row = this.stmt<[string], ProposalRow>('SELECT * FROM proposals WHERE id = ?').get(id);
    return row ? toProposal(row) : null;
  }

  async listProposals(filter: { status?: ProposalStatus; limit: number }): Promise<Proposal[]> {
    const where = new Where();
    if (filter.status) where.add('status = ?', filter.status);
    return this.stmt<unknown[], ProposalRow>(`SELECT * FROM proposals WHERE ${where.sql} ORDER BY created_at DESC, id LIMIT ?`)
      .all(...where.params, filter.limit)
      .map(toProposal);
  }

  async changeProposal(id: string, change: ProposalChange, ctx: MutationContext): Promise<Proposal | null> {
    return this.db
      .transaction(() => {
        const row = this.stmt<[string], ProposalRow>('SELECT * FROM proposals WHERE id = ?').get(id);
        if (!row) throw new NotFoundError('proposal', id);
        if (!change.from.includes(row.status)) return null;
        const { from: _from, ...fields } = change;
        const next = {
          status: fields.status ?? row.status,
          outcome: fields.outcome ?? row.outcome,
          opened_at: fields.opened_at ?? row.opened_at,
          closes_at: fields.closes_at ?? row.closes_at,
          closed_at: fields.closed_at ?? row.closed_at,
          tally: fields.tally ? JSON.stringify(fields.tally) : row.tally,
          execution: fields.execution ? JSON.stringify(fields.execution) : row.execution,
        };
        this.stmt('UPDATE proposals SET status = ?, outcome = ?, opened_at = ?, closes_at = ?, closed_at = ?, tally = ?, execution = ? WHERE id = ?').run(
          next.status,
          next.outcome,
          next.opened_at,
          next.closes_at,
          next.closed_at,
          next.tally,
          next.execution,
          id,
        );
        this.audit({ actor_id: ctx.actor_id, action: proposalAction(row.status, fields), entity_type: 'proposal', entity_id: id, details: { ...fields } });
        return toProposal(this.stmt<[string], ProposalRow>('SELECT * FROM proposals WHERE id = ?').get(id) as ProposalRow);
      })
      .immediate();
  }

  async setProposalAnalysis(id: string, analysis: JsonObject): Promise<void> {
    await this.grouped(() => {
      if (this.stmt('UPDATE proposals SET analysis = ? WHERE id = ?').run(JSON.stringify(analysis), id).changes === 0) throw new NotFoundError('proposal', id);
    });
  }

  async castVote(vote: Omit<Vote, 'at'>, ctx: MutationContext): Promise<boolean> {
    return this.db
      .transaction(() => {
        const status = this.stmt<[string], string>('SELECT status FROM proposals WHERE id = ?').pluck().get(vote.proposal_id);
        if (status === undefined) throw new NotFoundError('proposal', vote.proposal_id);
        if (status !== 'voting') return false;
        this.stmt(
          `INSERT INTO votes (proposal_id, voter_id, choice, weight, at) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (proposal_id, voter_id) DO UPDATE SET choice = excluded.choice, weight = excluded.weight, at = excluded.at`,
        ).run(vote.proposal_id, vote.voter_id, vote.choice, BigInt(vote.weight), this.now());
        this.audit({
          actor_id: ctx.actor_id,
          action: 'proposal.vote',
          entity_type: 'proposal',
          entity_id: vote.proposal_id,
          details: { choice: vote.choice, weight: vote.weight },
        });
        return true;
      })
      .immediate();
  }

  async listVotes(proposalId: string): Promise<Vote[]> {
    return this.stmt<[string], Vote>('SELECT proposal_id, voter_id, choice, weight, at FROM votes WHERE proposal_id = ? ORDER BY at, voter_id').all(proposalId);
  }

  async setDelegation(delegatorId: string, delegateId: string | null, ctx: MutationContext): Promise<void> {
    this.db
      .transaction(() => {
        if (delegateId === null) this.stmt('DELETE FROM delegations WHERE delegator_id = ?').run(delegatorId);
        else
          this.stmt(
            'INSERT INTO delegations (delegator_id, delegate_id, at) VALUES (?, ?, ?) ON CONFLICT (delegator_id) DO UPDATE SET delegate_id = excluded.delegate_id, at = excluded.at',
          ).run(delegatorId, delegateId, this.now());
        this.audit({
          actor_id: ctx.actor_id,
          action: delegateId ? 'delegation.set' : 'delegation.revoke',
          entity_type: 'user',
          entity_id: delegatorId,
          details: { delegate_id: delegateId },
        });
      })
      .immediate();
  }

  async listDelegations(): Promise<Delegation[]> {
    return this.stmt<[], Delegation>('SELECT delegator_id, delegate_id, at FROM delegations ORDER BY delegator_id').all();
  }

  async getSettings(): Promise<JsonObject> {
    return Object.fromEntries(
      this.stmt<[], { key: string; value: string }>('SELECT key, value FROM settings')
        .all()
        .map((r) => [r.key, JSON.parse(r.value) as unknown]),
    );
  }

  async putSetting(key: string, value: unknown, ctx: MutationContext): Promise<void> {
    this.db
      .transaction(() => {
        this.stmt('INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at').run(
          key,
          JSON.stringify(value),
          this.now(),
        );
        this.audit({ actor_id: ctx.actor_id, action: 'setting.change', entity_type: 'setting', entity_id: key, details: { value } });
      })
      .immediate();
  }

  async listAuditAfter(afterSeq: number, limit: number): Promise<AuditEntry[]> {
    return this.stmt<[number, number], AuditRow>(`SELECT ${AUDIT_COLUMNS} FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?`).all(afterSeq, limit).map(toAudit);
  }

  async getCursor(name: string): Promise<number> {
    return this.stmt<[string], number>('SELECT value FROM cursors WHERE name = ?').pluck().get(name) ?? 0;
  }

  async advanceCursor(name: string, value: number): Promise<void> {
    await this.grouped(() =>
      this.stmt('INSERT INTO cursors (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = max(value, excluded.value)').run(name, BigInt(value)),
    );
  }

  async verifyAudit(): Promise<{ ok: boolean; checked: number; broken_at: number | null }> {
    const chain = new AuditChainCheck();
    for (const row of this.stmt<[], AuditRow>(`SELECT ${AUDIT_COLUMNS} FROM audit_log ORDER BY seq`).iterate()) {
      const entry = toAudit(row);
      if (!chain.add(entry)) return { ok: false, checked: chain.checked, broken_at: entry.seq };
    }
    return { ok: true, checked: chain.checked, broken_at: null };
  }

  async stats(): Promise<StoreStats> {
    const count = (table: string) => (this.stmt<[], { n: number }>(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return { capsules: count('capsules'), requests: count('requests'), audit_entries: count('audit_log') };
  }

  /** For tests of tamper evidence only: rewrites one audit entry's details in place. */
  tamperAuditForTest(seq: number, details: JsonObject): void {
    this.stmt('UPDATE audit_log SET details = ? WHERE seq = ?').run(JSON.stringify(details), seq);
  }

  async close(): Promise<void> {
    this.commitGroup(); // writes already accepted are committed, not dropped
    if (this.db.open) this.db.close();
    this.tokenizer.close();
  }
}
