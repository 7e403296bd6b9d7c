/**
 * Every Cypher statement the Neo4j graph store runs, in one place, each with the parameters it takes. The
 * ordinary test run checks each one with Neo4j's own Cypher parser and semantic analysis
 * (`@neo4j-cypher/language-support`): a syntax error, an unknown label, relationship type or property, a
 * parameter used but not declared here fails the test. Statements are static text (filters that may be
 * absent take a null parameter), so nothing a caller sends is ever spliced into a query; the one exception
 * is the vector index's size, an integer checked before it is written into the statement.
 */

/** A statement and the parameters it takes; the adapter must pass exactly those (the compiler checks). */
export interface Statement<P extends string = string> {
  readonly text: string;
  readonly params: readonly P[];
}

function q<const P extends string>(text: string, params: readonly P[]): Statement<P> {
  return { text: text.replace(/\s+/g, ' ').trim(), params };
}

export const LABELS = [
  'Capsule',
  'Request',
  'Overlay',
  'User',
  'TrustChange',
  'ApiKey',
  'RefreshToken',
  'Audit',
  'AuditHead',
  'ForgeMigration',
  'Event',
  'EventHead',
  'Delivery',
  'Subscriber',
  'Cursor',
  'Proposal',
  'Vote',
  'Delegation',
  'Setting',
  'TermLevel',
  'LevelDocs',
  'TransferProgress',
] as const;
export const RELATIONSHIP_TYPES = ['DERIVED_FROM', 'TRIGGERED'] as const;
export const VECTOR_INDEX = 'capsule_embedding';
export const TEXT_INDEX = 'capsule_text';

/** The capsule filter of the embedded store, as nullable parameters, on a capsule bound to `c`. */
const CAPSULE_FILTER = `($include_archived OR NOT c.archived)
  AND ($include_superseded OR c.superseded_by IS NULL)
  AND ($include_stale OR c.stale_reason IS NULL)
  AND ($type IS NULL OR c.type = $type)
  AND ($owner_id IS NULL OR c.owner_id = $owner_id)
  AND ($min_trust IS NULL OR c.trust_level >= $min_trust)
  AND ($max_trust IS NULL OR c.trust_level <= $max_trust)
  AND ($tag IS NULL OR $tag IN c.tags)`;
/**
 * Late interaction in Cypher: a capsule `c` scores as the nearer of its whole text and its best passage
 * (`passage_embeddings`, the passages' vectors one after another), as (1 + cos) / 2.
 */
const LATE_SCORE = `WITH c, coalesce(c.passage_embeddings, []) AS passages, size($embedding) AS d
     WITH c, reduce(best = vector.similarity.cosine(c.embedding, $embedding), s IN [i IN range(0, size(passages) / d - 1) | vector.similarity.cosine(passages[i * d..(i + 1) * d], $embedding)] | CASE WHEN s > best THEN s ELSE best END) AS score`;
const FILTER_PARAMS = ['include_archived', 'include_superseded', 'include_stale', 'type', 'owner_id', 'min_trust', 'max_trust', 'tag'] as const;
export type FilterParam = (typeof FILTER_PARAMS)[number];

