/**
 * The graph store port: capsules and their DERIVED_FROM lineage, request records and the audit log.
 * Business code sees only this interface; SQL and Cypher stay inside adapters. Every adapter must pass
 * `test/conformance/graph-store-conformance.ts`.
 *
 * Every mutation takes a `MutationContext` and writes its audit entry in the same transaction, so a
 * change without its audit entry cannot exist.
 */
import type { OverlayManifest } from '../overlays/manifest.js';
import type { FusionWeights } from '../search/fusion.js';

export const CAPSULE_TYPES = ['knowledge', 'code', 'decision', 'insight', 'config'] as const;
export type CapsuleType = (typeof CAPSULE_TYPES)[number];

export type JsonObject = Record<string, unknown>;

export interface Capsule {
  readonly id: string;
  readonly content: string;
  readonly type: CapsuleType;
  /** Semver of this version. */
  readonly version: string;
  /** The capsule this one was derived from first (previous version, fork source, or first cited source). */
  readonly parent_id: string | null;
  readonly owner_id: string;
  /** 0-100: QUARANTINE 0, SANDBOX 40, STANDARD 60, TRUSTED 80, CORE 100. */
  readonly trust_level: number;
  readonly metadata: JsonObject;
  readonly tags: readonly string[];
  readonly created_at: string;
  readonly updated_at: string;
  readonly archived: boolean;
  /** Set when an update made a newer version; the old version stays readable. */
  readonly superseded_by: string | null;
  /**
   * Set when something it was derived from (transitively) was superseded, archived or written by an
   * overlay later quarantined: it no longer follows its sources, and leaves search and answers until
   * re-derived. `source_id`: the newer version of that source, when there is one.
   */
  readonly stale: CapsuleStaleness | null;
}

/** Why a capsule is stale, since when, and what replaced the source it followed. */
export interface CapsuleStaleness {
  readonly reason: string;
  readonly since: string;
  readonly source_id: string | null;
}

export interface DerivationInput {
  readonly parent_id: string;
  /** e.g. `update`, `fork`, `cited` */
  readonly reason: string;
  /** What changed relative to the parent, free-form. */
  readonly changes?: JsonObject;
}

export interface NewCapsule {
  /** Fixed id for idempotent creation; a second create with the same id returns the existing capsule. */
  readonly id?: string;
  readonly content: string;
  readonly type: CapsuleType;
  readonly version?: string;
  readonly owner_id: string;
  readonly trust_level: number;
  readonly metadata?: JsonObject;
  readonly tags?: readonly string[];
  readonly embedding: Float32Array;
  /**
   * The vectors of the content's passages (`passagesOf`), of `embedding`'s size: the vector side scores a
   * capsule by the nearer of its whole and its best passage. @defaultValue none
   */
  readonly passage_embeddings?: readonly Float32Array[];
  /** What made `embedding` (see `embeddingModelOf`); '' when unknown, which search treats as any model. */
  readonly embedding_model?: string;
  /** DERIVED_FROM edges; the first becomes `parent_id`. */
  readonly derived_from?: readonly DerivationInput[];
}

export interface CapsulePatch {
  /** The new version's owner (its writer). @defaultValue the current owner */
  readonly owner_id?: string;
  /** Sources of the new version besides its predecessor (a re-derived answer's new citations). */
  readonly sources?: readonly DerivationInput[];
  readonly content?: string;
  /** Required whenever `content` is given. */
  readonly embedding?: Float32Array;
  readonly passage_embeddings?: readonly Float32Array[];
  readonly embedding_model?: string;
  readonly type?: CapsuleType;
  readonly trust_level?: number;
  readonly metadata?: JsonObject;
  readonly tags?: readonly string[];
  /** Must be greater than the current version; default: the next patch version. */
  readonly version?: string;
  readonly reason?: string;
}

export interface ForkInput {
  readonly owner_id: string;
  readonly content?: string;
  readonly embedding?: Float32Array;
  readonly passage_embeddings?: readonly Float32Array[];
  readonly embedding_model?: string;
  readonly trust_level?: number;
  readonly metadata?: JsonObject;
  readonly tags?: readonly string[];
  readonly reason?: string;
}

/** A capsule's new vectors, by the re-embedding job. */
export interface EmbeddingUpdate {
  readonly id: string;
  readonly embedding: Float32Array;
  readonly passage_embeddings?: readonly Float32Array[];
}

