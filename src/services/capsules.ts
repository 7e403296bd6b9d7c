import { canRead, checkVersionWriter, derivedTrust, mayEmbedWith, readCeiling, versionTrust, visibleReference } from '../auth/policy.js';
import { ConflictError, NotFoundError } from '../errors.js';
import type { AnswerCache } from '../fleet/fleet-state.js';
import { embeddingModelOf, embedQueries, embedWithPassages, type Embedder, type TextEmbedding } from '../search/embedder.js';
import { threadPlaceOf } from '../search/fusion.js';
import {
  DEFAULT_LINEAGE_LIMITS,
  type Caller,
  type Capsule,
  type CapsuleFilter,
  type CapsuleType,
  type GraphStore,
  type JsonObject,
  type LineageEntry,
  type Page,
  type SearchHit,
} from '../store/graph-store.js';

export interface CreateCapsuleInput {
  readonly id?: string;
  readonly content: string;
  readonly type: CapsuleType;
  readonly version?: string;
  readonly trust_level?: number;
  readonly metadata?: JsonObject;
  readonly tags?: readonly string[];
  readonly derived_from?: ReadonlyArray<{ parent_id: string; reason: string; changes?: JsonObject }>;
}

export interface UpdateCapsuleInput {
  /** Sources of the new version besides its predecessor, each readable by the writer. */
  readonly sources?: ReadonlyArray<{ parent_id: string; reason: string; changes?: JsonObject }>;
  readonly content?: string;
  readonly type?: CapsuleType;
  readonly version?: string;
  readonly trust_level?: number;
  readonly metadata?: JsonObject;
  readonly tags?: readonly string[];
  readonly reason?: string;
}

export interface ForkCapsuleInput {
  readonly content?: string;
  readonly trust_level?: number;
  readonly metadata?: JsonObject;
  readonly tags?: readonly string[];
  readonly reason?: string;
}

export interface SearchInput {
  readonly q: string;
  readonly limit: number;
  readonly min_trust?: number;
  readonly type?: CapsuleType;
  readonly tag?: string;
  /** Include capsules whose sources moved on. @defaultValue false */
  readonly include_stale?: boolean | undefined;
}

/** An ancestor or descendant the caller may read; an edge end it may not read is null. */
export interface VisibleLineageEntry extends Omit<LineageEntry, 'edge'> {
  readonly edge: Omit<LineageEntry['edge'], 'child_id' | 'parent_id'> & { readonly child_id: string | null; readonly parent_id: string | null };
}

/** A lineage as a reader sees it: what it may read, how many capsules it may not (nothing else of them), and whether the walk hit its bounds. */
export interface VisibleLineage {
  readonly entries: VisibleLineageEntry[];
  readonly redacted: number;
  readonly truncated: boolean;
}

/**
 * The text of the capsule before one placed at `metadata` in a thread (`metadata.thread`, `metadata.position`),
 * to embed with it — the latest current one no higher than `trust` (policy: `mayEmbedWith`; one above it is
 * passed over as if absent), or null.
 */
export async function textBefore(store: Pick<GraphStore, 'capsuleInThread'>, metadata: JsonObject, trust: number): Promise<string | null> {
  const place = threadPlaceOf(metadata);
  if (!place) return null;
  const before = await store.capsuleInThread(place.thread, place.position - 1, trust);
  return before && mayEmbedWith(trust, before) ? before.content : null;
}

/**
 * Capsule use cases on top of the graph store: embeds content, applies the clearance rule (a caller reads
 * and writes only at or below its trust level), and invalidates the answer cache on every change.
 */
export class CapsuleService {
  private readonly store: GraphStore;
  private readonly embedder: Embedder;
  private readonly cache: Pick<AnswerCache, 'invalidate'>;

  constructor(deps: { store: GraphStore; embedder: Embedder; cache: Pick<AnswerCache, 'invalidate'> }) {
    this.store = deps.store;
    this.embedder = deps.embedder;
    this.cache = deps.cache;
  }

  private async changed<T>(result: T): Promise<T> {
    await this.cache.invalidate();
    return result;
  }

