import { randomUUID } from 'node:crypto';
import neo4j, { type Driver, type ManagedTransaction, type Node, type QueryResult, type Relationship, type RecordShape } from 'neo4j-driver';
import { ConflictError, NotFoundError } from '../../errors.js';
import { candidatesPerSide, rankInThreads, threadPlaceOf, weightedFusion } from '../../search/fusion.js';
import { IndexTokenizer, queryTerms, rankForReader, TEXT_CANDIDATES, type CorpusStats } from '../../search/reader-bm25.js';
import { isStopword, words } from '../../search/text.js';
import {
  DEFAULT_LINEAGE_LIMITS,
  TERMINAL_STATUSES,
  type ApiKeyRecord,
  type AuditEntry,
  type Capsule,
  type CapsuleFilter,
  type CapsulePatch,
  type CapsuleType,
  type EmbeddingUpdate,
  type ForkInput,
  type GraphStore,
  type JsonObject,
  type LineageEntry,
  type LineageLimits,
  type MutationContext,
  type NewApiKey,
  type NewAuditEntry,
  type NewCapsule,
  type NewOverlay,
  type NewRequest,
  type NewUser,
  type OverlayFilter,
  type OverlayRecord,
  type OverlayState,
  type OverlayStateChange,
  type Page,
  type RefreshOutcome,
  type RequestOutcome,
  type RequestRecord,
  type RequestStatus,
  type Role,
  type SearchHit,
  type SearchQuery,
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
  type VoteChoice,
  type EventFilter,
  type ForgeEvent,
  type NewEvent,
  type StoreStats,
  type TrustChange,
  type UserChange,
  type UserRecord,
} from '../graph-store.js';
import { AuditChainCheck, chainedAuditEntry, decodeCursor, encodeCursor, forkOf, GENESIS_HASH, manifestOf, newVersionOf, proposalAction, staleAuditEntry } from '../records.js';
import { compareVersions, isSemver, nextPatch } from '../versions.js';
import { createVectorIndex, CYPHER, MIGRATIONS, VECTOR_INDEX, type FilterParam, type Statement } from './cypher.js';
import { cypherParams, deliveryKey } from './params.js';
import { Neo4jTransferTarget } from './neo4j-transfer.js';

export interface Neo4jGraphStoreOptions {
  /** `neo4j://`, `neo4j+s://`, `bolt://` … */
  readonly uri: string;
  readonly user: string;
  readonly password: string;
  /** @defaultValue the server's default database */
  readonly database?: string;
  /** The embedding size the vector index is built for (FORGE_EMBEDDING_DIM). */
  readonly dimensions: number;
}

/** Over-fetch and refill, as in the embedded store: Neo4j's indexes filter after their top k. */
const OVER_FETCH = 4;
const EXACT_SCAN_AFTER = 4096;

type Props = Record<string, unknown>;
type Params<P extends string> = { readonly [K in P]: unknown };

const jsonOrNull = (v: unknown): JsonObject | null => (typeof v === 'string' ? (JSON.parse(v) as JsonObject) : null);

function toProposal(p: Props): Proposal {
  return {
    id: str(p.id),
    title: str(p.title),
    description: str(p.description),
    kind: p.kind as ProposalKind,
    action: json<JsonObject>(p.action, {}),
    proposer_id: str(p.proposer_id),
    status: p.status as ProposalStatus,
    outcome: (p.outcome ?? null) as ProposalOutcome | null,
    created_at: str(p.created_at),
    opened_at: strOrNull(p.opened_at),
    closes_at: strOrNull(p.closes_at),
    closed_at: strOrNull(p.closed_at),
    tally: jsonOrNull(p.tally),
    analysis: jsonOrNull(p.analysis),
    execution: jsonOrNull(p.execution),
  };
}

function props(entity: Node | Relationship): Props {
  return entity.properties as Props;
}

const str = (v: unknown): string => v as string;
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : (v as string));
const json = <T>(v: unknown, fallback: T): T => (typeof v === 'string' ? (JSON.parse(v) as T) : fallback);

function toCapsule(p: Props): Capsule {
  return {
    id: str(p.id),
    content: str(p.content),
    type: p.type as CapsuleType,
    version: str(p.version),
    parent_id: strOrNull(p.parent_id),
    owner_id: str(p.owner_id),
    trust_level: p.trust_level as number,
    metadata: json<JsonObject>(p.metadata, {}),
    tags: (p.tags as string[] | null) ?? [],
    created_at: str(p.created_at),
    updated_at: str(p.updated_at),
    archived: p.archived === true,
    superseded_by: strOrNull(p.superseded_by),
    stale: p.stale_reason ? { reason: str(p.stale_reason), since: str(p.stale_at), source_id: strOrNull(p.stale_source) } : null,
  };
}

function toRequest(p: Props): RequestRecord {
  return {
    id: str(p.id),
    status: p.status as RequestStatus,
    correlation_id: str(p.correlation_id),
    caller: json<RequestRecord['caller']>(p.caller, { id: str(p.caller_id), roles: [], trust_level: 0 }),
    query: str(p.query),
    required_trust: p.required_trust as number,
    save_as_capsule: p.save_as_capsule === true,
    metadata: json<JsonObject>(p.metadata, {}),
    idempotency_key: strOrNull(p.idempotency_key),
    answer: strOrNull(p.answer),
    citations: (p.citations as string[] | null) ?? [],
    phase_timings: json<RequestRecord['phase_timings']>(p.phase_timings, {}),
    result: json<JsonObject>(p.result, {}),
    error: json<RequestRecord['error']>(p.error, null),
    created_at: str(p.created_at),
    updated_at: str(p.updated_at),
    finished_at: strOrNull(p.finished_at),
  };
}

function toOverlay(p: Props): OverlayRecord {
  return {
    id: str(p.id),
    name: str(p.name),
    version: str(p.version),
    state: p.state as OverlayState,
    state_reason: strOrNull(p.state_reason),
    manifest: manifestOf(str(p.manifest)),
    manifest_text: str(p.manifest_text),
    sha256: str(p.sha256),
    blob_key: str(p.blob_key),
    wasm_size: p.wasm_size as number,
    imports: json<string[]>(p.imports, []),
    trust_level: p.trust_level as number,
    submitted_by: str(p.submitted_by),
    config: json<JsonObject>(p.config, {}),
    activated_at: strOrNull(p.activated_at),
    expires_at: strOrNull(p.expires_at),
    created_at: str(p.created_at),
    updated_at: str(p.updated_at),
  };
}

function toUser(p: Props): UserRecord {
  return {
    id: str(p.id),
    name: str(p.name),
    role: p.role as Role,
    trust_level: p.trust_level as number,
    disabled: p.disabled === true,
    has_password: typeof p.password_hash === 'string',
    totp_enabled: p.totp_enabled === true,
    created_at: str(p.created_at),
    updated_at: str(p.updated_at),
  };
}

function toApiKey(p: Props): ApiKeyRecord {
  return {
    id: str(p.id),
    user_id: str(p.user_id),
    label: str(p.label),
    prefix: str(p.prefix),
    created_at: str(p.created_at),
    last_used_at: strOrNull(p.last_used_at),
    revoked_at: strOrNull(p.revoked_at),
  };
}

function toEvent(p: Props): ForgeEvent {
  return {
    seq: p.seq as number,
    id: str(p.id),
    kind: str(p.kind),
    payload: json<JsonObject>(p.payload, {}),
    trust_level: p.trust_level as number,
    source: json<ForgeEvent['source']>(p.source, { type: 'system', id: 'unknown' }),
    correlation_id: strOrNull(p.correlation_id),
    cascade_id: str(p.cascade_id),
    hop: p.hop as number,
    parent_id: strOrNull(p.parent_id),
    visited: Array.isArray(p.visited) ? p.visited.map(String) : [],
    created_at: str(p.created_at),
  };
}

function toAudit(p: Props): AuditEntry {
  return {
    seq: p.seq as number,
    id: str(p.id),
    at: str(p.at),
    actor_id: str(p.actor_id),
    action: str(p.action),
    entity_type: str(p.entity_type),
    entity_id: str(p.entity_id),
    details: json<JsonObject>(p.details, {}),
    prev_hash: str(p.prev_hash),
    hash: str(p.hash),
  };
}

/**
 * A full-text query for Neo4j's Lucene index: every content word as a quoted phrase, OR-ed, with Lucene's
 * own escapes, so user text is never query syntax.
 */
export function luceneQuery(text: string): string | null {
  const tokens = [...new Set(words(text).filter((w) => !isStopword(w)))].slice(0, 32);
  return tokens.length === 0 ? null : tokens.map((t) => `"${t.replace(/[\\"]/g, (c) => `\\${c}`)}"`).join(' OR ');
}

