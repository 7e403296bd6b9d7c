import { createHash } from 'node:crypto';
import { ConflictError } from '../errors.js';
import { OverlayManifest } from '../overlays/manifest.js';
import { uuidV7 } from '../util/ids.js';
import type { AuditEntry, Capsule, CapsulePatch, ForkInput, MutationContext, NewAuditEntry, NewCapsule, ProposalChange, ProposalStatus } from './graph-store.js';

/** What every graph store adapter shares: the audit chain's hashing, list cursors, stored manifests. */

export const GENESIS_HASH = '0'.repeat(64);

/** An audit entry's hash: its fields chained to the previous entry's hash. */
export function auditHash(prev: string, e: Omit<AuditEntry, 'seq' | 'hash' | 'prev_hash'>): string {
  return createHash('sha256')
    .update(prev)
    .update('\n')
    .update(JSON.stringify([e.id, e.at, e.actor_id, e.action, e.entity_type, e.entity_id, e.details]))
    .digest('hex');
}

/** The next entry of the chain after `prev` (its store assigns `seq`). */
export function chainedAuditEntry(prev: string, entry: NewAuditEntry, at: string): Omit<AuditEntry, 'seq'> {
  const base = {
    id: uuidV7(),
    at,
    actor_id: entry.actor_id,
    action: entry.action,
    entity_type: entry.entity_type,
    entity_id: entry.entity_id,
    details: entry.details ?? {},
  };
  return { ...base, prev_hash: prev, hash: auditHash(prev, base) };
}

/** Walks a chain in `seq` order: `add` says whether each entry follows from the ones before it. */
export class AuditChainCheck {
  private prev = GENESIS_HASH;
  checked = 0;

  add(entry: AuditEntry): boolean {
    if (entry.prev_hash !== this.prev || auditHash(this.prev, entry) !== entry.hash) return false;
    this.prev = entry.hash;
    this.checked++;
    return true;
  }
}

/** An opaque cursor for lists ordered by (created_at, id), newest first. */
export function encodeCursor(row: { created_at: string; id: string }): string {
  return Buffer.from(JSON.stringify([row.created_at, row.id])).toString('base64url');
}

/** @throws ConflictError for a cursor no store issued */
export function decodeCursor(cursor: string): [string, string] {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as unknown;
    if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'string')) return value as [string, string];
  } catch {
    // fall through
  }
  throw new ConflictError('cursor', cursor, 'not a cursor this store issued');
}

/**
 * Manifests are stored after validation at registration and parsed again on read, so the type is earned,
 * not asserted. A stored manifest never changes, so each text is parsed once (overlays are read on every
 * invocation); the cache is bounded by the number of registered versions.
 */
const manifests = new Map<string, OverlayManifest>();
export function manifestOf(stored: string): OverlayManifest {
  let manifest = manifests.get(stored);
  if (!manifest) {
    manifest = OverlayManifest.parse(JSON.parse(stored));
    manifests.set(stored, manifest);
  }
  return manifest;
}

/** The embedding a new version or fork keeps when its content does not change. */
type KeptEmbedding = () => { embedding: Float32Array; passage_embeddings: readonly Float32Array[]; embedding_model: string };

/**
 * The new version an update writes: the current capsule with `patch` applied, at `version`, DERIVED_FROM
 * the current one with the fields that changed (and trust or owner moves) on the edge.
 */
/** The one audit entry of a staleness mark: the roots, why, what replaced them, and what was marked. */
export function staleAuditEntry(roots: readonly string[], reason: string, sourceId: string | null, marked: readonly string[], ctx: MutationContext): NewAuditEntry {
  return {
    actor_id: ctx.actor_id,
    action: 'capsule.stale',
    entity_type: 'capsule',
    entity_id: roots[0] as string,
    details: { reason, source_id: sourceId, roots: [...roots], marked: marked.slice(0, 1000), count: marked.length },
  };
}

export function newVersionOf(previous: Capsule, patch: CapsulePatch, version: string, kept: KeptEmbedding): NewCapsule {
  const changes: string[] = [];
  if (patch.content !== undefined && patch.content !== previous.content) changes.push('content');
  if (patch.type !== undefined && patch.type !== previous.type) changes.push('type');
  if (patch.trust_level !== undefined && patch.trust_level !== previous.trust_level) changes.push('trust_level');
  if (patch.owner_id !== undefined && patch.owner_id !== previous.owner_id) changes.push('owner');
  if (patch.metadata !== undefined) changes.push('metadata');
  if (patch.tags !== undefined) changes.push('tags');
  return {
    content: patch.content ?? previous.content,
    ...(patch.embedding ? { embedding: patch.embedding, passage_embeddings: patch.passage_embeddings ?? [], embedding_model: patch.embedding_model ?? '' } : kept()),
    type: patch.type ?? previous.type,
    version,
    owner_id: patch.owner_id ?? previous.owner_id,
    trust_level: patch.trust_level ?? previous.trust_level,
    metadata: patch.metadata ?? previous.metadata,
    tags: patch.tags ?? previous.tags,
    derived_from: [
      {
        parent_id: previous.id,
        reason: patch.reason ?? 'update',
        changes: {
          fields: changes,
          from_version: previous.version,
          ...(changes.includes('trust_level') ? { trust_from: previous.trust_level, trust_to: patch.trust_level ?? previous.trust_level } : {}),
          ...(changes.includes('owner') ? { previous_owner: previous.owner_id } : {}),
        },
      },
      ...(patch.sources ?? []),
    ],
  };
}

/** The capsule a fork writes: a new line at 1.0.0 DERIVED_FROM the source. */
export function forkOf(source: Capsule, input: ForkInput, kept: KeptEmbedding): NewCapsule {
  return {
    content: input.content ?? source.content,
    ...(input.embedding ? { embedding: input.embedding, passage_embeddings: input.passage_embeddings ?? [], embedding_model: input.embedding_model ?? '' } : kept()),
    type: source.type,
    version: '1.0.0',
    owner_id: input.owner_id,
    trust_level: input.trust_level ?? source.trust_level,
    metadata: input.metadata ?? source.metadata,
    tags: input.tags ?? source.tags,
    derived_from: [{ parent_id: source.id, reason: input.reason ?? 'fork', changes: { forked_from_version: source.version } }],
  };
}

/** The audit action of a proposal's change: its new status when it moved, else its execution's state. */
export function proposalAction(from: ProposalStatus, change: Omit<ProposalChange, 'from'>): string {
  if (change.status && change.status !== from) return `proposal.${change.status}`;
  return change.execution ? `proposal.execution.${String(change.execution.state)}` : 'proposal.update';
}