  /**
   * The text's embedding, its passages' and the model that made them, as capsules carry them; a capsule
   * placed in a thread (`metadata`) is read with the one before it too (see `textBefore`).
   */
  private async embed(
    text: string,
    placed: { metadata: JsonObject; trust_level: number },
  ): Promise<{ embedding: Float32Array; passage_embeddings: Float32Array[]; embedding_model: string }> {
    const [embedded] = await embedWithPassages(this.embedder, [text], [await textBefore(this.store, placed.metadata, placed.trust_level)]);
    return { ...(embedded as TextEmbedding), embedding_model: embeddingModelOf(this.embedder) };
  }

  /** @throws NotFoundError when absent or above the caller's clearance (the two are indistinguishable). */
  private async visible(caller: Caller, id: string): Promise<Capsule> {
    const capsule = await this.store.getCapsule(id);
    if (!capsule || !canRead(caller.trust_level, capsule)) throw new NotFoundError('capsule', id);
    return capsule;
  }

  /**
   * Capsules as `caller` sees them: a pointer to another capsule it may not read (the previous version of a
   * declassified capsule, a newer version raised above it) reads `null`, never an id.
   */
  async shown<T extends Capsule>(caller: Caller, capsules: readonly T[]): Promise<T[]> {
    const refs = [...new Set(capsules.flatMap((c) => [c.parent_id, c.superseded_by, c.stale?.source_id ?? null]).filter((r): r is string => r !== null))];
    if (refs.length === 0) return [...capsules];
    const targets = new Map((await this.store.getCapsules(refs)).map((c) => [c.id, c]));
    return capsules.map((c) => {
      const parent = visibleReference(caller.trust_level, targets.get(c.parent_id ?? ''), c.parent_id);
      const next = visibleReference(caller.trust_level, targets.get(c.superseded_by ?? ''), c.superseded_by);
      const source = c.stale ? visibleReference(caller.trust_level, targets.get(c.stale.source_id ?? ''), c.stale.source_id) : null;
      if (parent === c.parent_id && next === c.superseded_by && source === (c.stale?.source_id ?? null)) return c;
      return { ...c, parent_id: parent, superseded_by: next, stale: c.stale ? { ...c.stale, source_id: source } : null };
    });
  }

  /** @throws NotFoundError when absent or above the caller's clearance (the two are indistinguishable). */
  async get(caller: Caller, id: string): Promise<Capsule> {
    const [shown] = await this.shown(caller, [await this.visible(caller, id)]);
    return shown as Capsule;
  }

  /** The capsules of `ids` the caller may read, in the order of `ids`; the rest are left out as if absent. */
  async readable(caller: Caller, ids: readonly string[]): Promise<Capsule[]> {
    return this.shown(
      caller,
      (await this.store.getCapsules(ids)).filter((c) => canRead(caller.trust_level, c)),
    );
  }

  /**
   * The trust levels of a capsule's own sources: the capsules it was derived from, a version inheriting
   * those of the versions before it (a previous version is not a source: a declassified capsule's hidden
   * predecessor neither blocks its next version nor shows through a refusal).
   */
  private async ownSources(id: string): Promise<number[]> {
    const sources: number[] = [];
    const seen = new Set<string>();
    for (let at: string | null = id; at !== null && !seen.has(at);) {
      seen.add(at);
      const edges = await this.store.getLineage(at, { maxDepth: 1 });
      at = null;
      for (const e of edges) {
        if (e.edge.changes.from_version !== undefined) at = e.capsule.id;
        else sources.push(e.capsule.trust_level);
      }
    }
    return sources;
  }

  /**
   * A new capsule; one derived from sources gets at least their highest trust and at most the writer's.
   * @throws NotFoundError (a source the caller cannot read), TrustFlowError
   */
  async create(caller: Caller, input: CreateCapsuleInput): Promise<Capsule> {
    const sources: number[] = [];
    for (const parent of input.derived_from ?? []) sources.push((await this.visible(caller, parent.parent_id)).trust_level);
    const trust = derivedTrust({ ...(input.trust_level === undefined ? {} : { requested: input.trust_level }), fallback: caller.trust_level, sources, writer: caller.trust_level });
    const capsule = await this.store.createCapsule(
      {
        ...(input.id === undefined ? {} : { id: input.id }),
        content: input.content,
        type: input.type,
        ...(input.version === undefined ? {} : { version: input.version }),
        owner_id: caller.id,
        trust_level: trust,
        metadata: input.metadata ?? {},
        tags: input.tags ?? [],
        ...(await this.embed(input.content, { metadata: input.metadata ?? {}, trust_level: trust })),
        derived_from: input.derived_from ?? [],
      },
      { actor_id: caller.id },
    );
    return this.changed((await this.shown(caller, [capsule]))[0] as Capsule);
  }