function filterParams(filter: CapsuleFilter): Params<FilterParam> {
  return {
    include_archived: filter.include_archived ?? false,
    include_superseded: filter.include_superseded ?? false,
    include_stale: filter.include_stale ?? false,
    type: filter.type ?? null,
    owner_id: filter.owner_id ?? null,
    min_trust: filter.min_trust ?? null,
    max_trust: filter.max_trust ?? null,
    tag: filter.tag ?? null,
  };
}

/** A capsule's passage vectors as one flat list of floats (null when it has none: the property is left unset). */
function flatPassages(passages: readonly Float32Array[] | undefined): number[] | null {
  if (!passages || passages.length === 0) return null;
  return passages.flatMap((p) => Array.from(p));
}

/** The passage vectors of a flat list, each of `dimensions`. */
function passageVectorsOf(flat: readonly number[] | null, dimensions: number): Float32Array[] {
  if (!flat || dimensions === 0 || flat.length % dimensions !== 0) return [];
  const out: Float32Array[] = [];
  for (let at = 0; at < flat.length; at += dimensions) out.push(Float32Array.from(flat.slice(at, at + dimensions)));
  return out;
}

/**
 * The graph store on Neo4j 5 (`neo4j-driver`), for fleets that outgrow one machine. Same behaviour as the
 * embedded store (the same conformance suite): capsules are nodes, DERIVED_FROM edges are relationships,
 * lineage is walked level by level (each capsule once, at its shortest depth, bounded as in the embedded
 * store), search fuses Neo4j's vector index and full-text index in code. Writes run in managed
 * transactions, which the driver retries on transient errors (deadlocks, leader changes). Every statement
 * lives in `cypher.ts`.
 */
export class Neo4jGraphStore implements GraphStore {
  readonly kind = 'neo4j';
  private readonly driver: Driver;
  /** The embedded index's tokenizer: the same terms, so the same scores, on every adapter. */
  private readonly tokenizer = new IndexTokenizer();
  private readonly database: string | undefined;

  private constructor(driver: Driver, database: string | undefined) {
    this.driver = driver;
    this.database = database;
  }

  /** Connects, runs the migrations not yet applied, and makes sure the vector index has the configured size. */
  static async open(options: Neo4jGraphStoreOptions): Promise<Neo4jGraphStore> {
    const driver = neo4j.driver(options.uri, neo4j.auth.basic(options.user, options.password), { disableLosslessIntegers: true });
    await driver.verifyConnectivity(options.database ? { database: options.database } : {});
    const store = new Neo4jGraphStore(driver, options.database);
    await store.migrate(options.dimensions);
    return store;
  }

  private session() {
    return this.driver.session(this.database ? { database: this.database } : {});
  }

  private async read<T>(work: (tx: ManagedTransaction) => Promise<T>): Promise<T> {
    const session = this.session();
    try {
      return await session.executeRead(work);
    } finally {
      await session.close();
    }
  }

  private async write<T>(work: (tx: ManagedTransaction) => Promise<T>): Promise<T> {
    const session = this.session();
    try {
      return await session.executeWrite(work);
    } finally {
      await session.close();
    }
  }

  private static run<P extends string>(tx: ManagedTransaction, statement: Statement<P>, params: Params<P>): Promise<QueryResult<RecordShape>> {
    return tx.run(statement.text, cypherParams(params));
  }

  private async migrate(dimensions: number): Promise<void> {
    const run = async <P extends string>(statement: Statement<P>, params: Params<P>) => {
      const session = this.session();
      try {
        return await session.run(statement.text, cypherParams(params));
      } finally {
        await session.close();
      }
    };
    const current = (await run(CYPHER.migrationVersion, {})).records[0]?.get('version') as number;
    for (let version = current + 1; version <= MIGRATIONS.length; version++) {
      for (const statement of MIGRATIONS[version - 1] ?? []) await run(statement, { genesis: GENESIS_HASH });
      await run(CYPHER.recordMigration, { version, at: new Date().toISOString() });
    }
    // The vector index is built for one size: a changed FORGE_EMBEDDING_DIM rebuilds it (re-embedding follows).
    const existing = (await run(CYPHER.vectorIndexSize, { name: VECTOR_INDEX })).records[0]?.get('dimensions') as number | undefined;
    if (existing !== undefined && existing !== dimensions) await run(CYPHER.dropVectorIndex, {});
    await run(createVectorIndex(dimensions), {});
    await this.countMissingTerms();
  }

  /** This store as the target of a copy of another (`forge migrate --to neo4j`). */
  transferTarget(): Neo4jTransferTarget {
    return new Neo4jTransferTarget({
      read: (work) => this.read(work),
      write: (work) => this.write(work),
      session: () => this.session(),
      countMissingTerms: () => this.countMissingTerms(),
    });
  }

  /** Counts the terms of capsules stored before the per-level text statistics were kept (once, in batches). */
  private async countMissingTerms(): Promise<void> {
    for (;;) {
      const batch = await this.read(async (tx) =>
        (await Neo4jGraphStore.run(tx, CYPHER.capsulesWithoutTerms, { limit: 500 })).records.map((r) => ({
          id: r.get('id') as string,
          text: `${r.get('content') as string} ${(r.get('tags_text') as string | null) ?? ''}`,
          trust: r.get('trust_level') as number,
        })),
      );
      if (batch.length === 0) return;
      await this.write(async (tx) => {
        for (const c of batch) {
          const terms = this.tokenizer.terms(c.text);
          await Neo4jGraphStore.run(tx, CYPHER.setCapsuleTerms, { id: c.id, terms: JSON.stringify(Object.fromEntries(terms.counts)), length: terms.length });
          await Neo4jGraphStore.run(tx, CYPHER.countTerms, { terms: [...terms.counts.keys()], trust_level: c.trust, length: terms.length });
        }
      });
    }
  }

  private now(): string {
    return new Date().toISOString();
  }

  private lastWritten = 0;

  /** Microseconds since the epoch, strictly increasing in this process. */
  private writtenSeq(): number {
    this.lastWritten = Math.max(this.lastWritten + 1, Date.now() * 1000);
    return this.lastWritten;
  }

  // ---- capsules -------------------------------------------------------------------------------

  private async capsuleIn(tx: ManagedTransaction, id: string): Promise<Capsule | null> {
    const node = (await Neo4jGraphStore.run(tx, CYPHER.capsuleById, { id })).records[0]?.get('c') as Node | undefined;
    return node ? toCapsule(props(node)) : null;
  }

  private async mustCapsule(tx: ManagedTransaction, id: string): Promise<Capsule> {
    const capsule = await this.capsuleIn(tx, id);
    if (!capsule) throw new NotFoundError('capsule', id);
    return capsule;
  }

  private async keptEmbedding(tx: ManagedTransaction, id: string): Promise<{ embedding: Float32Array; passage_embeddings: Float32Array[]; embedding_model: string }> {
    const record = (await Neo4jGraphStore.run(tx, CYPHER.capsuleEmbedding, { id })).records[0];
    if (!record) throw new NotFoundError('capsule', id);
    const embedding = Float32Array.from(record.get('embedding') as number[]);
    return {
      embedding,
      passage_embeddings: passageVectorsOf(record.get('passage_embeddings') as number[] | null, embedding.length),
      embedding_model: (record.get('embedding_model') as string | null) ?? '',
    };
  }