/** Versioned schema migrations: each list runs once, in order (schema statements each in a transaction of their own). */
export const MIGRATIONS: ReadonlyArray<readonly Statement<'genesis'>[]> = [
  [
    q('CREATE CONSTRAINT capsule_id IF NOT EXISTS FOR (c:Capsule) REQUIRE c.id IS UNIQUE', []),
    q('CREATE CONSTRAINT request_id IF NOT EXISTS FOR (r:Request) REQUIRE r.id IS UNIQUE', []),
    q('CREATE CONSTRAINT overlay_id IF NOT EXISTS FOR (o:Overlay) REQUIRE o.id IS UNIQUE', []),
    q('CREATE CONSTRAINT overlay_name_version IF NOT EXISTS FOR (o:Overlay) REQUIRE o.name_version IS UNIQUE', []),
    q('CREATE CONSTRAINT user_id IF NOT EXISTS FOR (u:User) REQUIRE u.id IS UNIQUE', []),
    q('CREATE CONSTRAINT user_name IF NOT EXISTS FOR (u:User) REQUIRE u.name IS UNIQUE', []),
    q('CREATE CONSTRAINT api_key_id IF NOT EXISTS FOR (k:ApiKey) REQUIRE k.id IS UNIQUE', []),
    q('CREATE CONSTRAINT api_key_hash IF NOT EXISTS FOR (k:ApiKey) REQUIRE k.hash IS UNIQUE', []),
    q('CREATE CONSTRAINT refresh_token_id IF NOT EXISTS FOR (t:RefreshToken) REQUIRE t.id IS UNIQUE', []),
    q('CREATE CONSTRAINT refresh_token_hash IF NOT EXISTS FOR (t:RefreshToken) REQUIRE t.hash IS UNIQUE', []),
    q('CREATE CONSTRAINT audit_seq IF NOT EXISTS FOR (a:Audit) REQUIRE a.seq IS UNIQUE', []),
    q('CREATE CONSTRAINT audit_dedupe IF NOT EXISTS FOR (a:Audit) REQUIRE a.dedupe_key IS UNIQUE', []),
    q('CREATE INDEX capsule_created IF NOT EXISTS FOR (c:Capsule) ON (c.created_at)', []),
    q('CREATE INDEX capsule_owner IF NOT EXISTS FOR (c:Capsule) ON (c.owner_id)', []),
    q('CREATE INDEX capsule_model IF NOT EXISTS FOR (c:Capsule) ON (c.embedding_model)', []),
    q('CREATE INDEX request_created IF NOT EXISTS FOR (r:Request) ON (r.created_at)', []),
    q('CREATE INDEX request_idempotency IF NOT EXISTS FOR (r:Request) ON (r.caller_id, r.idempotency_key)', []),
    q('CREATE INDEX audit_entity IF NOT EXISTS FOR (a:Audit) ON (a.entity_id)', []),
    q('CREATE INDEX audit_action IF NOT EXISTS FOR (a:Audit) ON (a.action)', []),
    q('CREATE INDEX refresh_family IF NOT EXISTS FOR (t:RefreshToken) ON (t.family_id)', []),
    q('CREATE INDEX trust_change_user IF NOT EXISTS FOR (t:TrustChange) ON (t.user_id)', []),
    q('CREATE INDEX api_key_user IF NOT EXISTS FOR (k:ApiKey) ON (k.user_id)', []),
    q(`CREATE FULLTEXT INDEX ${TEXT_INDEX} IF NOT EXISTS FOR (c:Capsule) ON EACH [c.content, c.tags_text]`, []),
    q('MERGE (h:AuditHead {id: 1}) ON CREATE SET h.seq = 0, h.hash = $genesis', ['genesis']),
  ],
  [
    q('CREATE CONSTRAINT event_id IF NOT EXISTS FOR (e:Event) REQUIRE e.id IS UNIQUE', []),
    q('CREATE CONSTRAINT event_seq IF NOT EXISTS FOR (e:Event) REQUIRE e.seq IS UNIQUE', []),
    q('CREATE CONSTRAINT delivery_key IF NOT EXISTS FOR (d:Delivery) REQUIRE d.key IS UNIQUE', []),
    q('CREATE INDEX event_cascade IF NOT EXISTS FOR (e:Event) ON (e.cascade_id)', []),
    q('CREATE INDEX event_kind IF NOT EXISTS FOR (e:Event) ON (e.kind)', []),
    q('MERGE (h:EventHead {id: 1}) ON CREATE SET h.seq = 0', []),
  ],
  [
    q('CREATE CONSTRAINT subscriber_key IF NOT EXISTS FOR (s:Subscriber) REQUIRE s.key IS UNIQUE', []),
    q('CREATE CONSTRAINT triggered_key IF NOT EXISTS FOR ()-[l:TRIGGERED]-() REQUIRE l.key IS UNIQUE', []),
    q('CREATE INDEX triggered_cascade IF NOT EXISTS FOR ()-[l:TRIGGERED]-() ON (l.cascade_id)', []),
    q('CREATE CONSTRAINT cursor_name IF NOT EXISTS FOR (c:Cursor) REQUIRE c.name IS UNIQUE', []),
  ],
  [
    q('CREATE CONSTRAINT proposal_id IF NOT EXISTS FOR (p:Proposal) REQUIRE p.id IS UNIQUE', []),
    q('CREATE CONSTRAINT vote_key IF NOT EXISTS FOR (v:Vote) REQUIRE v.key IS UNIQUE', []),
    q('CREATE CONSTRAINT delegation_delegator IF NOT EXISTS FOR (d:Delegation) REQUIRE d.delegator_id IS UNIQUE', []),
    q('CREATE CONSTRAINT setting_key IF NOT EXISTS FOR (s:Setting) REQUIRE s.key IS UNIQUE', []),
    q('CREATE INDEX proposal_status IF NOT EXISTS FOR (p:Proposal) ON (p.status)', []),
    q('CREATE INDEX vote_proposal IF NOT EXISTS FOR (v:Vote) ON (v.proposal_id)', []),
  ],
  // Text statistics per trust level (search/reader-bm25.ts); capsules stored before are counted by the store's open.
  [
    q('CREATE CONSTRAINT term_level_key IF NOT EXISTS FOR (t:TermLevel) REQUIRE t.key IS UNIQUE', []),
    q('CREATE CONSTRAINT level_docs_trust IF NOT EXISTS FOR (l:LevelDocs) REQUIRE l.trust_level IS UNIQUE', []),
    q('CREATE INDEX term_level_term IF NOT EXISTS FOR (t:TermLevel) ON (t.term)', []),
  ],
  // A capsule's place in its thread (metadata.thread, metadata.position), kept as properties of its own to be found by.
  [q('CREATE INDEX capsule_thread IF NOT EXISTS FOR (c:Capsule) ON (c.thread, c.thread_position)', [])],
  // One request per (caller, idempotency key), held by the database: two submissions at once cannot both create one.
  [
    q('DROP INDEX request_idempotency IF EXISTS', []),
    q('CREATE CONSTRAINT request_idempotency_key IF NOT EXISTS FOR (r:Request) REQUIRE (r.caller_id, r.idempotency_key) IS UNIQUE', []),
  ],
];

