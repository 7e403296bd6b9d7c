/**
 * Versioned schema migrations for the SQLite graph store. `PRAGMA user_version` holds the number of the
 * last one applied. Append new migrations; never edit one that has shipped.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: capsules, lineage, full-text index, requests, audit log
  `
  CREATE TABLE capsules (
    id TEXT PRIMARY KEY,
    content TEXT NOT NULL,
    type TEXT NOT NULL,
    version TEXT NOT NULL,
    parent_id TEXT REFERENCES capsules(id),
    owner_id TEXT NOT NULL,
    trust_level INTEGER NOT NULL CHECK (trust_level BETWEEN 0 AND 100),
    embedding BLOB NOT NULL,
    metadata TEXT NOT NULL DEFAULT '{}',
    tags TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    archived INTEGER NOT NULL DEFAULT 0,
    superseded_by TEXT REFERENCES capsules(id)
  );
  CREATE INDEX capsules_by_time ON capsules(created_at DESC, id DESC);
  CREATE INDEX capsules_by_owner ON capsules(owner_id);
  CREATE INDEX capsules_by_type ON capsules(type);
  CREATE TABLE capsule_tags (
    tag TEXT NOT NULL,
    capsule_id TEXT NOT NULL REFERENCES capsules(id),
    PRIMARY KEY (tag, capsule_id)
  ) WITHOUT ROWID;
  CREATE TABLE derived_from (
    child_id TEXT NOT NULL REFERENCES capsules(id),
    parent_id TEXT NOT NULL REFERENCES capsules(id),
    reason TEXT NOT NULL,
    changes TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    PRIMARY KEY (child_id, parent_id)
  ) WITHOUT ROWID;
  CREATE INDEX derived_from_by_parent ON derived_from(parent_id);
  CREATE VIRTUAL TABLE capsule_fts USING fts5(content, tags, tokenize = 'porter unicode61');
  CREATE TABLE requests (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    correlation_id TEXT NOT NULL,
    caller_id TEXT NOT NULL,
    caller TEXT NOT NULL,
    query TEXT NOT NULL,
    required_trust INTEGER NOT NULL,
    save_as_capsule INTEGER NOT NULL,
    metadata TEXT NOT NULL,
    idempotency_key TEXT,
    answer TEXT,
    citations TEXT NOT NULL DEFAULT '[]',
    phase_timings TEXT NOT NULL DEFAULT '{}',
    result TEXT NOT NULL DEFAULT '{}',
    error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    finished_at TEXT
  );
  CREATE UNIQUE INDEX requests_by_idempotency_key ON requests(caller_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
  CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    at TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    action TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    details TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    dedupe_key TEXT UNIQUE
  );
  CREATE INDEX audit_by_entity ON audit_log(entity_id);
  `,
  // 2: overlays
  `
  CREATE TABLE overlays (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    version TEXT NOT NULL,
    state TEXT NOT NULL,
    state_reason TEXT,
    manifest TEXT NOT NULL,
    manifest_text TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    blob_key TEXT NOT NULL,
    wasm_size INTEGER NOT NULL,
    imports TEXT NOT NULL,
    trust_level INTEGER NOT NULL CHECK (trust_level BETWEEN 0 AND 100),
    submitted_by TEXT NOT NULL,
    config TEXT NOT NULL DEFAULT '{}',
    activated_at TEXT,
    expires_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (name, version)
  );
  CREATE INDEX overlays_by_state ON overlays(state);
  `,
  // 3: users, their trust history and API keys
  `
  CREATE TABLE users (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('reader', 'contributor', 'operator', 'admin')),
    trust_level INTEGER NOT NULL CHECK (trust_level BETWEEN 0 AND 100),
    password_hash TEXT,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE trust_history (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id TEXT NOT NULL REFERENCES users(id),
    at TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    old_trust INTEGER NOT NULL,
    new_trust INTEGER NOT NULL,
    reason TEXT NOT NULL
  );
  CREATE INDEX trust_history_by_user ON trust_history(user_id, seq);
  CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    label TEXT NOT NULL,
    prefix TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at TEXT
  );
  CREATE INDEX api_keys_by_user ON api_keys(user_id);
  `,
  // 4: refresh tokens, in families (one per login): a reused token revokes its family
  `
  CREATE TABLE refresh_tokens (
    id TEXT PRIMARY KEY,
    family_id TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id),
    hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT,
    revoked_at TEXT
  );
  CREATE INDEX refresh_tokens_by_family ON refresh_tokens(family_id);
  `,
  // 5: a second factor for password logins
  `
  ALTER TABLE users ADD COLUMN totp_secret TEXT;
  ALTER TABLE users ADD COLUMN totp_enabled INTEGER NOT NULL DEFAULT 0;
  `,
  // 6: a counter every change to capsules bumps, from any connection: in-process search caches check it
  `
  CREATE TABLE capsule_generation (id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL);
  INSERT INTO capsule_generation (id, n) VALUES (1, 0);
  CREATE TRIGGER capsules_bump_on_insert AFTER INSERT ON capsules BEGIN UPDATE capsule_generation SET n = n + 1 WHERE id = 1; END;
  CREATE TRIGGER capsules_bump_on_update AFTER UPDATE ON capsules BEGIN UPDATE capsule_generation SET n = n + 1 WHERE id = 1; END;
  CREATE TRIGGER capsules_bump_on_delete AFTER DELETE ON capsules BEGIN UPDATE capsule_generation SET n = n + 1 WHERE id = 1; END;
  `,
  // 7: which model embedded each capsule, and a sequence every (re-)embedding advances: the vector index
  // follows it, and a changed model finds what to re-embed
  `
  ALTER TABLE capsules ADD COLUMN embedding_model TEXT NOT NULL DEFAULT '';
  ALTER TABLE capsules ADD COLUMN embedding_seq INTEGER NOT NULL DEFAULT 0;
  UPDATE capsules SET embedding_seq = rowid;
  CREATE INDEX capsules_by_embedding_seq ON capsules(embedding_seq);
  `,
  // 8: full-text segments merged once a level holds 4 (not 16): a small store is searched over a few
  // segments instead of one per insert (111 → 67 µs a query at a dozen capsules; at 100k the same), then
  // the existing segments merged once
  `
  INSERT INTO capsule_fts(capsule_fts, rank) VALUES ('crisismerge', 4);
  INSERT INTO capsule_fts(capsule_fts) VALUES ('optimize');
  `,
  // 9: the event log (typed, trust-levelled, in cascades) and which subscriber handled which event
  `
  CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    trust_level INTEGER NOT NULL,
    source TEXT NOT NULL,
    correlation_id TEXT,
    cascade_id TEXT NOT NULL,
    hop INTEGER NOT NULL,
    parent_id TEXT,
    created_at TEXT NOT NULL
  );
  CREATE INDEX events_by_cascade ON events(cascade_id, seq);
  CREATE INDEX events_by_kind ON events(kind, seq);
  CREATE TABLE event_deliveries (
    event_id TEXT NOT NULL,
    subscriber TEXT NOT NULL,
    delivered_at TEXT NOT NULL,
    PRIMARY KEY (event_id, subscriber)
  ) WITHOUT ROWID;
  `,
  // 10: capsules by embedding model, so re-embedding finds each batch of stale ones without a scan
  `
  CREATE INDEX capsules_by_embedding_model ON capsules(embedding_model);
  `,
  // 11: cascades — each event's path, and every hop (TRIGGERED link) delivered or stopped
  `
  ALTER TABLE events ADD COLUMN visited TEXT NOT NULL DEFAULT '[]';
  CREATE TABLE cascade_links (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL,
    cascade_id TEXT NOT NULL,
    hop INTEGER NOT NULL,
    kind TEXT NOT NULL,
    source TEXT NOT NULL,
    target TEXT NOT NULL,
    target_id TEXT,
    payload_digest TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('delivered', 'stopped')),
    reason TEXT,
    trust_level INTEGER NOT NULL,
    at TEXT NOT NULL,
    UNIQUE (event_id, target)
  );
  CREATE INDEX cascade_links_by_cascade ON cascade_links(cascade_id, seq);
  CREATE INDEX cascade_links_by_source ON cascade_links(source, outcome, target);
  `,
  // 12: named positions kept with the data (how far the audit log has been turned into events)
  `
  CREATE TABLE cursors (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
  `,
  // 13: governance — proposals, votes (one per user, changeable while voting), delegations, governed settings
  `
  CREATE TABLE proposals (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    kind TEXT NOT NULL,
    action TEXT NOT NULL,
    proposer_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'voting', 'closed')),
    outcome TEXT CHECK (outcome IN ('passed', 'rejected', 'expired')),
    created_at TEXT NOT NULL,
    opened_at TEXT,
    closes_at TEXT,
    closed_at TEXT,
    tally TEXT,
    analysis TEXT,
    execution TEXT
  ) WITHOUT ROWID;
  CREATE INDEX proposals_by_status ON proposals(status, created_at);
  CREATE TABLE votes (
    proposal_id TEXT NOT NULL REFERENCES proposals(id),
    voter_id TEXT NOT NULL,
    choice TEXT NOT NULL CHECK (choice IN ('for', 'against', 'abstain')),
    weight INTEGER NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (proposal_id, voter_id)
  ) WITHOUT ROWID;
  CREATE TABLE delegations (
    delegator_id TEXT PRIMARY KEY,
    delegate_id TEXT NOT NULL,
    at TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at TEXT NOT NULL) WITHOUT ROWID;
  `,
  // 14: recent requests, everyone's and each caller's, newest first (the dashboard's list).
  `
  CREATE INDEX requests_by_created ON requests(created_at);
  CREATE INDEX requests_by_caller_created ON requests(caller_id, created_at);
  `,
  // 15: text statistics per trust level, so a reader's BM25 counts only what it may read (filled for the
  // capsules already there by SqliteGraphStore.open)
  `
  CREATE TABLE capsule_terms (rowid INTEGER PRIMARY KEY, length INTEGER NOT NULL, terms TEXT NOT NULL);
  CREATE TABLE term_levels (term TEXT NOT NULL, trust_level INTEGER NOT NULL, docs INTEGER NOT NULL, PRIMARY KEY (term, trust_level)) WITHOUT ROWID;
  CREATE TABLE level_docs (trust_level INTEGER PRIMARY KEY, docs INTEGER NOT NULL, tokens INTEGER NOT NULL);
  `,
  // 16: derived knowledge that no longer follows its sources (stale), marked in the transaction that moved them
  `
  ALTER TABLE capsules ADD COLUMN stale_reason TEXT;
  ALTER TABLE capsules ADD COLUMN stale_at TEXT;
  ALTER TABLE capsules ADD COLUMN stale_source TEXT;
  `,
  // 17: the vectors of a capsule's passages (its sentences), float32 one after another, for late
  // interaction; a table of their own keeps capsule rows small (the text side reads those)
  `
  CREATE TABLE capsule_passages (rowid INTEGER PRIMARY KEY, vectors BLOB NOT NULL);
  `,
  // 18: capsules by their place in a thread (metadata.thread, metadata.position): a new turn finds the one before it
  `
  CREATE INDEX capsules_by_thread ON capsules(json_extract(metadata, '$.thread'), json_extract(metadata, '$.position'))
    WHERE json_extract(metadata, '$.thread') IS NOT NULL;
  `,
];