  private async insertCapsule(tx: ManagedTransaction, input: NewCapsule, ctx: MutationContext, action: string): Promise<Capsule> {
    const id = input.id ?? randomUUID();
    const existing = await this.capsuleIn(tx, id);
    if (existing) return existing;
    const version = input.version ?? '1.0.0';
    if (!isSemver(version)) throw new ConflictError('capsule', id, `version "${version}" is not semver`);
    const parents = input.derived_from ?? [];
    if (parents.length) {
      const found = new Set((await Neo4jGraphStore.run(tx, CYPHER.capsulesExisting, { ids: parents.map((p) => p.parent_id) })).records.map((r) => r.get('id') as string));
      const missing = parents.find((p) => !found.has(p.parent_id));
      if (missing) throw new NotFoundError('capsule', missing.parent_id);
    }
    const at = this.now();
    const tags = [...new Set(input.tags ?? [])];
    const terms = this.tokenizer.terms(`${input.content} ${tags.join(' ')}`);
    const place = threadPlaceOf(input.metadata ?? {});
    const record = (
      await Neo4jGraphStore.run(tx, CYPHER.createCapsule, {
        props: {
          id,
          content: input.content,
          type: input.type,
          version,
          parent_id: parents[0]?.parent_id ?? null,
          owner_id: input.owner_id,
          trust_level: input.trust_level,
          metadata: JSON.stringify(input.metadata ?? {}),
          // Its place in a thread, to be found by (capsuleInThread); absent (null is not stored) outside one.
          thread: place?.thread ?? null,
          thread_position: place?.position ?? null,
          // Which of several capsules at one place was written last (created_at has milliseconds only).
          thread_written: place ? this.writtenSeq() : null,
          tags,
          tags_text: tags.join(' '),
          created_at: at,
          updated_at: at,
          archived: false,
          embedding: Array.from(input.embedding),
          passage_embeddings: flatPassages(input.passage_embeddings),
          embedding_model: input.embedding_model ?? '',
          terms: JSON.stringify(Object.fromEntries(terms.counts)),
          terms_length: terms.length,
        },
      })
    ).records[0];
    await Neo4jGraphStore.run(tx, CYPHER.countTerms, { terms: [...terms.counts.keys()], trust_level: input.trust_level, length: terms.length });
    if (parents.length) {
      await Neo4jGraphStore.run(tx, CYPHER.createEdges, {
        child_id: id,
        parents: parents.map((p) => ({ parent_id: p.parent_id, reason: p.reason, changes: JSON.stringify(p.changes ?? {}) })),
        at,
      });
    }
    await this.audit(tx, {
      actor_id: ctx.actor_id,
      action,
      entity_type: 'capsule',
      entity_id: id,
      details: { version, trust_level: input.trust_level, derived_from: parents.map((p) => ({ id: p.parent_id, reason: p.reason, ...(p.changes ? { changes: p.changes } : {}) })) },
    });
    return toCapsule(props(record?.get('c') as Node));
  }

  async createCapsule(input: NewCapsule, ctx: MutationContext): Promise<Capsule> {
    return this.write((tx) => this.insertCapsule(tx, input, ctx, 'capsule.create'));
  }

  async getCapsule(id: string): Promise<Capsule | null> {
    return this.read((tx) => this.capsuleIn(tx, id));
  }

  async capsuleInThread(thread: string, position: number, maxTrust = 100): Promise<Capsule | null> {
    return this.read(async (tx) => {
      const record = (await Neo4jGraphStore.run(tx, CYPHER.capsuleInThread, { thread, position, max_trust: maxTrust })).records[0];
      return record ? toCapsule(record.get('c') as Props) : null;
    });
  }

