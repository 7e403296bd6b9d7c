import { ForbiddenError, NotFoundError } from '../errors.js';
import type { AnswerCache } from '../fleet/fleet-state.js';
import type { Embedder } from '../search/embedder.js';
import {
  canRead,
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
}

/** An ancestor or descendant the caller may not read: its place in the lineage shows, its content does not. */
export interface RedactedCapsule {
  readonly id: string;
  readonly redacted: true;
  readonly trust_level: number;
}

export interface VisibleLineageEntry extends Omit<LineageEntry, 'capsule'> {
  readonly capsule: Capsule | RedactedCapsule;
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

  private checkWrite(caller: Caller, trust: number): void {
    if (trust > caller.trust_level) {
      throw new ForbiddenError(`trust_level ${trust} is above your trust level ${caller.trust_level}`, trust, caller.trust_level);
    }
  }

  private async changed<T>(result: T): Promise<T> {
    await this.cache.invalidate();
    return result;
  }

  private async embed(text: string): Promise<Float32Array> {
    const [vector] = await this.embedder.embed([text]);
    return vector as Float32Array;
  }

  /** @throws NotFoundError when absent or above the caller's clearance (the two are indistinguishable). */
  async get(caller: Caller, id: string): Promise<Capsule> {
    const capsule = await this.store.getCapsule(id);
    if (!capsule || !canRead(caller.trust_level, capsule)) throw new NotFoundError('capsule', id);
    return capsule;
  }

  async create(caller: Caller, input: CreateCapsuleInput): Promise<Capsule> {
    const trust = input.trust_level ?? caller.trust_level;
    this.checkWrite(caller, trust);
    for (const parent of input.derived_from ?? []) await this.get(caller, parent.parent_id);
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
        embedding: await this.embed(input.content),
        derived_from: input.derived_from ?? [],
      },
      { actor_id: caller.id },
    );
    return this.changed(capsule);
  }

  async list(caller: Caller, filter: CapsuleFilter, page: { limit: number; cursor?: string | null }): Promise<Page<Capsule>> {
    return this.store.listCapsules({ ...filter, max_trust: Math.min(filter.max_trust ?? 100, caller.trust_level) }, page);
  }

  async update(caller: Caller, id: string, input: UpdateCapsuleInput): Promise<Capsule> {
    await this.get(caller, id);
    if (input.trust_level !== undefined) this.checkWrite(caller, input.trust_level);
    const next = await this.store.updateCapsule(
      id,
      {
        ...input,
        ...(input.content === undefined ? {} : { embedding: await this.embed(input.content) }),
      },
      { actor_id: caller.id },
    );
    return this.changed(next);
  }

  async archive(caller: Caller, id: string): Promise<Capsule> {
    await this.get(caller, id);
    return this.changed(await this.store.archiveCapsule(id, { actor_id: caller.id }));
  }

  async fork(caller: Caller, id: string, input: ForkCapsuleInput): Promise<Capsule> {
    const source = await this.get(caller, id);
    const trust = input.trust_level ?? Math.min(source.trust_level, caller.trust_level);
    this.checkWrite(caller, trust);
    const fork = await this.store.forkCapsule(
      id,
      {
        ...input,
        owner_id: caller.id,
        trust_level: trust,
        ...(input.content === undefined ? {} : { embedding: await this.embed(input.content) }),
      },
      { actor_id: caller.id },
    );
    return this.changed(fork);
  }

  private redact(caller: Caller, entries: LineageEntry[]): VisibleLineageEntry[] {
    return entries.map((e) => (canRead(caller.trust_level, e.capsule) ? e : { ...e, capsule: { id: e.capsule.id, redacted: true, trust_level: e.capsule.trust_level } }));
  }

  async lineage(caller: Caller, id: string): Promise<VisibleLineageEntry[]> {
    await this.get(caller, id);
    return this.redact(caller, await this.store.getLineage(id));
  }

  async descendants(caller: Caller, id: string): Promise<VisibleLineageEntry[]> {
    await this.get(caller, id);
    return this.redact(caller, await this.store.getDescendants(id));
  }

  async search(caller: Caller, input: SearchInput): Promise<SearchHit[]> {
    return this.store.searchCapsules({
      text: input.q,
      embedding: await this.embed(input.q),
      limit: input.limit,
      filter: {
        max_trust: caller.trust_level,
        ...(input.min_trust === undefined ? {} : { min_trust: input.min_trust }),
        ...(input.type === undefined ? {} : { type: input.type }),
        ...(input.tag === undefined ? {} : { tag: input.tag }),
      },
    });
  }
}