  async list(caller: Caller, filter: CapsuleFilter, page: { limit: number; cursor?: string | null }): Promise<Page<Capsule>> {
    const listed = await this.store.listCapsules({ ...filter, max_trust: readCeiling(caller, filter.max_trust) }, page);
    return { ...listed, items: await this.shown(caller, listed.items) };
  }

  /**
   * A new version, owned by its writer (the owner, or a contributor at or above the capsule's trust). It may
   * not go below the trust of the capsule's own sources; lowering one without sources is for admins, with a reason.
   * @throws NotFoundError, ForbiddenError, TrustFlowError
   */
  async update(caller: Caller, id: string, input: UpdateCapsuleInput): Promise<Capsule> {
    const current = await this.visible(caller, id);
    checkVersionWriter(caller, current);
    const sources = await this.ownSources(id);
    for (const s of input.sources ?? []) sources.push((await this.visible(caller, s.parent_id)).trust_level);
    const trust = versionTrust(caller, current, input.trust_level, sources, input.reason);
    const next = await this.store.updateCapsule(
      id,
      {
        ...input,
        owner_id: caller.id,
        trust_level: trust,
        ...(input.content === undefined ? {} : await this.embed(input.content, { metadata: input.metadata ?? current.metadata, trust_level: trust })),
      },
      { actor_id: caller.id },
    );
    return this.changed((await this.shown(caller, [next]))[0] as Capsule);
  }

  async archive(caller: Caller, id: string): Promise<Capsule> {
    await this.visible(caller, id);
    return this.changed((await this.shown(caller, [await this.store.archiveCapsule(id, { actor_id: caller.id })]))[0] as Capsule);
  }

  /** A fork: at least its source's trust, at most the writer's. @throws NotFoundError, TrustFlowError */
  async fork(caller: Caller, id: string, input: ForkCapsuleInput): Promise<Capsule> {
    const source = await this.visible(caller, id);
    const trust = derivedTrust({
      ...(input.trust_level === undefined ? {} : { requested: input.trust_level }),
      fallback: source.trust_level,
      sources: [source.trust_level],
      writer: caller.trust_level,
    });
    const fork = await this.store.forkCapsule(
      id,
      {
        ...input,
        owner_id: caller.id,
        trust_level: trust,
        ...(input.content === undefined ? {} : await this.embed(input.content, { metadata: input.metadata ?? source.metadata, trust_level: trust })),
      },
      { actor_id: caller.id },
    );
    return this.changed((await this.shown(caller, [fork]))[0] as Capsule);
  }

  /**
   * Marks stale every capsule `ownerId` wrote and everything derived from them (an overlay quarantined:
   * what it wrote is no longer trusted to follow anything). Returns how many were marked.
   */
  async markWrittenByStale(ownerId: string, reason: string, actorId: string): Promise<number> {
    const ids: string[] = [];
    for (let cursor: string | null = null; ;) {
      const page: Page<Capsule> = await this.store.listCapsules(
        { owner_id: ownerId, include_superseded: true, include_archived: true, include_stale: true },
        { limit: 500, cursor },
      );
      ids.push(...page.items.map((c) => c.id));
      if (!page.next_cursor) break;
      cursor = page.next_cursor;
    }
    if (ids.length === 0) return 0;
    const marked = await this.store.markDerivedStale(ids, reason, { actor_id: actorId }, { includeRoots: true });
    return this.changed(marked.length);
  }

  /**
   * What re-deriving a stale saved answer asks again: its question. The caller must be one who may write
   * its next version. @throws NotFoundError, ForbiddenError, ConflictError (not stale, or not a saved answer)
   */
  async rederivable(caller: Caller, id: string): Promise<{ readonly query: string }> {
    const capsule = await this.visible(caller, id);
    checkVersionWriter(caller, capsule);
    if (!capsule.stale) throw new ConflictError('capsule', id, 'is not stale: it follows its sources');
    if (capsule.superseded_by) throw new ConflictError('capsule', id, `was superseded by ${capsule.superseded_by}; re-derive the latest version`);
    const query = capsule.metadata.query;
    if (typeof query !== 'string' || typeof capsule.metadata.request_id !== 'string') {
      throw new ConflictError('capsule', id, 'is not a saved answer: only an answer can be asked again; write its next version with PUT');
    }
    return { query };
  }