  async getCapsules(ids: readonly string[]): Promise<Capsule[]> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return [];
    const result = await this.read((tx) => Neo4jGraphStore.run(tx, CYPHER.capsulesById, { ids: unique }));
    const found = new Map(result.records.map((r) => toCapsule(r.get('c') as Props)).map((c) => [c.id, c]));
    return unique.flatMap((id) => found.get(id) ?? []);
  }

  async listCapsules(filter: CapsuleFilter, page: { limit: number; cursor?: string | null }): Promise<Page<Capsule>> {
    const [cursorAt, cursorId] = page.cursor ? decodeCursor(page.cursor) : [null, null];
    const result = await this.read((tx) =>
      Neo4jGraphStore.run(tx, CYPHER.listCapsules, { ...filterParams(filter), cursor_at: cursorAt, cursor_id: cursorId, limit: page.limit + 1 }),
    );
    const rows = result.records.map((r) => toCapsule(props(r.get('c') as Node)));
    const items = rows.slice(0, page.limit);
    const last = items[items.length - 1];
    return { items, next_cursor: rows.length > page.limit && last ? encodeCursor(last) : null };
  }

  async updateCapsule(id: string, patch: CapsulePatch, ctx: MutationContext): Promise<Capsule> {
    if (patch.content !== undefined && !patch.embedding) throw new TypeError('updateCapsule: content changed without an embedding');
    return this.write(async (tx) => {
      await Neo4jGraphStore.run(tx, CYPHER.lockCapsule, { id });
      const current = await this.mustCapsule(tx, id);
      if (current.archived) throw new ConflictError('capsule', id, 'is archived');
      if (current.superseded_by) throw new ConflictError('capsule', id, `was superseded by ${current.superseded_by}; update the latest version`);
      const version = patch.version ?? nextPatch(current.version);
      if (!isSemver(version) || compareVersions(version, current.version) <= 0) {
        throw new ConflictError('capsule', id, `version ${version} must be a semantic version greater than ${current.version}`);
      }
      const kept = patch.embedding ? null : await this.keptEmbedding(tx, id);
      const next = await this.insertCapsule(
        tx,
        newVersionOf(current, patch, version, () => kept as NonNullable<typeof kept>),
        ctx,
        'capsule.update',
      );
      await Neo4jGraphStore.run(tx, CYPHER.supersede, { id, next_id: next.id, at: next.created_at });
      // In the same transaction: what was derived from the old version no longer follows its source.
      await this.markStale(tx, [id], `its source ${id} (v${current.version}) was superseded by v${next.version}`, next.id, ctx);
      return next;
    });
  }

  /** As the embedded store's markStale: transitively, not along a newer version's edge, audited once. */
  private async markStale(
    tx: ManagedTransaction,
    roots: readonly string[],
    reason: string,
    sourceId: string | null,
    ctx: MutationContext,
    includeRoots = false,
  ): Promise<string[]> {
    const rootsMarked = includeRoots ? (await Neo4jGraphStore.run(tx, CYPHER.notStale, { ids: [...roots] })).records.map((r) => r.get('id') as string) : [];
    const below = (await Neo4jGraphStore.run(tx, CYPHER.derivedNotStale, { roots: [...roots] })).records.map((r) => r.get('id') as string);
    const marked = [...new Set([...rootsMarked, ...below])];
    if (marked.length === 0) return [];
    await Neo4jGraphStore.run(tx, CYPHER.markStale, { ids: marked, reason, at: this.now(), source_id: sourceId });
    await this.audit(tx, staleAuditEntry(roots, reason, sourceId, marked, ctx));
    return marked;
  }

  async markDerivedStale(roots: readonly string[], reason: string, ctx: MutationContext, options: { readonly includeRoots?: boolean } = {}): Promise<string[]> {
    return this.write((tx) => this.markStale(tx, roots, reason, null, ctx, options.includeRoots ?? false));
  }

  async archiveCapsule(id: string, ctx: MutationContext): Promise<Capsule> {
    return this.write(async (tx) => {
      await Neo4jGraphStore.run(tx, CYPHER.lockCapsule, { id });
      const current = await this.mustCapsule(tx, id);
      if (current.archived) return current;
      const node = (await Neo4jGraphStore.run(tx, CYPHER.archive, { id, at: this.now() })).records[0]?.get('c') as Node;
      await this.audit(tx, { actor_id: ctx.actor_id, action: 'capsule.archive', entity_type: 'capsule', entity_id: id });
      await this.markStale(tx, [id], `its source ${id} was archived`, null, ctx);
      return toCapsule(props(node));
    });
  }

  async forkCapsule(id: string, input: ForkInput, ctx: MutationContext): Promise<Capsule> {
    if (input.content !== undefined && !input.embedding) throw new TypeError('forkCapsule: content given without an embedding');
    return this.write(async (tx) => {
      const source = await this.mustCapsule(tx, id);
      const kept = input.embedding ? null : await this.keptEmbedding(tx, id);
      return this.insertCapsule(
        tx,
        forkOf(source, input, () => kept as NonNullable<typeof kept>),
        ctx,
        'capsule.fork',
      );
    });
  }

  /**
   * Breadth-first over DERIVED_FROM, one query per level with a visited set: each capsule once, at its
   * shortest depth, bounded by `maxDepth` levels and `maxNodes` capsules. (A variable-length pattern would
   * enumerate every path, which in a lineage full of diamonds grows exponentially.)
   */
  private async walk(id: string, direction: 'up' | 'down', limits: LineageLimits = {}): Promise<LineageEntry[]> {
    const maxDepth = limits.maxDepth ?? DEFAULT_LINEAGE_LIMITS.maxDepth;
    const maxNodes = limits.maxNodes ?? DEFAULT_LINEAGE_LIMITS.maxNodes;
    return this.read(async (tx) => {
      await this.mustCapsule(tx, id);
      const seen = new Set<string>([id]);
      const out: LineageEntry[] = [];
      let frontier = [id];
      for (let depth = 1; depth <= maxDepth && frontier.length > 0 && out.length < maxNodes; depth++) {
        const next: string[] = [];
        const level = await Neo4jGraphStore.run(tx, direction === 'up' ? CYPHER.parentsOf : CYPHER.childrenOf, { frontier });
        for (const r of level.records) {
          const capsule = toCapsule(props(r.get('node') as Node));
          if (seen.has(capsule.id)) continue;
          seen.add(capsule.id);
          next.push(capsule.id);
          out.push({
            capsule,
            depth,
            edge: {
              child_id: r.get('child_id') as string,
              parent_id: r.get('parent_id') as string,
              reason: r.get('reason') as string,
              changes: json<JsonObject>(r.get('changes'), {}),
              created_at: r.get('edge_at') as string,
            },
          });
          if (out.length >= maxNodes) break;
        }
        frontier = next;
      }
      return out;
    });
  }

  getLineage(id: string, limits?: LineageLimits): Promise<LineageEntry[]> {
    return this.walk(id, 'up', limits);
  }

  getDescendants(id: string, limits?: LineageLimits): Promise<LineageEntry[]> {
    return this.walk(id, 'down', limits);
  }

  // ---- search ---------------------------------------------------------------------------------

  async searchCapsules(query: SearchQuery): Promise<SearchHit[]> {
    const limit = query.limit ?? 10;
    const pool = candidatesPerSide(limit);
    const minSimilarity = query.min_similarity ?? 0.1;
    const filter = filterParams(query.filter ?? {});
    const model = query.embedding_model ?? null;
    const embedding = Array.from(query.embedding);
    return this.read(async (tx) => {
      const total = (await Neo4jGraphStore.run(tx, CYPHER.capsuleCount, {})).records[0]?.get('n') as number;
      // A query of no direction (an embedding of zeros: nothing the embedder knows) is near nothing; Neo4j's
      // index refuses it, so the vector side is empty, as every cosine with it is 0.
      const vector = embedding.some((x) => x !== 0) ? await this.vectorRanking(tx, { filter, model, embedding, pool, minSimilarity, total }) : [];
      const vectorScores = new Map(vector);
      const lucene = luceneQuery(query.text);
      const text = lucene
        ? await this.readersTextRanking(tx, query.text, { filter, lucene, pool: Math.max(pool, TEXT_CANDIDATES), total }, pool, query.filter?.max_trust ?? 100)
        : [];
      const textScores = new Map(text);

      const scores = weightedFusion({ vector, text }, query.fusion);
      const capsules = new Map(
        (await Neo4jGraphStore.run(tx, CYPHER.capsulesById, { ids: [...scores.keys()] })).records.map((r) => {
          const capsule = toCapsule(r.get('c') as Props);
          return [capsule.id, capsule] as const;
        }),
      );
      const fused = rankInThreads(scores, capsules, query.fusion ?? {}, limit);
      return fused.map(([id, score]) => ({
        capsule: capsules.get(id) as Capsule,
        score,
        vector_score: vectorScores.get(id) ?? null,
        text_score: textScores.get(id) ?? null,
      }));
    });
  }

  /** The vector side: Neo4j's index over-fetched and refilled until `pool` pass the filter; scores as cosine. */
  private async vectorRanking(
    tx: ManagedTransaction,
    q: { filter: Params<FilterParam>; model: string | null; embedding: number[]; pool: number; minSimilarity: number; total: number },
  ): Promise<Array<[string, number]>> {
    for (let k = q.pool * OVER_FETCH; ; k *= OVER_FETCH) {
      const scan = k > EXACT_SCAN_AFTER;
      const rows = scan
        ? (await Neo4jGraphStore.run(tx, CYPHER.vectorScan, { ...q.filter, model: q.model, embedding: q.embedding, limit: q.pool * OVER_FETCH })).records
        : (await Neo4jGraphStore.run(tx, CYPHER.vectorSearch, { ...q.filter, model: q.model, embedding: q.embedding, k: Math.min(k, Math.max(q.total, 1)) })).records;
      // Neo4j scores cosine as (1 + cos) / 2 (late interaction, in the statement).
      const ranked = rows
        .map((r): [string, number] => [r.get('id') as string, 2 * (r.get('score') as number) - 1])
        .filter(([, score]) => score >= q.minSimilarity)
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
      if (ranked.length >= q.pool || k >= q.total || scan) return ranked.slice(0, q.pool);
    }
  }

  /**
   * The text side as a reader at `maxTrust` sees it: the full-text index finds the candidates (every one,
   * when at most TEXT_CANDIDATES match), each scored by BM25 over the statistics of what the reader may
   * read only (search/reader-bm25.ts), never by Lucene's score, which counts every capsule.
   */
  private async readersTextRanking(
    tx: ManagedTransaction,
    text: string,
    q: { filter: Params<FilterParam>; lucene: string; pool: number; total: number },
    pool: number,
    maxTrust: number,
  ): Promise<Array<[string, number]>> {
    const candidates = await this.textRanking(tx, q);
    if (candidates.length === 0) return [];
    const terms = queryTerms(this.tokenizer, text);
    const totals = (await Neo4jGraphStore.run(tx, CYPHER.readerCorpus, { max_trust: maxTrust })).records[0];
    const docs = Number(totals?.get('docs') ?? 0);
    const docsWith = new Map(
      (await Neo4jGraphStore.run(tx, CYPHER.readerTermDocs, { terms, max_trust: maxTrust })).records.map((r) => [r.get('term') as string, Number(r.get('docs'))]),
    );
    const corpus: CorpusStats = { docs, meanLength: docs ? Number(totals?.get('tokens') ?? 0) / docs : 0, docsWith };
    const termsOf = new Map(
      (await Neo4jGraphStore.run(tx, CYPHER.capsuleTerms, { ids: candidates.map(([id]) => id) })).records.map((r) => [
        r.get('id') as string,
        { length: Number(r.get('length') ?? 0), counts: JSON.parse((r.get('terms') as string | null) ?? '{}') as Record<string, number> },
      ]),
    );
    return rankForReader(
      candidates.map(([id]) => id),
      termsOf,
      terms,
      corpus,
      pool,
    );
  }

  /** The text side: the full-text index over-fetched and refilled the same way; Lucene's score, higher is better. */
  private async textRanking(tx: ManagedTransaction, q: { filter: Params<FilterParam>; lucene: string; pool: number; total: number }): Promise<Array<[string, number]>> {
    for (let k = q.pool * OVER_FETCH; ; k *= OVER_FETCH) {
      const rows = (await Neo4jGraphStore.run(tx, CYPHER.textSearch, { ...q.filter, query: q.lucene, k })).records;
      const ranked = rows.map((r): [string, number] => [r.get('id') as string, r.get('score') as number]);
      if (ranked.length >= q.pool || k >= q.total) return ranked.slice(0, q.pool);
    }
  }

  async countStaleEmbeddings(model: string): Promise<number> {
    return this.read(async (tx) => (await Neo4jGraphStore.run(tx, CYPHER.countStaleEmbeddings, { model })).records[0]?.get('n') as number);
  }

  async staleEmbeddings(model: string, limit: number): Promise<StaleEmbedding[]> {
    return this.read(async (tx) =>
      (await Neo4jGraphStore.run(tx, CYPHER.staleEmbeddings, { model, limit })).records.map((r) => ({
        id: r.get('id') as string,
        content: r.get('content') as string,
        metadata: json<JsonObject>(r.get('metadata') as string | null, {}),
        trust_level: Number(r.get('trust_level')),
      })),
    );
  }

  async setEmbeddings(model: string, embeddings: readonly EmbeddingUpdate[]): Promise<number> {
    const rows = embeddings.map((e) => ({ id: e.id, embedding: Array.from(e.embedding), passage_embeddings: flatPassages(e.passage_embeddings) }));
    return this.write(async (tx) => (await Neo4jGraphStore.run(tx, CYPHER.setEmbeddings, { rows, model })).records[0]?.get('n') as number);
  }

  // ---- requests -------------------------------------------------------------------------------

  private async requestIn(tx: ManagedTransaction, id: string): Promise<RequestRecord | null> {
    const node = (await Neo4jGraphStore.run(tx, CYPHER.requestById, { id })).records[0]?.get('r') as Node | undefined;
    return node ? toRequest(props(node)) : null;
  }

  async createRequest(input: NewRequest): Promise<{ record: RequestRecord; created: boolean }> {
    // Submitted twice at once, the second finds the first on its retry (the database refused its copy).
    return this.onceUnique(() => this.insertRequest(input));
  }

  /**
   * Runs a write that creates a node under a uniqueness constraint, once more when the constraint refused
   * it: another transaction created the same thing meanwhile, and the second run finds it.
   */
  private async onceUnique<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if ((err as { code?: string }).code !== 'Neo.ClientError.Schema.ConstraintValidationFailed') throw err;
      return work();
    }
  }

  private async insertRequest(input: NewRequest): Promise<{ record: RequestRecord; created: boolean }> {
    return this.write(async (tx) => {
      if (input.idempotency_key !== null) {
        const prior = (await Neo4jGraphStore.run(tx, CYPHER.requestByIdempotencyKey, { caller_id: input.caller.id, idempotency_key: input.idempotency_key })).records[0];
        if (prior) return { record: toRequest(props(prior.get('r') as Node)), created: false };
      }
      const existing = await this.requestIn(tx, input.id);
      if (existing) return { record: existing, created: false };
      const at = this.now();
      const node = (
        await Neo4jGraphStore.run(tx, CYPHER.createRequest, {
          props: {
            id: input.id,
            status: 'queued',
            correlation_id: input.correlation_id,
            caller_id: input.caller.id,
            caller: JSON.stringify(input.caller),
            query: input.query,
            required_trust: input.required_trust,
            save_as_capsule: input.save_as_capsule,
            metadata: JSON.stringify(input.metadata),
            idempotency_key: input.idempotency_key,
            citations: [],
            phase_timings: '{}',
            result: '{}',
            created_at: at,
            updated_at: at,
          },
        })
      ).records[0]?.get('r') as Node;
      return { record: toRequest(props(node)), created: true };
    });
  }

  async getRequest(id: string): Promise<RequestRecord | null> {
    return this.read((tx) => this.requestIn(tx, id));
  }

  async listRequests(filter: { readonly caller_id?: string; readonly before?: string; readonly limit: number }): Promise<RequestRecord[]> {
    const params = { caller_id: filter.caller_id ?? null, before: filter.before ?? null, limit: neo4j.int(filter.limit) };
    const found = await this.read((tx) => Neo4jGraphStore.run(tx, CYPHER.listRequests, params));
    return found.records.map((r) => toRequest(props(r.get('r') as Node)));
  }

  async finishRequest(id: string, outcome: RequestOutcome): Promise<RequestRecord> {
    return this.write(async (tx) => {
      await Neo4jGraphStore.run(tx, CYPHER.lockRequest, { id });
      const current = await this.requestIn(tx, id);
      if (!current) throw new NotFoundError('request', id);
      // A request that already ended keeps its first outcome.
      if (TERMINAL_STATUSES.has(current.status)) return current;
      const at = this.now();
      const node = (
        await Neo4jGraphStore.run(tx, CYPHER.updateRequest, {
          id,
          changes: {
            status: outcome.status,
            answer: outcome.answer ?? null,
            citations: [...(outcome.citations ?? [])],
            phase_timings: JSON.stringify({ ...current.phase_timings, ...(outcome.phase_timings ?? {}) }),
            result: JSON.stringify({ ...current.result, ...(outcome.result ?? {}) }),
            error: outcome.error ? JSON.stringify(outcome.error) : null,
            updated_at: at,
            finished_at: TERMINAL_STATUSES.has(outcome.status) ? at : null,
          },
        })
      ).records[0]?.get('r') as Node;
      // A completed request's audit entry is written by the storage phase, off the request's path.
      if (outcome.status !== 'completed') {
        await this.audit(tx, {
          actor_id: 'system',
          action: `request.${outcome.status}`,
          entity_type: 'request',
          entity_id: id,
          details: outcome.error ? { error: outcome.error } : {},
        });
      }
      return toRequest(props(node));
    });
  }

  async annotateRequest(id: string, result: JsonObject): Promise<void> {
    await this.write(async (tx) => {
      await Neo4jGraphStore.run(tx, CYPHER.lockRequest, { id });
      const current = await this.requestIn(tx, id);
      if (!current) throw new NotFoundError('request', id);
      await Neo4jGraphStore.run(tx, CYPHER.updateRequest, { id, changes: { result: JSON.stringify({ ...current.result, ...result }), updated_at: this.now() } });
    });
  }

  async reopenRequest(id: string, ctx: MutationContext): Promise<RequestRecord> {
    return this.write(async (tx) => {
      await Neo4jGraphStore.run(tx, CYPHER.lockRequest, { id });
      const current = await this.requestIn(tx, id);
      if (!current) throw new NotFoundError('request', id);
      if (current.status !== 'failed') throw new ConflictError('request', id, `is ${current.status}; only failed requests are re-driven`);
      const node = (await Neo4jGraphStore.run(tx, CYPHER.reopenRequest, { id, at: this.now() })).records[0]?.get('r') as Node;
      await this.audit(tx, {
        actor_id: ctx.actor_id,
        action: 'request.redrive',
        entity_type: 'request',
        entity_id: id,
        details: { previous_error: (current.error as JsonObject | null) ?? null },
      });
      return toRequest(props(node));
    });
  }

  // ---- overlays -------------------------------------------------------------------------------

  private async overlayIn(tx: ManagedTransaction, id: string): Promise<OverlayRecord | null> {
    const node = (await Neo4jGraphStore.run(tx, CYPHER.overlayById, { id })).records[0]?.get('o') as Node | undefined;
    return node ? toOverlay(props(node)) : null;
  }

  async createOverlay(input: NewOverlay, ctx: MutationContext): Promise<OverlayRecord> {
    return this.write(async (tx) => {
      const nameVersion = `${input.name}@${input.version}`;
      const existing = (await Neo4jGraphStore.run(tx, CYPHER.overlayByNameVersion, { name_version: nameVersion })).records[0];
      if (existing) throw new ConflictError('overlay', nameVersion, `is already registered as ${existing.get('id') as string}`);
      const id = randomUUID();
      const at = this.now();
      const node = (
        await Neo4jGraphStore.run(tx, CYPHER.createOverlay, {
          props: {
            id,
            name: input.name,
            version: input.version,
            name_version: nameVersion,
            state: 'pending',
            manifest: JSON.stringify(input.manifest),
            manifest_text: input.manifest_text,
            capabilities: input.manifest.capabilities.map((c) => c.name),
            phases: [...input.manifest.phases],
            sha256: input.sha256,
            blob_key: input.blob_key,
            wasm_size: input.wasm_size,
            imports: JSON.stringify(input.imports),
            trust_level: input.trust_level,
            submitted_by: input.submitted_by,
            config: '{}',
            created_at: at,
            updated_at: at,
          },
        })
      ).records[0]?.get('o') as Node;
      await this.audit(tx, {
        actor_id: ctx.actor_id,
        action: 'overlay.register',
        entity_type: 'overlay',
        entity_id: id,
        details: { name: input.name, version: input.version, sha256: input.sha256, trust_level: input.trust_level },
      });
      return toOverlay(props(node));
    });
  }

  async getOverlay(id: string): Promise<OverlayRecord | null> {
    return this.read((tx) => this.overlayIn(tx, id));
  }

  async listOverlays(filter: OverlayFilter): Promise<OverlayRecord[]> {
    const result = await this.read((tx) =>
      Neo4jGraphStore.run(tx, CYPHER.listOverlays, { state: filter.state ?? null, name: filter.name ?? null, capability: filter.capability ?? null, phase: filter.phase ?? null }),
    );
    return result.records.map((r) => toOverlay(props(r.get('o') as Node)));
  }

  async setOverlayState(id: string, change: OverlayStateChange, ctx: MutationContext): Promise<OverlayRecord | null> {
    return this.write(async (tx) => {
      await Neo4jGraphStore.run(tx, CYPHER.lockOverlay, { id });
      const current = await this.overlayIn(tx, id);
      if (!current) throw new NotFoundError('overlay', id);
      if (change.from && !change.from.includes(current.state)) return null;
      const at = this.now();
      const node = (
        await Neo4jGraphStore.run(tx, CYPHER.updateOverlay, {
          id,
          changes: {
            state: change.state,
            state_reason: change.reason ?? null,
            ...(change.config === undefined ? {} : { config: JSON.stringify(change.config) }),
            expires_at: change.expires_at ?? null,
            ...(change.state === 'active' ? { activated_at: at } : {}),
            updated_at: at,
          },
        })
      ).records[0]?.get('o') as Node;
      await this.audit(tx, {
        actor_id: ctx.actor_id,
        action: `overlay.${change.state}`,
        entity_type: 'overlay',
        entity_id: id,
        details: { from: current.state, reason: change.reason ?? null, ...(change.expires_at ? { expires_at: change.expires_at } : {}) },
      });
      return toOverlay(props(node));
    });
  }

  async setOverlayTrust(id: string, trust: number, reason: string, ctx: MutationContext): Promise<OverlayRecord> {
    return this.write(async (tx) => {
      await Neo4jGraphStore.run(tx, CYPHER.lockOverlay, { id });
      const current = await this.overlayIn(tx, id);
      if (!current) throw new NotFoundError('overlay', id);
      const node = (await Neo4jGraphStore.run(tx, CYPHER.updateOverlay, { id, changes: { trust_level: trust, updated_at: this.now() } })).records[0]?.get('o') as Node;
      await this.audit(tx, { actor_id: ctx.actor_id, action: 'overlay.trust', entity_type: 'overlay', entity_id: id, details: { from: current.trust_level, to: trust, reason } });
      return toOverlay(props(node));
    });
  }

  async deleteOverlay(id: string, ctx: MutationContext): Promise<void> {
    await this.write(async (tx) => {
      const current = await this.overlayIn(tx, id);
      if (!current) throw new NotFoundError('overlay', id);
      await Neo4jGraphStore.run(tx, CYPHER.deleteOverlay, { id });
      await this.audit(tx, { actor_id: ctx.actor_id, action: 'overlay.delete', entity_type: 'overlay', entity_id: id, details: { name: current.name, version: current.version } });
    });
  }

  // ---- users, keys, sessions ------------------------------------------------------------------

  private async userProps(tx: ManagedTransaction, id: string): Promise<Props | null> {
    const node = (await Neo4jGraphStore.run(tx, CYPHER.userById, { id })).records[0]?.get('u') as Node | undefined;
    return node ? props(node) : null;
  }

  async createUser(input: NewUser, ctx: MutationContext): Promise<UserRecord> {
    return this.write(async (tx) => {
      if ((await Neo4jGraphStore.run(tx, CYPHER.userByName, { name: input.name })).records.length) throw new ConflictError('user', input.name, 'name is taken');
      const id = randomUUID();
      const at = this.now();
      const node = (
        await Neo4jGraphStore.run(tx, CYPHER.createUser, {
          props: {
            id,
            name: input.name,
            role: input.role,
            trust_level: input.trust_level,
            password_hash: input.password_hash,
            disabled: false,
            totp_enabled: false,
            created_at: at,
            updated_at: at,
          },
        })
      ).records[0]?.get('u') as Node;
      await this.audit(tx, {
        actor_id: ctx.actor_id,
        action: 'user.create',
        entity_type: 'user',
        entity_id: id,
        details: { name: input.name, role: input.role, trust_level: input.trust_level },
      });
      return toUser(props(node));
    });
  }

  async getUser(id: string): Promise<UserRecord | null> {
    const p = await this.read((tx) => this.userProps(tx, id));
    return p ? toUser(p) : null;
  }

  async getUserCredentials(name: string): Promise<{ user: UserRecord; password_hash: string | null; totp_secret: string | null } | null> {
    const node = (await this.read((tx) => Neo4jGraphStore.run(tx, CYPHER.userByName, { name }))).records[0]?.get('u') as Node | undefined;
    if (!node) return null;
    const p = props(node);
    return { user: toUser(p), password_hash: strOrNull(p.password_hash), totp_secret: p.totp_enabled === true ? strOrNull(p.totp_secret) : null };
  }

  async setTotp(userId: string, totp: { secret: string; enabled: boolean } | null, ctx: MutationContext): Promise<UserRecord> {
    return this.write(async (tx) => {
      await Neo4jGraphStore.run(tx, CYPHER.lockUser, { id: userId });
      if (!(await this.userProps(tx, userId))) throw new NotFoundError('user', userId);
      const node = (
        await Neo4jGraphStore.run(tx, CYPHER.updateUser, {
          id: userId,
          changes: { totp_secret: totp?.secret ?? null, totp_enabled: totp?.enabled ?? false, updated_at: this.now() },
        })
      ).records[0]?.get('u') as Node;
      await this.audit(tx, {
        actor_id: ctx.actor_id,
        action: totp ? (totp.enabled ? 'user.totp.enable' : 'user.totp.enrol') : 'user.totp.disable',
        entity_type: 'user',
        entity_id: userId,
      });
      return toUser(props(node));
    });
  }

  async getTotpSecret(userId: string): Promise<string | null> {
    return strOrNull((await this.read((tx) => this.userProps(tx, userId)))?.totp_secret);
  }

  async listUsers(): Promise<UserRecord[]> {
    return (await this.read((tx) => Neo4jGraphStore.run(tx, CYPHER.listUsers, {}))).records.map((r) => toUser(props(r.get('u') as Node)));
  }

  async updateUser(id: string, change: UserChange, ctx: MutationContext): Promise<UserRecord> {
    return this.write(async (tx) => {
      await Neo4jGraphStore.run(tx, CYPHER.lockUser, { id });
      const current = await this.userProps(tx, id);
      if (!current) throw new NotFoundError('user', id);
      const before = toUser(current);
      change.check?.(before);
      const at = this.now();
      const next = {
        role: change.role ?? before.role,
        trust_level: change.trust_level ?? before.trust_level,
        disabled: change.disabled ?? before.disabled,
        password_hash: change.password_hash === undefined ? strOrNull(current.password_hash) : change.password_hash,
      };
      const node = (await Neo4jGraphStore.run(tx, CYPHER.updateUser, { id, changes: { ...next, updated_at: at } })).records[0]?.get('u') as Node;
      if (next.trust_level !== before.trust_level) {
        await Neo4jGraphStore.run(tx, CYPHER.createTrustChange, {
          user_id: id,
          at,
          actor_id: ctx.actor_id,
          old_trust: before.trust_level,
          new_trust: next.trust_level,
          reason: change.reason,
        });
      }
      const changed = (['role', 'trust_level', 'disabled'] as const).filter((k) => next[k] !== before[k]);
      await this.audit(tx, {
        actor_id: ctx.actor_id,
        action: 'user.update',
        entity_type: 'user',
        entity_id: id,
        details: {
          reason: change.reason,
          changed: [...changed, ...(next.password_hash !== strOrNull(current.password_hash) ? ['password'] : [])],
          ...(next.trust_level !== before.trust_level ? { trust: { from: before.trust_level, to: next.trust_level } } : {}),
          ...(next.role !== before.role ? { role: { from: before.role, to: next.role } } : {}),
        },
      });
      return toUser(props(node));
    });
  }

  async getTrustHistory(userId: string): Promise<TrustChange[]> {
    return (await this.read((tx) => Neo4jGraphStore.run(tx, CYPHER.trustHistory, { user_id: userId }))).records.map((r) => r.toObject() as unknown as TrustChange);
  }

  async createApiKey(input: NewApiKey, ctx: MutationContext): Promise<ApiKeyRecord> {
    return this.write(async (tx) => {
      if (!(await this.userProps(tx, input.user_id))) throw new NotFoundError('user', input.user_id);
      const node = (
        await Neo4jGraphStore.run(tx, CYPHER.createApiKey, {
          props: { id: input.id, user_id: input.user_id, label: input.label, prefix: input.prefix, hash: input.hash, created_at: this.now() },
        })
      ).records[0]?.get('k') as Node;
      await this.audit(tx, {
        actor_id: ctx.actor_id,
        action: 'key.create',
        entity_type: 'api_key',
        entity_id: input.id,
        details: { user_id: input.user_id, label: input.label, prefix: input.prefix },
      });
      return toApiKey(props(node));
    });
  }

  async useApiKey(hash: string): Promise<{ key: ApiKeyRecord; user: UserRecord } | null> {
    return this.write(async (tx) => {
      const node = (await Neo4jGraphStore.run(tx, CYPHER.liveApiKeyByHash, { hash })).records[0]?.get('k') as Node | undefined;
      if (!node) return null;
      const key = toApiKey(props(node));
      const user = await this.userProps(tx, key.user_id);
      if (!user) return null;
      // Last use to the minute: a write per authenticated call would cost a commit each.
      const at = this.now();
      if (key.last_used_at !== null && Date.parse(at) - Date.parse(key.last_used_at) < 60_000) return { key, user: toUser(user) };
      await Neo4jGraphStore.run(tx, CYPHER.updateApiKey, { id: key.id, changes: { last_used_at: at } });
      return { key: { ...key, last_used_at: at }, user: toUser(user) };
    });
  }

  async listApiKeys(userId: string): Promise<ApiKeyRecord[]> {
    return (await this.read((tx) => Neo4jGraphStore.run(tx, CYPHER.apiKeysOf, { user_id: userId }))).records.map((r) => toApiKey(props(r.get('k') as Node)));
  }

  async revokeApiKey(id: string, ctx: MutationContext): Promise<ApiKeyRecord> {
    return this.write(async (tx) => {
      const node = (await Neo4jGraphStore.run(tx, CYPHER.apiKeyById, { id })).records[0]?.get('k') as Node | undefined;
      if (!node) throw new NotFoundError('api key', id);
      const key = toApiKey(props(node));
      if (key.revoked_at) return key;
      const at = this.now();
      await Neo4jGraphStore.run(tx, CYPHER.updateApiKey, { id, changes: { revoked_at: at } });
      await this.audit(tx, { actor_id: ctx.actor_id, action: 'key.revoke', entity_type: 'api_key', entity_id: id, details: { user_id: key.user_id, prefix: key.prefix } });
      return { ...key, revoked_at: at };
    });
  }

  async createRefreshToken(input: { id: string; family_id: string; user_id: string; hash: string; expires_at: string }): Promise<void> {
    await this.write((tx) => Neo4jGraphStore.run(tx, CYPHER.createRefreshToken, { props: { ...input, created_at: this.now() } }));
  }

  async useRefreshToken(hash: string, next: { id: string; hash: string; expires_at: string }): Promise<RefreshOutcome> {
    return this.write(async (tx): Promise<RefreshOutcome> => {
      await Neo4jGraphStore.run(tx, CYPHER.lockRefreshToken, { hash });
      const node = (await Neo4jGraphStore.run(tx, CYPHER.refreshTokenByHash, { hash })).records[0]?.get('t') as Node | undefined;
      const at = this.now();
      if (!node) return { kind: 'invalid' };
      const token = props(node);
      if (token.revoked_at) return { kind: 'invalid' };
      const familyId = str(token.family_id);
      if (token.used_at) {
        await this.revokeFamily(tx, familyId, at, { actor_id: 'system' }, 'refresh token reused');
        return { kind: 'reused', family_id: familyId };
      }
      const user = await this.userProps(tx, str(token.user_id));
      if (str(token.expires_at) <= at || !user) return { kind: 'invalid' };
      await Neo4jGraphStore.run(tx, CYPHER.useRefreshToken, { id: str(token.id), at });
      await Neo4jGraphStore.run(tx, CYPHER.createRefreshToken, {
        props: { id: next.id, family_id: familyId, user_id: str(token.user_id), hash: next.hash, created_at: at, expires_at: next.expires_at },
      });
      return { kind: 'rotated', user: toUser(user), family_id: familyId };
    });
  }

  private async revokeFamily(tx: ManagedTransaction, familyId: string, at: string, ctx: MutationContext, reason: string): Promise<number> {
    const revoked = (await Neo4jGraphStore.run(tx, CYPHER.revokeRefreshFamily, { family_id: familyId, at })).records[0]?.get('n') as number;
    if (revoked > 0)
      await this.audit(tx, { actor_id: ctx.actor_id, action: 'session.revoke', entity_type: 'token_family', entity_id: familyId, details: { reason, tokens: revoked } });
    return revoked;
  }

  async revokeRefreshFamily(familyId: string, ctx: MutationContext): Promise<number> {
    return this.write((tx) => this.revokeFamily(tx, familyId, this.now(), ctx, 'logout'));
  }

  async refreshFamilyLive(familyId: string): Promise<boolean> {
    const n = (await this.read((tx) => Neo4jGraphStore.run(tx, CYPHER.liveRefreshTokens, { family_id: familyId }))).records[0]?.get('n') as unknown;
    return Number(n ?? 0) > 0;
  }

  async getApiKey(id: string): Promise<ApiKeyRecord | null> {
    const node = (await this.read((tx) => Neo4jGraphStore.run(tx, CYPHER.apiKeyById, { id }))).records[0]?.get('k') as Node | undefined;
    return node ? toApiKey(props(node)) : null;
  }

  async refreshFamilyOf(hash: string): Promise<string | null> {
    const node = (await this.read((tx) => Neo4jGraphStore.run(tx, CYPHER.refreshTokenByHash, { hash }))).records[0]?.get('t') as Node | undefined;
    return node ? str(props(node).family_id) : null;
  }

  // ---- audit ----------------------------------------------------------------------------------

  /** Appends to the hash chain inside `tx`, holding the chain head's write lock until `tx` commits. */
  private async audit(tx: ManagedTransaction, entry: NewAuditEntry): Promise<AuditEntry> {
    if (entry.dedupe_key) {
      const prior = (await Neo4jGraphStore.run(tx, CYPHER.auditByDedupeKey, { dedupe_key: entry.dedupe_key })).records[0]?.get('a') as Node | undefined;
      if (prior) return toAudit(props(prior));
    }
    const head = (await Neo4jGraphStore.run(tx, CYPHER.lockAuditHead, {})).records[0];
    if (!head) throw new Error('the audit chain head is missing: the store was not migrated');
    const seq = (head.get('seq') as number) + 1;
    const next = chainedAuditEntry(head.get('hash') as string, entry, this.now());
    await Neo4jGraphStore.run(tx, CYPHER.createAudit, { props: { ...next, details: JSON.stringify(next.details), seq, dedupe_key: entry.dedupe_key ?? null } });
    await Neo4jGraphStore.run(tx, CYPHER.advanceAuditHead, { seq, hash: next.hash });
    return { ...next, seq };
  }

  async appendAudit(entry: NewAuditEntry): Promise<AuditEntry> {
    return this.write((tx) => this.audit(tx, entry));
  }

  async appendEvent(event: NewEvent, stopped: readonly CascadeLink[] = []): Promise<{ event: ForgeEvent; created: boolean }> {
    // The same event (a fixed id) published twice at once: the second finds the first on its retry.
    return this.onceUnique(() => this.insertEvent(event, stopped));
  }

  private async insertEvent(event: NewEvent, stopped: readonly CascadeLink[]): Promise<{ event: ForgeEvent; created: boolean }> {
    return this.write(async (tx) => {
      for (const link of stopped) await this.createLink(tx, link);
      const existing = (await Neo4jGraphStore.run(tx, CYPHER.eventById, { id: event.id })).records[0]?.get('e') as Node | undefined;
      if (existing) return { event: toEvent(props(existing)), created: false };
      const seq = (await Neo4jGraphStore.run(tx, CYPHER.nextEventSeq, {})).records[0]?.get('seq') as number;
      const node = (
        await Neo4jGraphStore.run(tx, CYPHER.createEvent, {
          props: { ...event, seq, payload: JSON.stringify(event.payload), source: JSON.stringify(event.source), visited: [...event.visited], created_at: this.now() },
        })
      ).records[0]?.get('e') as Node;
      return { event: toEvent(props(node)), created: true };
    });
  }

  async getEvent(id: string): Promise<ForgeEvent | null> {
    const node = (await this.read((tx) => Neo4jGraphStore.run(tx, CYPHER.eventById, { id }))).records[0]?.get('e') as Node | undefined;
    return node ? toEvent(props(node)) : null;
  }

  async listEvents(filter: EventFilter): Promise<ForgeEvent[]> {
    const result = await this.read((tx) =>
      Neo4jGraphStore.run(tx, CYPHER.listEvents, {
        after_seq: filter.after_seq ?? null,
        kind: filter.kind ?? null,
        cascade_id: filter.cascade_id ?? null,
        max_trust: filter.max_trust ?? null,
        limit: filter.limit,
      }),
    );
    return result.records.map((r) => toEvent(props(r.get('e') as Node)));
  }

  async latestEventSeq(): Promise<number> {
    return ((await this.read((tx) => Neo4jGraphStore.run(tx, CYPHER.latestEventSeq, {}))).records[0]?.get('seq') as number | undefined) ?? 0;
  }

  async markDelivered(eventId: string, subscriber: string, link?: CascadeLink): Promise<boolean> {
    return this.write(async (tx) => {
      const fresh =
        (await Neo4jGraphStore.run(tx, CYPHER.markDelivered, { key: deliveryKey(eventId, subscriber), event_id: eventId, subscriber, at: this.now() })).records[0]?.get('fresh') ===
        true;
      if (fresh && link) await this.createLink(tx, link);
      return fresh;
    });
  }

  private async createLink(tx: ManagedTransaction, link: CascadeLink): Promise<void> {
    const { source, target, ...rest } = link;
    await Neo4jGraphStore.run(tx, CYPHER.createLink, { source, target, key: deliveryKey(link.event_id, target), props: rest });
  }

  async listCascadeLinks(cascadeId: string): Promise<CascadeLink[]> {
    const result = await this.read((tx) => Neo4jGraphStore.run(tx, CYPHER.listCascadeLinks, { cascade_id: cascadeId }));
    return result.records.map((r) => {
      const p = props(r.get('l') as Relationship);
      return {
        event_id: str(p.event_id),
        cascade_id: str(p.cascade_id),
        hop: p.hop as number,
        kind: str(p.kind),
        source: r.get('source') as string,
        target: r.get('target') as string,
        target_id: strOrNull(p.target_id),
        payload_digest: str(p.payload_digest),
        outcome: p.outcome === 'stopped' ? 'stopped' : 'delivered',
        reason: p.reason === 'cycle' || p.reason === 'hop_limit' ? p.reason : null,
        trust_level: p.trust_level as number,
        at: str(p.at),
      };
    });
  }

  async triggeredTargets(sources: readonly string[], maxTrust: number): Promise<Array<{ source: string; target: string; links: number }>> {
    if (sources.length === 0) return [];
    const result = await this.read((tx) => Neo4jGraphStore.run(tx, CYPHER.triggeredTargets, { sources: [...sources], max_trust: maxTrust }));
    return result.records.map((r) => ({ source: r.get('source') as string, target: r.get('target') as string, links: r.get('links') as number }));
  }

  async wasDelivered(eventId: string, subscriber: string): Promise<boolean> {
    return ((await this.read((tx) => Neo4jGraphStore.run(tx, CYPHER.wasDelivered, { key: deliveryKey(eventId, subscriber) }))).records[0]?.get('n') as number) > 0;
  }

  async listAudit(options: { limit: number; before_seq?: number; entity_id?: string; action?: string }): Promise<AuditEntry[]> {
    const result = await this.read((tx) =>
      Neo4jGraphStore.run(tx, CYPHER.listAudit, {
        before_seq: options.before_seq ?? null,
        entity_id: options.entity_id ?? null,
        action: options.action ?? null,
        limit: options.limit,
      }),
    );
    return result.records.map((r) => toAudit(props(r.get('a') as Node)));
  }

  async createProposal(input: NewProposal, ctx: MutationContext): Promise<Proposal> {
    return this.write(async (tx) => {
      const node = (
        await Neo4jGraphStore.run(tx, CYPHER.createProposal, { props: { ...input, action: JSON.stringify(input.action), status: 'draft', created_at: this.now() } })
      ).records[0]?.get('p') as Node;
      await this.audit(tx, {
        actor_id: ctx.actor_id,
        action: 'proposal.create',
        entity_type: 'proposal',
        entity_id: input.id,
        details: { title: input.title, kind: input.kind, action: input.action },
      });
      return toProposal(props(node));
    });
  }

  private async proposalIn(tx: ManagedTransaction, id: string): Promise<Proposal | null> {
    const node = (await Neo4jGraphStore.run(tx, CYPHER.proposalById, { id })).records[0]?.get('p') as Node | undefined;
    return node ? toProposal(props(node)) : null;
  }

  async getProposal(id: string): Promise<Proposal | null> {
    return this.read((tx) => this.proposalIn(tx, id));
  }

  async listProposals(filter: { status?: ProposalStatus; limit: number }): Promise<Proposal[]> {
    const result = await this.read((tx) => Neo4jGraphStore.run(tx, CYPHER.listProposals, { status: filter.status ?? null, limit: filter.limit }));
    return result.records.map((r) => toProposal(props(r.get('p') as Node)));
  }

  async changeProposal(id: string, change: ProposalChange, ctx: MutationContext): Promise<Proposal | null> {
    return this.write(async (tx) => {
      await Neo4jGraphStore.run(tx, CYPHER.lockProposal, { id });
      const current = await this.proposalIn(tx, id);
      if (!current) throw new NotFoundError('proposal', id);
      if (!change.from.includes(current.status)) return null;
      const { from: _from, ...fields } = change;
      const changes = {
        ...fields,
        ...(fields.tally ? { tally: JSON.stringify(fields.tally) } : {}),
        ...(fields.execution ? { execution: JSON.stringify(fields.execution) } : {}),
      };
      const node = (await Neo4jGraphStore.run(tx, CYPHER.updateProposal, { id, changes })).records[0]?.get('p') as Node;
      await this.audit(tx, {
        actor_id: ctx.actor_id,
        action: proposalAction(current.status, fields),
        entity_type: 'proposal',
        entity_id: id,
        details: { ...fields },
      });
      return toProposal(props(node));
    });
  }

  async setProposalAnalysis(id: string, analysis: JsonObject): Promise<void> {
    const n = (await this.write((tx) => Neo4jGraphStore.run(tx, CYPHER.setProposalAnalysis, { id, analysis: JSON.stringify(analysis) }))).records[0]?.get('n') as number;
    if (!n) throw new NotFoundError('proposal', id);
  }

  async castVote(vote: Omit<Vote, 'at'>, ctx: MutationContext): Promise<boolean> {
    return this.write(async (tx) => {
      await Neo4jGraphStore.run(tx, CYPHER.lockProposal, { id: vote.proposal_id });
      const proposal = await this.proposalIn(tx, vote.proposal_id);
      if (!proposal) throw new NotFoundError('proposal', vote.proposal_id);
      if (proposal.status !== 'voting') return false;
      await Neo4jGraphStore.run(tx, CYPHER.castVote, { key: deliveryKey(vote.proposal_id, vote.voter_id), ...vote, at: this.now() });
      await this.audit(tx, {
        actor_id: ctx.actor_id,
        action: 'proposal.vote',
        entity_type: 'proposal',
        entity_id: vote.proposal_id,
        details: { choice: vote.choice, weight: vote.weight },
      });
      return true;
    });
  }

  async listVotes(proposalId: string): Promise<Vote[]> {
    const result = await this.read((tx) => Neo4jGraphStore.run(tx, CYPHER.listVotes, { proposal_id: proposalId }));
    return result.records.map((r) => {
      const p = props(r.get('v') as Node);
      return { proposal_id: str(p.proposal_id), voter_id: str(p.voter_id), choice: p.choice as VoteChoice, weight: p.weight as number, at: str(p.at) };
    });
  }

  async setDelegation(delegatorId: string, delegateId: string | null, ctx: MutationContext): Promise<void> {
    await this.write(async (tx) => {
      if (delegateId === null) await Neo4jGraphStore.run(tx, CYPHER.revokeDelegation, { delegator_id: delegatorId });
      else await Neo4jGraphStore.run(tx, CYPHER.setDelegation, { delegator_id: delegatorId, delegate_id: delegateId, at: this.now() });
      await this.audit(tx, {
        actor_id: ctx.actor_id,
        action: delegateId ? 'delegation.set' : 'delegation.revoke',
        entity_type: 'user',
        entity_id: delegatorId,
        details: { delegate_id: delegateId },
      });
    });
  }

  async listDelegations(): Promise<Delegation[]> {
    const result = await this.read((tx) => Neo4jGraphStore.run(tx, CYPHER.listDelegations, {}));
    return result.records.map((r) => {
      const p = props(r.get('d') as Node);
      return { delegator_id: str(p.delegator_id), delegate_id: str(p.delegate_id), at: str(p.at) };
    });
  }

  async getSettings(): Promise<JsonObject> {
    const result = await this.read((tx) => Neo4jGraphStore.run(tx, CYPHER.listSettings, {}));
    return Object.fromEntries(result.records.map((r) => [r.get('key') as string, JSON.parse(r.get('value') as string) as unknown]));
  }

  async putSetting(key: string, value: unknown, ctx: MutationContext): Promise<void> {
    await this.write(async (tx) => {
      await Neo4jGraphStore.run(tx, CYPHER.putSetting, { key, value: JSON.stringify(value), at: this.now() });
      await this.audit(tx, { actor_id: ctx.actor_id, action: 'setting.change', entity_type: 'setting', entity_id: key, details: { value: value as JsonObject[string] } });
    });
  }

  async listAuditAfter(afterSeq: number, limit: number): Promise<AuditEntry[]> {
    const result = await this.read((tx) => Neo4jGraphStore.run(tx, CYPHER.auditAfter, { after: afterSeq, limit }));
    return result.records.map((r) => toAudit(props(r.get('a') as Node)));
  }

  async getCursor(name: string): Promise<number> {
    return (await this.read((tx) => Neo4jGraphStore.run(tx, CYPHER.getCursor, { name }))).records[0]?.get('value') as number;
  }

  async advanceCursor(name: string, value: number): Promise<void> {
    await this.write((tx) => Neo4jGraphStore.run(tx, CYPHER.advanceCursor, { name, value }));
  }

  async verifyAudit(): Promise<{ ok: boolean; checked: number; broken_at: number | null }> {
    const chain = new AuditChainCheck();
    for (let after = 0; ;) {
      const page = await this.listAuditAfter(after, 1000);
      if (page.length === 0) return { ok: true, checked: chain.checked, broken_at: null };
      for (const entry of page) {
        if (!chain.add(entry)) return { ok: false, checked: chain.checked, broken_at: entry.seq };
        after = entry.seq;
      }
    }
  }

  async stats(): Promise<StoreStats> {
    const record = (await this.read((tx) => Neo4jGraphStore.run(tx, CYPHER.stats, {}))).records[0];
    return { capsules: record?.get('capsules') as number, requests: record?.get('requests') as number, audit_entries: record?.get('audit_entries') as number };
  }

  async close(): Promise<void> {
    await this.driver.close();
    this.tokenizer.close();
  }
}