/** A capsule whose embedding another model made (or none known): the re-embedding job's unit of work. */
export interface StaleEmbedding {
  readonly id: string;
  readonly content: string;
  /** What places it in a thread (the capsule before it is embedded with it) and who may read it. */
  readonly metadata: JsonObject;
  readonly trust_level: number;
}

/** Filters applied before any ranking or limit. Trust bounds are inclusive. */
export interface CapsuleFilter {
  readonly type?: CapsuleType;
  readonly owner_id?: string;
  readonly tag?: string;
  readonly min_trust?: number;
  /** The reader's trust level: capsules above it are invisible. */
  readonly max_trust?: number;
  /** Include archived capsules. @defaultValue false */
  readonly include_archived?: boolean;
  /** Include versions that a newer version superseded. @defaultValue false */
  readonly include_superseded?: boolean;
  /** Include capsules whose sources moved on (stale). @defaultValue false */
  readonly include_stale?: boolean;
}

export interface Page<T> {
  readonly items: readonly T[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  readonly next_cursor: string | null;
}

export interface LineageEntry {
  readonly capsule: Capsule;
  /** 1 = direct parent (or child, for descendants). */
  readonly depth: number;
  /** The edge that reached this capsule. */
  readonly edge: { readonly child_id: string; readonly parent_id: string; readonly reason: string; readonly changes: JsonObject; readonly created_at: string };
}

/** Bounds of a lineage walk: levels from the start, and capsules returned. */
export interface LineageLimits {
  /** @defaultValue DEFAULT_LINEAGE_LIMITS.maxDepth */
  readonly maxDepth?: number;
  /** @defaultValue DEFAULT_LINEAGE_LIMITS.maxNodes */
  readonly maxNodes?: number;
}

export const DEFAULT_LINEAGE_LIMITS = { maxDepth: 100, maxNodes: 1000 } as const;

export interface SearchQuery {
  readonly text: string;
  readonly embedding: Float32Array;
  /** @defaultValue 10 */
  readonly limit?: number;
  readonly filter?: CapsuleFilter;
  /** Vector-only candidates below this cosine similarity are not matches. @defaultValue 0.1 */
  readonly min_similarity?: number;
  /**
   * The model that embedded the query: the vector side then compares only capsules embedded by it (or by
   * an unknown model); others are found by their words until re-embedded. @defaultValue any model
   */
  readonly embedding_model?: string;
  /** How the vector and text sides weigh in the fused score. @defaultValue DEFAULT_FUSION */
  readonly fusion?: FusionWeights;
}

export interface SearchHit {
  readonly capsule: Capsule;
  /** The fused score (`weightedFusion`). */
  readonly score: number;
  readonly vector_score: number | null;
  readonly text_score: number | null;
}

export const REQUEST_STATUSES = ['queued', 'running', 'completed', 'rejected', 'failed'] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];
export const TERMINAL_STATUSES: ReadonlySet<RequestStatus> = new Set(['completed', 'rejected', 'failed']);

export interface Caller {
  readonly id: string;
  readonly roles: readonly string[];
  readonly trust_level: number;
}

export interface PhaseTiming {
  readonly started_at: string;
  readonly duration_ms: number;
  readonly attempt: number;
}

export interface RequestError {
  readonly phase: string;
  readonly code: string;
  readonly message: string;
}

export interface RequestRecord {
  readonly id: string;
  /** The store holds queued and the terminal states; `running` is derived from the queues on read. */
  readonly status: RequestStatus;
  readonly correlation_id: string;
  readonly caller: Caller;
  readonly query: string;
  readonly required_trust: number;
  readonly save_as_capsule: boolean;
  readonly metadata: JsonObject;
  readonly idempotency_key: string | null;
  readonly answer: string | null;
  readonly citations: readonly string[];
  readonly phase_timings: Readonly<Record<string, PhaseTiming>>;
  /** Extra facts about how the answer was made: cache hit, analysis fallback, saved capsule id. */
  readonly result: JsonObject;
  readonly error: RequestError | null;
  readonly created_at: string;
  readonly updated_at: string;
  readonly finished_at: string | null;
}

export interface NewRequest {
  readonly id: string;
  readonly correlation_id: string;
  readonly caller: Caller;
  readonly query: string;
  readonly required_trust: number;
  readonly save_as_capsule: boolean;
  readonly metadata: JsonObject;
  readonly idempotency_key: string | null;
}