  /** Hidden capsules leave nothing but their count: no id, no trust, no edge. */
  private async redact(caller: Caller, entries: LineageEntry[]): Promise<VisibleLineage> {
    const { maxDepth, maxNodes } = DEFAULT_LINEAGE_LIMITS;
    const truncated = entries.length > maxNodes || entries.some((e) => e.depth > maxDepth);
    const within = entries.filter((e) => e.depth <= maxDepth).slice(0, maxNodes);
    const hidden = new Set(within.filter((e) => !canRead(caller.trust_level, e.capsule)).map((e) => e.capsule.id));
    const shown = (id: string) => (hidden.has(id) ? null : id);
    const kept = within.filter((e) => !hidden.has(e.capsule.id));
    const capsules = await this.shown(
      caller,
      kept.map((e) => e.capsule),
    );
    return {
      entries: kept.map((e, i) => ({ ...e, capsule: capsules[i] as Capsule, edge: { ...e.edge, child_id: shown(e.edge.child_id), parent_id: shown(e.edge.parent_id) } })),
      redacted: hidden.size,
      truncated,
    };
  }

  /** Ancestors, breadth-first, bounded (one level and one capsule more than shown, to tell truncation). */
  async lineage(caller: Caller, id: string): Promise<VisibleLineage> {
    await this.visible(caller, id);
    return this.redact(caller, await this.store.getLineage(id, { maxDepth: DEFAULT_LINEAGE_LIMITS.maxDepth + 1, maxNodes: DEFAULT_LINEAGE_LIMITS.maxNodes + 1 }));
  }

  async descendants(caller: Caller, id: string): Promise<VisibleLineage> {
    await this.visible(caller, id);
    return this.redact(caller, await this.store.getDescendants(id, { maxDepth: DEFAULT_LINEAGE_LIMITS.maxDepth + 1, maxNodes: DEFAULT_LINEAGE_LIMITS.maxNodes + 1 }));
  }

  async search(caller: Caller, input: SearchInput): Promise<SearchHit[]> {
    const hits = await this.store.searchCapsules({
      text: input.q,
      embedding: (await embedQueries(this.embedder, [input.q]))[0] as Float32Array,
      embedding_model: embeddingModelOf(this.embedder),
      ...(this.embedder.vectorWeight === undefined ? {} : { fusion: { vector: this.embedder.vectorWeight, text: 1 - this.embedder.vectorWeight } }),
      limit: input.limit,
      filter: {
        max_trust: caller.trust_level,
        ...(input.min_trust === undefined ? {} : { min_trust: input.min_trust }),
        ...(input.type === undefined ? {} : { type: input.type }),
        ...(input.tag === undefined ? {} : { tag: input.tag }),
        ...(input.include_stale ? { include_stale: true } : {}),
      },
    });
    const capsules = await this.shown(
      caller,
      hits.map((h) => h.capsule),
    );
    return this.sourcesFirst(hits.map((h, i) => ({ ...h, capsule: capsules[i] as Capsule })));
  }

  /**
   * A saved answer never outranks a source it cites: when both are found, the answer's score is put just
   * below its lowest-scoring source found with it, and the hits re-sorted. (Its sources are the capsules it
   * was derived from; only hits are compared, so nothing the reader cannot see takes part.)
   */
  private async sourcesFirst(hits: SearchHit[]): Promise<SearchHit[]> {
    const answers = hits.filter((h) => typeof h.capsule.metadata.request_id === 'string');
    if (answers.length === 0) return hits;
    const score = new Map(hits.map((h) => [h.capsule.id, h.score]));
    let moved = false;
    for (const answer of answers) {
      const sources = (await this.store.getLineage(answer.capsule.id, { maxDepth: 1 })).map((e) => score.get(e.capsule.id)).filter((s): s is number => s !== undefined);
      if (sources.length === 0) continue;
      const lowest = Math.min(...sources);
      if ((score.get(answer.capsule.id) as number) >= lowest) {
        score.set(answer.capsule.id, lowest - 1e-6);
        moved = true;
      }
    }
    if (!moved) return hits;
    return hits.map((h) => ({ ...h, score: score.get(h.capsule.id) as number })).sort((a, b) => b.score - a.score || (a.capsule.id < b.capsule.id ? -1 : 1));
  }
}