/** The vector index on capsule embeddings; Neo4j needs its size in the statement, so it is an integer checked here. */
export function createVectorIndex(dimensions: number): Statement<never> {
  if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > 4096) throw new RangeError(`vector index size must be an integer in 1..4096, got ${dimensions}`);
  return q(
    `CREATE VECTOR INDEX ${VECTOR_INDEX} IF NOT EXISTS FOR (c:Capsule) ON (c.embedding)
       OPTIONS { indexConfig: { \`vector.dimensions\`: ${dimensions}, \`vector.similarity_function\`: 'cosine', \`vector.quantization.enabled\`: false } }`,
    [],
  );
}

export const CYPHER = {
  // ---- schema --------------------------------------------------------------------------------
  migrationVersion: q('OPTIONAL MATCH (m:ForgeMigration) RETURN coalesce(max(m.version), 0) AS version', []),
  recordMigration: q('CREATE (m:ForgeMigration {version: $version, at: $at})', ['version', 'at']),
  vectorIndexSize: q("SHOW VECTOR INDEXES YIELD name, options WHERE name = $name RETURN options.indexConfig['vector.dimensions'] AS dimensions", ['name']),
  dropVectorIndex: q(`DROP INDEX ${VECTOR_INDEX} IF EXISTS`, []),

  // ---- locks: a transaction that decides by what it reads (a state, a status, whether a token was used)
  // writes to the node first, taking its write lock, so two such transactions run one after the other (as
  // every write does in the embedded store) instead of both acting on what each read.
  lockCapsule: q('MATCH (n:Capsule {id: $id}) SET n.locks = coalesce(n.locks, 0) + 1', ['id']),
  lockRequest: q('MATCH (n:Request {id: $id}) SET n.locks = coalesce(n.locks, 0) + 1', ['id']),
  lockOverlay: q('MATCH (n:Overlay {id: $id}) SET n.locks = coalesce(n.locks, 0) + 1', ['id']),
  lockUser: q('MATCH (n:User {id: $id}) SET n.locks = coalesce(n.locks, 0) + 1', ['id']),
  lockProposal: q('MATCH (n:Proposal {id: $id}) SET n.locks = coalesce(n.locks, 0) + 1', ['id']),
  lockRefreshToken: q('MATCH (n:RefreshToken {hash: $hash}) SET n.locks = coalesce(n.locks, 0) + 1', ['hash']),

  // ---- capsules ------------------------------------------------------------------------------
  capsuleById: q('MATCH (c:Capsule {id: $id}) RETURN c', ['id']),
  capsuleEmbedding: q('MATCH (c:Capsule {id: $id}) RETURN c.embedding AS embedding, c.passage_embeddings AS passage_embeddings, c.embedding_model AS embedding_model', ['id']),
  /** Without the vectors and the term counts: a capsule as it is read (searches read a few hundred of them). */
  capsulesById: q('MATCH (c:Capsule) WHERE c.id IN $ids RETURN c {.*, embedding: null, passage_embeddings: null, terms: null} AS c', ['ids']),
  capsuleInThread: q(
    'MATCH (c:Capsule) WHERE c.thread = $thread AND c.thread_position = $position AND c.superseded_by IS NULL AND NOT c.archived AND c.trust_level <= $max_trust RETURN c {.*, embedding: null, passage_embeddings: null, terms: null} AS c ORDER BY c.thread_written DESC, c.id DESC LIMIT 1',
    ['thread', 'position', 'max_trust'],
  ),
  capsulesExisting: q('MATCH (c:Capsule) WHERE c.id IN $ids RETURN c.id AS id', ['ids']),
  createCapsule: q('CREATE (c:Capsule) SET c = $props RETURN c', ['props']),
  createEdges: q(
    `MATCH (child:Capsule {id: $child_id})
     UNWIND $parents AS p
     MATCH (parent:Capsule {id: p.parent_id})
     MERGE (child)-[e:DERIVED_FROM]->(parent)
       ON CREATE SET e.reason = p.reason, e.changes = p.changes, e.created_at = $at`,
    ['child_id', 'parents', 'at'],
  ),
  /** What was derived from the roots, transitively, not as a newer version or a fork of them, and is not stale yet. */
  derivedNotStale: q(
    `MATCH p = (c:Capsule)-[:DERIVED_FROM*1..100]->(root:Capsule)
     WHERE root.id IN $roots AND c.stale_reason IS NULL AND all(e IN relationships(p) WHERE NOT e.changes CONTAINS '"from_version"' AND NOT e.changes CONTAINS '"forked_from_version"')
     RETURN DISTINCT c.id AS id`,
    ['roots'],
  ),
  notStale: q('MATCH (c:Capsule) WHERE c.id IN $ids AND c.stale_reason IS NULL RETURN c.id AS id', ['ids']),
  markStale: q('MATCH (c:Capsule) WHERE c.id IN $ids SET c.stale_reason = $reason, c.stale_at = $at, c.stale_source = $source_id', ['ids', 'reason', 'at', 'source_id']),
  supersede: q('MATCH (c:Capsule {id: $id}) SET c.superseded_by = $next_id, c.updated_at = $at', ['id', 'next_id', 'at']),
  archive: q('MATCH (c:Capsule {id: $id}) SET c.archived = true, c.updated_at = $at RETURN c', ['id', 'at']),
  listCapsules: q(
    `MATCH (c:Capsule)
     WHERE ${CAPSULE_FILTER}
       AND ($cursor_at IS NULL OR c.created_at < $cursor_at OR (c.created_at = $cursor_at AND c.id < $cursor_id))
     RETURN c ORDER BY c.created_at DESC, c.id DESC LIMIT $limit`,
    [...FILTER_PARAMS, 'cursor_at', 'cursor_id', 'limit'],
  ),
  parentsOf: q(
    `MATCH (child:Capsule)-[e:DERIVED_FROM]->(node:Capsule) WHERE child.id IN $frontier
     RETURN node, child.id AS child_id, node.id AS parent_id, e.reason AS reason, e.changes AS changes, e.created_at AS edge_at
     ORDER BY edge_at, node.id`,
    ['frontier'],
  ),
  childrenOf: q(
    `MATCH (node:Capsule)-[e:DERIVED_FROM]->(parent:Capsule) WHERE parent.id IN $frontier
     RETURN node, node.id AS child_id, parent.id AS parent_id, e.reason AS reason, e.changes AS changes, e.created_at AS edge_at
     ORDER BY edge_at, node.id`,
    ['frontier'],
  ),

  // ---- search --------------------------------------------------------------------------------
  capsuleCount: q('MATCH (c:Capsule) RETURN count(c) AS n', []),
  /**
   * Neo4j's vector index filters after its top k: over-fetched and refilled by the adapter. Scores are
   * (1 + cos) / 2 of late interaction, computed here so no vector leaves the server.
   */
  vectorSearch: q(
    // The index's own score is approximate: each candidate is scored again exactly.
    `CALL db.index.vector.queryNodes('${VECTOR_INDEX}', $k, $embedding) YIELD node AS c
     WHERE ${CAPSULE_FILTER} AND ($model IS NULL OR c.embedding_model IN [$model, ''])
     ${LATE_SCORE}
     RETURN c.id AS id, score`,
    [...FILTER_PARAMS, 'k', 'embedding', 'model'],
  ),
  /** A filter too selective for the index's top k: rank exactly what it passes. */
  vectorScan: q(
    `MATCH (c:Capsule)
     WHERE ${CAPSULE_FILTER} AND ($model IS NULL OR c.embedding_model IN [$model, '']) AND size(c.embedding) = size($embedding)
     ${LATE_SCORE}
     RETURN c.id AS id, score ORDER BY score DESC, id LIMIT $limit`,
    [...FILTER_PARAMS, 'model', 'embedding', 'limit'],
  ),
  /** One more capsule at `trust_level` holding each of `terms`, and `length` more tokens at that level. */
  countTerms: q(
    `UNWIND $terms AS term
     MERGE (t:TermLevel {key: term + '|' + toString($trust_level)})
       ON CREATE SET t.term = term, t.trust_level = $trust_level, t.docs = 0
     SET t.docs = t.docs + 1
     WITH count(t) AS counted
     MERGE (l:LevelDocs {trust_level: $trust_level})
       ON CREATE SET l.docs = 0, l.tokens = 0
     SET l.docs = l.docs + 1, l.tokens = l.tokens + $length`,
    ['terms', 'trust_level', 'length'],
  ),
  readerCorpus: q('MATCH (l:LevelDocs) WHERE l.trust_level <= $max_trust RETURN sum(l.docs) AS docs, sum(l.tokens) AS tokens', ['max_trust']),
  readerTermDocs: q('MATCH (t:TermLevel) WHERE t.term IN $terms AND t.trust_level <= $max_trust RETURN t.term AS term, sum(t.docs) AS docs', ['terms', 'max_trust']),
  capsuleTerms: q('MATCH (c:Capsule) WHERE c.id IN $ids RETURN c.id AS id, c.terms_length AS length, c.terms AS terms', ['ids']),
  capsulesWithoutTerms: q('MATCH (c:Capsule) WHERE c.terms IS NULL RETURN c.id AS id, c.content AS content, c.tags_text AS tags_text, c.trust_level AS trust_level LIMIT $limit', [
    'limit',
  ]),
  setCapsuleTerms: q('MATCH (c:Capsule {id: $id}) SET c.terms = $terms, c.terms_length = $length', ['id', 'terms', 'length']),
  textSearch: q(
    `CALL db.index.fulltext.queryNodes('${TEXT_INDEX}', $query, {limit: $k}) YIELD node AS c, score
     WHERE ${CAPSULE_FILTER}
     RETURN c.id AS id, score`,
    [...FILTER_PARAMS, 'query', 'k'],
  ),
  /** Two ranges of the embedding-model index (`<>` would scan every capsule). */
  countStaleEmbeddings: q('MATCH (c:Capsule) WHERE c.embedding_model < $model OR c.embedding_model > $model RETURN count(c) AS n', ['model']),
  staleEmbeddings: q(
    'MATCH (c:Capsule) WHERE c.embedding_model < $model OR c.embedding_model > $model RETURN c.id AS id, c.content AS content, c.metadata AS metadata, c.trust_level AS trust_level LIMIT $limit',
    ['model', 'limit'],
  ),
  setEmbeddings: q(
    `UNWIND $rows AS row
     MATCH (c:Capsule {id: row.id}) WHERE c.embedding_model <> $model
     SET c.embedding = row.embedding, c.passage_embeddings = row.passage_embeddings, c.embedding_model = $model
     RETURN count(c) AS n`,
    ['rows', 'model'],
  ),

  // ---- requests ------------------------------------------------------------------------------
  requestById: q('MATCH (r:Request {id: $id}) RETURN r', ['id']),
  listRequests: q(
    'MATCH (r:Request) WHERE ($caller_id IS NULL OR r.caller_id = $caller_id) AND ($before IS NULL OR r.created_at < $before) RETURN r ORDER BY r.created_at DESC, r.id DESC LIMIT $limit',
    ['caller_id', 'before', 'limit'],
  ),
  requestByIdempotencyKey: q('MATCH (r:Request {caller_id: $caller_id, idempotency_key: $idempotency_key}) RETURN r', ['caller_id', 'idempotency_key']),
  createRequest: q('CREATE (r:Request) SET r = $props RETURN r', ['props']),
  updateRequest: q('MATCH (r:Request {id: $id}) SET r += $changes RETURN r', ['id', 'changes']),
  reopenRequest: q("MATCH (r:Request {id: $id}) SET r.status = 'queued', r.error = null, r.finished_at = null, r.updated_at = $at RETURN r", ['id', 'at']),

  // ---- overlays ------------------------------------------------------------------------------
  overlayById: q('MATCH (o:Overlay {id: $id}) RETURN o', ['id']),
  overlayByNameVersion: q('MATCH (o:Overlay {name_version: $name_version}) RETURN o.id AS id', ['name_version']),
  createOverlay: q('CREATE (o:Overlay) SET o = $props RETURN o', ['props']),
  listOverlays: q(
    `MATCH (o:Overlay)
     WHERE ($state IS NULL OR o.state = $state) AND ($name IS NULL OR o.name = $name)
       AND ($capability IS NULL OR $capability IN o.capabilities) AND ($phase IS NULL OR $phase IN o.phases)
     RETURN o ORDER BY o.name, o.created_at`,
    ['state', 'name', 'capability', 'phase'],
  ),
  updateOverlay: q('MATCH (o:Overlay {id: $id}) SET o += $changes RETURN o', ['id', 'changes']),
  deleteOverlay: q('MATCH (o:Overlay {id: $id}) DELETE o', ['id']),

  // ---- users, keys, sessions -----------------------------------------------------------------
  userById: q('MATCH (u:User {id: $id}) RETURN u', ['id']),
  userByName: q('MATCH (u:User {name: $name}) RETURN u', ['name']),
  createUser: q('CREATE (u:User) SET u = $props RETURN u', ['props']),
  updateUser: q('MATCH (u:User {id: $id}) SET u += $changes RETURN u', ['id', 'changes']),
  listUsers: q('MATCH (u:User) RETURN u ORDER BY u.name', []),
  createTrustChange: q(
    `OPTIONAL MATCH (prior:TrustChange {user_id: $user_id})
     WITH count(prior) AS n
     CREATE (t:TrustChange {user_id: $user_id, seq: n + 1, at: $at, actor_id: $actor_id, old_trust: $old_trust, new_trust: $new_trust, reason: $reason})`,
    ['user_id', 'at', 'actor_id', 'old_trust', 'new_trust', 'reason'],
  ),
  trustHistory: q(
    'MATCH (t:TrustChange {user_id: $user_id}) RETURN t.user_id AS user_id, t.at AS at, t.actor_id AS actor_id, t.old_trust AS old_trust, t.new_trust AS new_trust, t.reason AS reason ORDER BY t.seq',
    ['user_id'],
  ),
  createApiKey: q('CREATE (k:ApiKey) SET k = $props RETURN k', ['props']),
  apiKeyById: q('MATCH (k:ApiKey {id: $id}) RETURN k', ['id']),
  liveApiKeyByHash: q('MATCH (k:ApiKey {hash: $hash}) WHERE k.revoked_at IS NULL RETURN k', ['hash']),
  apiKeysOf: q('MATCH (k:ApiKey {user_id: $user_id}) RETURN k ORDER BY k.created_at, k.id', ['user_id']),
  updateApiKey: q('MATCH (k:ApiKey {id: $id}) SET k += $changes RETURN k', ['id', 'changes']),
  createRefreshToken: q('CREATE (t:RefreshToken) SET t = $props', ['props']),
  refreshTokenByHash: q('MATCH (t:RefreshToken {hash: $hash}) RETURN t', ['hash']),
  useRefreshToken: q('MATCH (t:RefreshToken {id: $id}) SET t.used_at = $at', ['id', 'at']),
  liveRefreshTokens: q('MATCH (t:RefreshToken {family_id: $family_id}) WHERE t.revoked_at IS NULL RETURN count(t) AS n', ['family_id']),
  revokeRefreshFamily: q('MATCH (t:RefreshToken {family_id: $family_id}) WHERE t.revoked_at IS NULL SET t.revoked_at = $at RETURN count(t) AS n', ['family_id', 'at']),

  // ---- audit ---------------------------------------------------------------------------------
  /** Writing the head takes its lock: appends are serialized, so the hash chain has one order. */
  lockAuditHead: q('MATCH (h:AuditHead {id: 1}) SET h.locks = coalesce(h.locks, 0) + 1 RETURN h.seq AS seq, h.hash AS hash', []),
  advanceAuditHead: q('MATCH (h:AuditHead {id: 1}) SET h.seq = $seq, h.hash = $hash', ['seq', 'hash']),
  auditByDedupeKey: q('MATCH (a:Audit {dedupe_key: $dedupe_key}) RETURN a', ['dedupe_key']),
  createAudit: q('CREATE (a:Audit) SET a = $props RETURN a', ['props']),
  listAudit: q(
    `MATCH (a:Audit)
     WHERE ($before_seq IS NULL OR a.seq < $before_seq) AND ($entity_id IS NULL OR a.entity_id = $entity_id) AND ($action IS NULL OR a.action = $action)
     RETURN a ORDER BY a.seq DESC LIMIT $limit`,
    ['before_seq', 'entity_id', 'action', 'limit'],
  ),
  // ---- governance ------------------------------------------------------------------------------
  createProposal: q('CREATE (p:Proposal) SET p = $props RETURN p', ['props']),
  proposalById: q('MATCH (p:Proposal {id: $id}) RETURN p', ['id']),
  listProposals: q('MATCH (p:Proposal) WHERE ($status IS NULL OR p.status = $status) RETURN p ORDER BY p.created_at DESC, p.id LIMIT $limit', ['status', 'limit']),
  updateProposal: q('MATCH (p:Proposal {id: $id}) SET p += $changes RETURN p', ['id', 'changes']),
  setProposalAnalysis: q('MATCH (p:Proposal {id: $id}) SET p.analysis = $analysis RETURN count(p) AS n', ['id', 'analysis']),
  castVote: q(
    `MERGE (v:Vote {key: $key})
     SET v.proposal_id = $proposal_id, v.voter_id = $voter_id, v.choice = $choice, v.weight = $weight, v.at = $at`,
    ['key', 'proposal_id', 'voter_id', 'choice', 'weight', 'at'],
  ),
  listVotes: q('MATCH (v:Vote) WHERE v.proposal_id = $proposal_id RETURN v ORDER BY v.at, v.voter_id', ['proposal_id']),
  setDelegation: q('MERGE (d:Delegation {delegator_id: $delegator_id}) SET d.delegate_id = $delegate_id, d.at = $at', ['delegator_id', 'delegate_id', 'at']),
  revokeDelegation: q('MATCH (d:Delegation {delegator_id: $delegator_id}) DELETE d', ['delegator_id']),
  listDelegations: q('MATCH (d:Delegation) RETURN d ORDER BY d.delegator_id', []),
  listSettings: q('MATCH (s:Setting) RETURN s.key AS key, s.value AS value', []),
  putSetting: q('MERGE (s:Setting {key: $key}) SET s.value = $value, s.updated_at = $at', ['key', 'value', 'at']),

  getCursor: q('OPTIONAL MATCH (c:Cursor {name: $name}) RETURN coalesce(c.value, 0) AS value', ['name']),
  advanceCursor: q('MERGE (c:Cursor {name: $name}) ON CREATE SET c.value = $value ON MATCH SET c.value = CASE WHEN c.value < $value THEN $value ELSE c.value END', [
    'name',
    'value',
  ]),
  auditAfter: q('MATCH (a:Audit) WHERE a.seq > $after RETURN a ORDER BY a.seq LIMIT $limit', ['after', 'limit']),

  // ---- events --------------------------------------------------------------------------------
  eventById: q('MATCH (e:Event {id: $id}) RETURN e', ['id']),
  /** Writing the head takes its lock: events get their sequence numbers in one order. */
  latestEventSeq: q('MATCH (h:EventHead {id: 1}) RETURN h.seq AS seq', []),
  nextEventSeq: q('MATCH (h:EventHead {id: 1}) SET h.seq = h.seq + 1 RETURN h.seq AS seq', []),
  createEvent: q('CREATE (e:Event) SET e = $props RETURN e', ['props']),
  listEvents: q(
    `MATCH (e:Event)
     WHERE ($after_seq IS NULL OR e.seq > $after_seq) AND ($kind IS NULL OR e.kind = $kind)
       AND ($cascade_id IS NULL OR e.cascade_id = $cascade_id) AND ($max_trust IS NULL OR e.trust_level <= $max_trust)
     RETURN e ORDER BY e.seq LIMIT $limit`,
    ['after_seq', 'kind', 'cascade_id', 'max_trust', 'limit'],
  ),
  markDelivered: q(
    `MERGE (d:Delivery {key: $key})
     ON CREATE SET d.event_id = $event_id, d.subscriber = $subscriber, d.delivered_at = $at, d.fresh = true
     ON MATCH SET d.fresh = false
     RETURN d.fresh AS fresh`,
    ['key', 'event_id', 'subscriber', 'at'],
  ),

  wasDelivered: q('MATCH (d:Delivery {key: $key}) RETURN count(d) AS n', ['key']),
  /** A cascade hop: (publisher)-[:TRIGGERED]->(subscriber), once per (event, subscriber). */
  createLink: q(
    `MERGE (s:Subscriber {key: $source})
     MERGE (t:Subscriber {key: $target})
     MERGE (s)-[l:TRIGGERED {key: $key}]->(t)
     ON CREATE SET l += $props`,
    ['source', 'target', 'key', 'props'],
  ),
  listCascadeLinks: q(
    `MATCH (s:Subscriber)-[l:TRIGGERED]->(t:Subscriber) WHERE l.cascade_id = $cascade_id
     RETURN l, s.key AS source, t.key AS target ORDER BY l.hop, l.at LIMIT 10000`,
    ['cascade_id'],
  ),
  triggeredTargets: q(
    `MATCH (s:Subscriber)-[l:TRIGGERED]->(t:Subscriber) WHERE s.key IN $sources AND l.outcome = 'delivered' AND l.trust_level <= $max_trust
     RETURN s.key AS source, t.key AS target, count(l) AS links ORDER BY source, target`,
    ['sources', 'max_trust'],
  ),

  // ---- copying a whole store in (forge migrate): each row MERGEd by its key, so a batch written twice is written once
  transferUsers: q('UNWIND $rows AS row MERGE (n:User {id: row.id}) ON CREATE SET n = row', ['rows']),
  transferTrustHistory: q('UNWIND $rows AS row MERGE (n:TrustChange {user_id: row.user_id, seq: row.seq}) ON CREATE SET n = row', ['rows']),
  transferApiKeys: q('UNWIND $rows AS row MERGE (n:ApiKey {id: row.id}) ON CREATE SET n = row', ['rows']),
  transferRefreshTokens: q('UNWIND $rows AS row MERGE (n:RefreshToken {id: row.id}) ON CREATE SET n = row', ['rows']),
  transferOverlays: q('UNWIND $rows AS row MERGE (n:Overlay {id: row.id}) ON CREATE SET n = row', ['rows']),
  transferCapsules: q('UNWIND $rows AS row MERGE (n:Capsule {id: row.id}) ON CREATE SET n = row', ['rows']),
  transferLineage: q(
    `UNWIND $rows AS row
     MATCH (child:Capsule {id: row.child_id})
     MATCH (parent:Capsule {id: row.parent_id})
     MERGE (child)-[e:DERIVED_FROM]->(parent)
       ON CREATE SET e.reason = row.reason, e.changes = row.changes, e.created_at = row.created_at`,
    ['rows'],
  ),
  transferRequests: q('UNWIND $rows AS row MERGE (n:Request {id: row.id}) ON CREATE SET n = row', ['rows']),
  transferAudit: q('UNWIND $rows AS row MERGE (n:Audit {seq: row.seq}) ON CREATE SET n = row', ['rows']),
  transferEvents: q('UNWIND $rows AS row MERGE (n:Event {id: row.id}) ON CREATE SET n = row', ['rows']),
  transferDeliveries: q('UNWIND $rows AS row MERGE (n:Delivery {key: row.key}) ON CREATE SET n = row', ['rows']),
  transferLinks: q(
    `UNWIND $rows AS row
     MERGE (s:Subscriber {key: row.source})
     MERGE (t:Subscriber {key: row.target})
     MERGE (s)-[l:TRIGGERED {key: row.key}]->(t)
     ON CREATE SET l += row.props`,
    ['rows'],
  ),
  transferProposals: q('UNWIND $rows AS row MERGE (n:Proposal {id: row.id}) ON CREATE SET n = row', ['rows']),
  transferVotes: q('UNWIND $rows AS row MERGE (n:Vote {key: row.key}) ON CREATE SET n = row', ['rows']),
  transferDelegations: q('UNWIND $rows AS row MERGE (n:Delegation {delegator_id: row.delegator_id}) ON CREATE SET n = row', ['rows']),
  transferSettings: q('UNWIND $rows AS row MERGE (n:Setting {key: row.key}) ON CREATE SET n = row', ['rows']),
  transferCursors: q('UNWIND $rows AS row MERGE (n:Cursor {name: row.name}) ON CREATE SET n = row', ['rows']),
  transferProgress: q('OPTIONAL MATCH (p:TransferProgress {id: 1}) RETURN p.source AS source, p.done AS done, p.finished AS finished', []),
  saveTransferProgress: q('MERGE (p:TransferProgress {id: 1}) SET p.source = $source, p.done = $done, p.finished = $finished', ['source', 'done', 'finished']),
  /** Anything but the schema's own bookkeeping: the chain and event heads, the migrations, a copy's progress. */
  holdsData: q('RETURN EXISTS { MATCH (n) WHERE NOT (n:ForgeMigration OR n:AuditHead OR n:EventHead OR n:TransferProgress) } AS any', []),
  /** Run outside a transaction (it commits in batches). */
  clearData: q('MATCH (n) WHERE NOT (n:ForgeMigration OR n:AuditHead OR n:EventHead) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS', []),
  resetHeads: q('MATCH (a:AuditHead {id: 1}) MATCH (e:EventHead {id: 1}) SET a.seq = $seq, a.hash = $hash, e.seq = $event_seq', ['seq', 'hash', 'event_seq']),
  maxEventSeq: q('MATCH (e:Event) RETURN coalesce(max(e.seq), 0) AS seq', []),
  transferCounts: q(
    `RETURN COUNT { (:User) } AS users, COUNT { (:TrustChange) } AS trust_history, COUNT { (:ApiKey) } AS api_keys,
       COUNT { (:RefreshToken) } AS refresh_tokens, COUNT { (:Overlay) } AS overlays, COUNT { (:Capsule) } AS capsules,
       COUNT { ()-[:DERIVED_FROM]->() } AS lineage, COUNT { (:Request) } AS requests, COUNT { (:Audit) } AS audit,
       COUNT { (:Event) } AS events, COUNT { (:Delivery) } AS deliveries, COUNT { ()-[:TRIGGERED]->() } AS cascade_links,
       COUNT { (:Proposal) } AS proposals, COUNT { (:Vote) } AS votes, COUNT { (:Delegation) } AS delegations,
       COUNT { (:Setting) } AS settings, COUNT { (:Cursor) } AS cursors`,
    [],
  ),

  stats: q('RETURN COUNT { (c:Capsule) } AS capsules, COUNT { (r:Request) } AS requests, COUNT { (a:Audit) } AS audit_entries', []),
} as const;