export interface RequestOutcome {
  readonly status: RequestStatus;
  readonly answer?: string | null;
  readonly citations?: readonly string[];
  readonly phase_timings?: Readonly<Record<string, PhaseTiming>>;
  readonly result?: JsonObject;
  readonly error?: RequestError | null;
}

export interface AuditEntry {
  readonly seq: number;
  readonly id: string;
  readonly at: string;
  readonly actor_id: string;
  readonly action: string;
  readonly entity_type: string;
  readonly entity_id: string;
  readonly details: JsonObject;
  /** sha256 of the previous entry's hash and this entry's fields: editing any entry breaks the chain. */
  readonly hash: string;
  readonly prev_hash: string;
}

export interface NewAuditEntry {
  readonly actor_id: string;
  readonly action: string;
  readonly entity_type: string;
  readonly entity_id: string;
  readonly details?: JsonObject;
  /** When set, a second entry with the same key is not written (idempotent retries). */
  readonly dedupe_key?: string;
}

export interface MutationContext {
  readonly actor_id: string;
}

export const OVERLAY_STATES = ['pending', 'active', 'suspended', 'quarantined'] as const;
export type OverlayState = (typeof OVERLAY_STATES)[number];

/** A registered overlay. The module itself lives in the blob store under `blob_key`. */
export interface OverlayRecord {
  readonly id: string;
  readonly name: string;
  readonly version: string;
  readonly state: OverlayState;
  /** Why it is in its state (suspension reason, quarantine cause), when there is one. */
  readonly state_reason: string | null;
  /** The validated manifest, defaults applied. */
  readonly manifest: OverlayManifest;
  /** The manifest as submitted (YAML or JSON text). */
  readonly manifest_text: string;
  /** sha256 of the instrumented module. */
  readonly sha256: string;
  readonly blob_key: string;
  readonly wasm_size: number;
  /** Host functions the module imports. */
  readonly imports: readonly string[];
  readonly trust_level: number;
  readonly submitted_by: string;
  /** Configuration values set at activation (secrets included: never return them through the API). */
  readonly config: JsonObject;
  readonly activated_at: string | null;
  /** When an activation with a TTL ends. */
  readonly expires_at: string | null;
  readonly created_at: string;
  readonly updated_at: string;
}

export type NewOverlay = Pick<OverlayRecord, 'name' | 'version' | 'manifest' | 'manifest_text' | 'sha256' | 'blob_key' | 'wasm_size' | 'imports' | 'trust_level' | 'submitted_by'>;

export interface OverlayStateChange {
  readonly state: OverlayState;
  readonly reason?: string | null;
  readonly config?: JsonObject;
  readonly expires_at?: string | null;
  /** Apply only if the overlay is currently in one of these states. */
  readonly from?: readonly OverlayState[];
}

export interface OverlayFilter {
  readonly state?: OverlayState;
  readonly name?: string;
  /** Overlays whose manifest grants this capability. */
  readonly capability?: string;
  /** Overlays bound to this phase. */
  readonly phase?: string;
}