/** Every property the statements read or write, by label: the parser check flags any other. */
export const PROPERTY_KEYS = [
  // Capsule
  'id',
  'content',
  'type',
  'version',
  'parent_id',
  'owner_id',
  'trust_level',
  'metadata',
  'tags',
  'thread',
  'thread_position',
  'thread_written',
  'tags_text',
  'created_at',
  'updated_at',
  'archived',
  'superseded_by',
  'embedding',
  'passage_embeddings',
  'embedding_model',
  'terms',
  'terms_length',
  'stale_reason',
  'stale_at',
  'stale_source',
  // TermLevel, LevelDocs
  'term',
  'docs',
  'tokens',
  // DERIVED_FROM
  'reason',
  'changes',
  // Request
  'status',
  'correlation_id',
  'caller_id',
  'idempotency_key',
  'finished_at',
  'error',
  // Overlay
  'name',
  'name_version',
  'state',
  'capabilities',
  'phases',
  // TrustChange, ApiKey, RefreshToken
  'user_id',
  'seq',
  'at',
  'actor_id',
  'old_trust',
  'new_trust',
  'hash',
  'revoked_at',
  'used_at',
  'family_id',
  // Audit
  'dedupe_key',
  'entity_id',
  'action',
  'locks',
  // Event, Delivery
  'kind',
  'payload',
  'source',
  'cascade_id',
  'hop',
  'key',
  'event_id',
  'subscriber',
  'delivered_at',
  'fresh',
  'visited',
  // Cursor, Setting
  'value',
  // Proposal, Vote, Delegation
  'title',
  'description',
  'proposer_id',
  'opened_at',
  'closes_at',
  'closed_at',
  'tally',
  'analysis',
  'execution',
  'proposal_id',
  'voter_id',
  'choice',
  'weight',
  'delegator_id',
  'delegate_id',
  // Subscriber, TRIGGERED
  'target_id',
  'payload_digest',
  'outcome',
  // a copy's rows (transfer*), its progress
  'target',
  'row',
  'rows',
  'child_id',
  'props',
  'done',
  'finished',
  // schema views
  'options',
  'indexConfig',
] as const;