/** Roles, in increasing order of what they may do (each includes the ones before it). */
export const ROLES = ['reader', 'contributor', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** A user as everyone but the authentication code sees it: no secrets. */
export interface UserRecord {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  /** Bounds what the user reads and the trust it may write. */
  readonly trust_level: number;
  readonly disabled: boolean;
  readonly has_password: boolean;
  /** Password logins need a one-time code too. */
  readonly totp_enabled: boolean;
  readonly created_at: string;
  readonly updated_at: string;
}

export interface NewUser {
  readonly name: string;
  readonly role: Role;
  readonly trust_level: number;
  /** A slow hash (see `auth/passwords.ts`), never the password. */
  readonly password_hash: string | null;
}

/** A change to a user; a trust change is kept in its history with the reason. */
export interface UserChange {
  readonly role?: Role;
  readonly trust_level?: number;
  readonly disabled?: boolean;
  readonly password_hash?: string | null;
  readonly reason: string;
  /**
   * Called with the user as it is inside the change's transaction, before anything is written: throwing
   * aborts the change (the governance gate checks a raise against the value it replaces here).
   */
  readonly check?: (current: UserRecord) => void;
}

/** One step of a user's trust history (the "trust flame"). */
export interface TrustChange {
  readonly user_id: string;
  readonly at: string;
  readonly actor_id: string;
  readonly old_trust: number;
  readonly new_trust: number;
  readonly reason: string;
}

/** An API key as it is listed: the secret itself is never stored, only its hash. */
export interface ApiKeyRecord {
  readonly id: string;
  readonly user_id: string;
  readonly label: string;
  /** The key's public start (`forge_<id>`), to recognise it. */
  readonly prefix: string;
  readonly created_at: string;
  readonly last_used_at: string | null;
  readonly revoked_at: string | null;
}

export interface NewApiKey {
  readonly id: string;
  readonly user_id: string;
  readonly label: string;
  readonly prefix: string;
  /** sha256 (hex) of the whole key. */
  readonly hash: string;
}

/** What presenting a refresh token found. */
export type RefreshOutcome =
  /** Live and unused: it is now used, and `next` (same family) is stored in its place. */
  | { readonly kind: 'rotated'; readonly user: UserRecord; readonly family_id: string }
  /** Used before: someone replayed it, so its whole family is revoked now. */
  | { readonly kind: 'reused'; readonly family_id: string }
  /** Unknown, expired or revoked. */
  | { readonly kind: 'invalid' };

export interface StoreStats {
  readonly capsules: number;
  readonly requests: number;
  readonly audit_entries: number;
}

/** Who published an event. */
export interface EventSource {
  readonly type: 'overlay' | 'user' | 'system';
  readonly id: string;
  /** An overlay's name (without its version), a user's name, a system part's name. */
  readonly name?: string;
  /** An overlay's version. */
  readonly version?: string;
}

export interface NewEvent {
  /** Fixed id: a second append with the same id returns the first. */
  readonly id: string;
  readonly kind: string;
  readonly payload: JsonObject;
  /** Readers below this trust never see the event. */
  readonly trust_level: number;
  readonly source: EventSource;
  readonly correlation_id: string | null;
  /** The cascade the event belongs to: its own id when it starts one. */
  readonly cascade_id: string;
  /** 0 for an event that starts a cascade, one more than its parent's otherwise. */
  readonly hop: number;
  readonly parent_id: string | null;
  /**
   * The cascade's path to this event: every subscriber (`overlay:<name>`, …) that handled an event of the
   * chain and published the next, the publisher of the first included. A subscriber on it is not delivered
   * this event (a cycle).
   */
  readonly visited: readonly string[];
}

/**
 * One hop of a cascade (a TRIGGERED link): an event taken from its publisher to a subscriber — delivered,
 * or stopped with the reason (a cycle, or the cascade's hop limit).
 */
export interface CascadeLink {
  readonly event_id: string;
  readonly cascade_id: string;
  /** The event's hop; the link is hop + 1 of the cascade. */
  readonly hop: number;
  readonly kind: string;
  /** Who published the event, as a subscriber key (`overlay:<name>`, `user:<id>`, `system:<name>`). */
  readonly source: string;
  /** The subscriber key it went (or would have gone) to. */
  readonly target: string;
  /** The overlay version that handled it, for an overlay target that did. */
  readonly target_id: string | null;
  /** sha256 of the payload's JSON. */
  readonly payload_digest: string;
  readonly outcome: 'delivered' | 'stopped';
  /** Why a stopped link was stopped. */
  readonly reason: 'cycle' | 'hop_limit' | null;
  /** The event's trust: readers below it see the link redacted. */
  readonly trust_level: number;
  readonly at: string;
}

/** A persisted event, in the order it was recorded (`seq`). */
export interface ForgeEvent extends NewEvent {
  readonly seq: number;
  readonly created_at: string;
}

export interface EventFilter {
  readonly after_seq?: number;
  readonly kind?: string;
  readonly cascade_id?: string;
  /** The reader's trust: events above it are left out. */
  readonly max_trust?: number;
  readonly limit: number;
}

export const PROPOSAL_KINDS = ['policy', 'overlay_activation', 'trust_change', 'config_change'] as const;
export type ProposalKind = (typeof PROPOSAL_KINDS)[number];
export const PROPOSAL_STATUSES = ['draft', 'voting', 'closed'] as const;
export type ProposalStatus = (typeof PROPOSAL_STATUSES)[number];
export type ProposalOutcome = 'passed' | 'rejected' | 'expired';
export const VOTE_CHOICES = ['for', 'against', 'abstain'] as const;
export type VoteChoice = (typeof VOTE_CHOICES)[number];

/** A governance proposal: what it would do (`action`, typed by `kind`) and where it stands. */
export interface Proposal {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly kind: ProposalKind;
  readonly action: JsonObject;
  readonly proposer_id: string;
  readonly status: ProposalStatus;
  readonly outcome: ProposalOutcome | null;
  readonly created_at: string;
  readonly opened_at: string | null;
  readonly closes_at: string | null;
  readonly closed_at: string | null;
  /** The count at close: weights for, against, abstaining, quorum and threshold. */
  readonly tally: JsonObject | null;
  /** The constitutional review and the advisory opinion, once asked for. */
  readonly analysis: JsonObject | null;
  /** `pending` once passed, `done` (with what was done) after its action ran. */
  readonly execution: JsonObject | null;
}

export type NewProposal = Pick<Proposal, 'id' | 'title' | 'description' | 'kind' | 'action' | 'proposer_id'>;

/** Fields a proposal's transition sets; `from` is the status it must be in (else nothing changes). */
export interface ProposalChange {
  readonly from: readonly ProposalStatus[];
  readonly status?: ProposalStatus;
  readonly outcome?: ProposalOutcome;
  readonly opened_at?: string;
  readonly closes_at?: string;
  readonly closed_at?: string;
  readonly tally?: JsonObject;
  readonly execution?: JsonObject;
}

export interface Vote {
  readonly proposal_id: string;
  readonly voter_id: string;
  readonly choice: VoteChoice;
  /** The voter's trust when it voted. */
  readonly weight: number;
  readonly at: string;
}

/** One user's standing delegation of its vote to another. */
export interface Delegation {
  readonly delegator_id: string;
  readonly delegate_id: string;
  readonly at: string;
}

export interface GraphStore {
  /** Adapter name, for health output. */
  readonly kind: string;

  createCapsule(input: NewCapsule, ctx: MutationContext): Promise<Capsule>;
  getCapsule(id: string): Promise<Capsule | null>;
  /** The capsules of `ids` that exist, in the order of `ids` (each once); archived and superseded ones included. */
  getCapsules(ids: readonly string[]): Promise<Capsule[]>;
  /**
   * The current capsule (neither superseded nor archived) at `position` in `thread` — its `metadata.thread`
   * and `metadata.position` — at or below `maxTrust`, or null; the latest written when several claim the
   * place (so one above `maxTrust` changes nothing). @defaultValue maxTrust 100
   */
  capsuleInThread(thread: string, position: number, maxTrust?: number): Promise<Capsule | null>;
  /**
   * Marks stale, transitively, what was derived from `roots` (not a newer version of them), with `reason`,
   * in one transaction, audited. Superseding and archiving a capsule do this themselves, in their own
   * transaction. Returns the ids marked (those already stale are left as they were).
   */
  markDerivedStale(roots: readonly string[], reason: string, ctx: MutationContext, options?: { readonly includeRoots?: boolean }): Promise<string[]>;
  listCapsules(filter: CapsuleFilter, page: { limit: number; cursor?: string | null }): Promise<Page<Capsule>>;
  /**
   * Writes a new version DERIVED_FROM `id` (reason `update`) and marks `id` superseded.
   * @throws NotFoundError; ConflictError when `id` is archived or already superseded.
   */
  updateCapsule(id: string, patch: CapsulePatch, ctx: MutationContext): Promise<Capsule>;
  archiveCapsule(id: string, ctx: MutationContext): Promise<Capsule>;
  /** A new capsule (version 1.0.0) DERIVED_FROM `id` with reason `fork`. */
  forkCapsule(id: string, input: ForkInput, ctx: MutationContext): Promise<Capsule>;
  /** Every ancestor, nearest first, each once at its smallest depth. */
  getLineage(id: string, limits?: LineageLimits): Promise<LineageEntry[]>;
  /** Every descendant, nearest first. */
  getDescendants(id: string, limits?: LineageLimits): Promise<LineageEntry[]>;
  /** Hybrid search: vector cosine and BM25, fused by reciprocal rank; filters apply before the limit. */
  searchCapsules(query: SearchQuery): Promise<SearchHit[]>;
  /** How many capsules `model` did not embed (another model, or none known): the re-embedding backlog. */
  countStaleEmbeddings(model: string): Promise<number>;
  /** Up to `limit` of those capsules, in no particular order (each batch, re-embedded, leaves the set). */
  staleEmbeddings(model: string, limit: number): Promise<StaleEmbedding[]>;
  /**
   * Replaces capsules' embeddings in place (an embedding is derived from the content, not part of a version:
   * no new version, no audit entry per capsule). Capsules already embedded by `model` are left alone.
   * Returns how many changed.
   */
  setEmbeddings(model: string, embeddings: readonly EmbeddingUpdate[]): Promise<number>;

  /**
   * Inserts a request (status `queued`), or returns the existing one with the same id or (caller,
   * idempotency key). The record is the submission's own record: its audit entry is written when it ends.
   */
  createRequest(input: NewRequest): Promise<{ record: RequestRecord; created: boolean }>;
  getRequest(id: string): Promise<RequestRecord | null>;
  /** The newest requests first, of one caller (or of everyone), created before `before` when given. */
  listRequests(filter: { readonly caller_id?: string; readonly before?: string; readonly limit: number }): Promise<RequestRecord[]>;
  /** Records how a request ended. A request that already ended keeps its first outcome. */
  finishRequest(id: string, outcome: RequestOutcome): Promise<RequestRecord>;
  /** Merges facts into `result` (e.g. the id of the capsule saved from the answer). */
  annotateRequest(id: string, result: JsonObject): Promise<void>;
  /**
   * Puts a failed request back to `queued` (error and end cleared) so it can be re-driven; audited.
   * @throws NotFoundError; ConflictError when it completed or is not failed.
   */
  reopenRequest(id: string, ctx: MutationContext): Promise<RequestRecord>;

  /** @throws ConflictError when (name, version) is already registered. */
  createOverlay(input: NewOverlay, ctx: MutationContext): Promise<OverlayRecord>;
  getOverlay(id: string): Promise<OverlayRecord | null>;
  listOverlays(filter: OverlayFilter): Promise<OverlayRecord[]>;
  /**
   * Moves an overlay to a state. With `from`, a no-op (returning null) unless it is in one of those states.
   * @throws NotFoundError
   */
  setOverlayState(id: string, change: OverlayStateChange, ctx: MutationContext): Promise<OverlayRecord | null>;
  /** Changes an overlay's trust level, audited as `overlay.trust` with the reason (its trust history). */
  setOverlayTrust(id: string, trust: number, reason: string, ctx: MutationContext): Promise<OverlayRecord>;
  deleteOverlay(id: string, ctx: MutationContext): Promise<void>;

  /** @throws ConflictError when the name is taken. */
  createUser(input: NewUser, ctx: MutationContext): Promise<UserRecord>;
  getUser(id: string): Promise<UserRecord | null>;
  /** The user of a name with its password hash, for password login only. */
  getUserCredentials(name: string): Promise<{ user: UserRecord; password_hash: string | null; totp_secret: string | null } | null>;
  /** Sets (pending or enabled) or clears a user's one-time-password secret; audited. @throws NotFoundError */
  setTotp(userId: string, totp: { secret: string; enabled: boolean } | null, ctx: MutationContext): Promise<UserRecord>;
  /** The user's one-time-password secret, pending or enabled. */
  getTotpSecret(userId: string): Promise<string | null>;
  listUsers(): Promise<UserRecord[]>;
  /**
   * Changes a user; a trust change appends to its history (who, when, old → new, reason) in the same
   * transaction. @throws NotFoundError
   */
  updateUser(id: string, change: UserChange, ctx: MutationContext): Promise<UserRecord>;
  /** Oldest first. */
  getTrustHistory(userId: string): Promise<TrustChange[]>;
  /** @throws NotFoundError when the user does not exist. */
  createApiKey(input: NewApiKey, ctx: MutationContext): Promise<ApiKeyRecord>;
  /** The live (not revoked) key with this hash and its user; records its last use (to the minute). */
  useApiKey(hash: string): Promise<{ key: ApiKeyRecord; user: UserRecord } | null>;
  listApiKeys(userId: string): Promise<ApiKeyRecord[]>;
  /** One key by its id (revoked or not), or null. */
  getApiKey(id: string): Promise<ApiKeyRecord | null>;
  /** Revokes a key (idempotent). @throws NotFoundError */
  revokeApiKey(id: string, ctx: MutationContext): Promise<ApiKeyRecord>;

  /** Stores a refresh token (its hash) of a login family. */
  createRefreshToken(input: { id: string; family_id: string; user_id: string; hash: string; expires_at: string }): Promise<void>;
  /**
   * Presents a refresh token: a live one is marked used and `next` stored in the same family, atomically;
   * a used one revokes its family (reuse detection).
   */
  useRefreshToken(hash: string, next: { id: string; hash: string; expires_at: string }): Promise<RefreshOutcome>;
  /** Whether a login family still has a token that is not revoked (logout and reuse revoke them all). */
  refreshFamilyLive(familyId: string): Promise<boolean>;
  /** Revokes every token of a family (logout, reuse). Returns how many were live. */
  revokeRefreshFamily(familyId: string, ctx: MutationContext): Promise<number>;
  /** The family of a token, whatever its state. */
  refreshFamilyOf(hash: string): Promise<string | null>;

  appendAudit(entry: NewAuditEntry): Promise<AuditEntry>;
  /**
   * Persists an event (idempotent by id) with the links its cascade stopped at it (a cycle, the hop limit),
   * in one transaction; `created` is false when the id was recorded before.
   */
  appendEvent(event: NewEvent, stopped?: readonly CascadeLink[]): Promise<{ event: ForgeEvent; created: boolean }>;
  getEvent(id: string): Promise<ForgeEvent | null>;
  /** Oldest first. */
  listEvents(filter: EventFilter): Promise<ForgeEvent[]>;
  /** The sequence number of the newest event (0 when there is none): where a live reader starts. */
  latestEventSeq(): Promise<number>;
  /**
   * Records that `subscriber` handled `eventId`, with the cascade link the delivery made, in one
   * transaction; false when it already had.
   */
  markDelivered(eventId: string, subscriber: string, link?: CascadeLink): Promise<boolean>;
  /** A cascade's links (delivered and stopped), in the order they were recorded. */
  listCascadeLinks(cascadeId: string): Promise<CascadeLink[]>;
  /**
   * The distinct subscribers the given sources' events were delivered to (one step of "what does it
   * reach"), counting only deliveries of events at or below `maxTrust`.
   */
  triggeredTargets(sources: readonly string[], maxTrust: number): Promise<Array<{ source: string; target: string; links: number }>>;
  /** Whether `subscriber` has handled `eventId` (a redelivery to skip). */
  wasDelivered(eventId: string, subscriber: string): Promise<boolean>;
  listAudit(options: { limit: number; before_seq?: number; entity_id?: string; action?: string }): Promise<AuditEntry[]>;
  /** Audit entries after `afterSeq`, oldest first (what a reader of the log as an outbox reads next). */
  listAuditAfter(afterSeq: number, limit: number): Promise<AuditEntry[]>;
  createProposal(input: NewProposal, ctx: MutationContext): Promise<Proposal>;
  getProposal(id: string): Promise<Proposal | null>;
  /** Newest first. */
  listProposals(filter: { status?: ProposalStatus; limit: number }): Promise<Proposal[]>;
  /** Moves a proposal on (audited), only from the given statuses; null when it was not in one of them. */
  changeProposal(id: string, change: ProposalChange, ctx: MutationContext): Promise<Proposal | null>;
  /** Keeps the analysis of a proposal (not a transition: asked again, it is replaced). */
  setProposalAnalysis(id: string, analysis: JsonObject): Promise<void>;
  /** Casts or changes a vote while the proposal is open for voting; false when it is not. Audited. */
  castVote(vote: Omit<Vote, 'at'>, ctx: MutationContext): Promise<boolean>;
  listVotes(proposalId: string): Promise<Vote[]>;
  /** Sets (or with null, revokes) a user's delegation. Audited. */
  setDelegation(delegatorId: string, delegateId: string | null, ctx: MutationContext): Promise<void>;
  listDelegations(): Promise<Delegation[]>;
  /** Settings changed through governance (`config_change` proposals), by key. */
  getSettings(): Promise<JsonObject>;
  putSetting(key: string, value: unknown, ctx: MutationContext): Promise<void>;
  /** A named position kept with the data (0 when never set). */
  getCursor(name: string): Promise<number>;
  /** Moves a named position forward; a lower value than the stored one is ignored. */
  advanceCursor(name: string, value: number): Promise<void>;
  /** Recomputes the hash chain. */
  verifyAudit(): Promise<{ ok: boolean; checked: number; broken_at: number | null }>;

  stats(): Promise<StoreStats>;
  close(): Promise<void>;
}

/** Clearance rule: a reader of trust `t` may read capsules whose trust level is at most `t`. */
