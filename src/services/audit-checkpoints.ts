import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AuditCheckpoint, AuditCheckpointStore } from '../fleet/fleet-state.js';
import type { GraphStore } from '../store/graph-store.js';

/** What verifying the audit log found: the chain itself, and the chain against its last checkpoint. */
export interface AuditVerification {
  readonly ok: boolean;
  /** Entries whose hash chain was recomputed. */
  readonly checked: number;
  /** The first entry whose hash does not follow from its predecessor's. */
  readonly broken_at: number | null;
  readonly checkpoint: { readonly seq: number; readonly hash: string; readonly at: string; readonly signature_valid: boolean } | null;
  /** Each finding, in words (empty when ok). */
  readonly problems: readonly string[];
}

/**
 * Tamper evidence beyond the hash chain. The chain alone detects an entry edited in place, but not one
 * edited with every later hash recomputed, nor a deleted tail. So the chain's head (seq and hash) is
 * checkpointed where the graph store cannot write — the fleet state (Redis) — signed with a key from
 * config, and only ever forward: a rewritten or shortened chain no longer contains the checkpointed head.
 * Undetected: changes to entries written after the last checkpoint (at most one interval), and anyone
 * holding the key and write access to both stores.
 */
export class AuditCheckpoints {
  private readonly store: Pick<GraphStore, 'listAudit' | 'verifyAudit'>;
  private readonly checkpoints: AuditCheckpointStore;
  private readonly key: Uint8Array;
  private timer: NodeJS.Timeout | undefined;
  private lastSeq = -1;
  private running: Promise<unknown> = Promise.resolve();

  constructor(deps: { store: Pick<GraphStore, 'listAudit' | 'verifyAudit'>; checkpoints: AuditCheckpointStore; key: Uint8Array }) {
    this.store = deps.store;
    this.checkpoints = deps.checkpoints;
    this.key = deps.key;
  }

  private sign(fields: Omit<AuditCheckpoint, 'signature'>): string {
    return createHmac('sha256', this.key).update(`forge-audit-checkpoint\n${fields.seq}\n${fields.hash}\n${fields.at}`).digest('hex');
  }

  private signatureValid(cp: AuditCheckpoint): boolean {
    const expected = Buffer.from(this.sign(cp), 'hex');
    const given = Buffer.from(cp.signature, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  /** The entry at `seq`, if it is still there. */
  private async entryAt(seq: number) {
    const [entry] = await this.store.listAudit({ limit: 1, before_seq: seq + 1 });
    return entry?.seq === seq ? entry : null;
  }

  /**
   * Checkpoints the chain's current head, unless the last checkpoint no longer matches the chain (then the
   * evidence is kept, not overwritten). Returns the checkpoint stored, or null.
   */
  async checkpoint(): Promise<AuditCheckpoint | null> {
    const [head] = await this.store.listAudit({ limit: 1 });
    if (!head) return null;
    const last = await this.checkpoints.read();
    if (last && last.seq >= head.seq) return null;
    if (last && (await this.entryAt(last.seq))?.hash !== last.hash) {
      console.error(`[forge] audit log does not contain its checkpointed entry ${last.seq}: the checkpoint is kept; run forge audit verify`);
      return null;
    }
    const fields = { seq: head.seq, hash: head.hash, at: new Date().toISOString() };
    const checkpoint = { ...fields, signature: this.sign(fields) };
    return (await this.checkpoints.advance(checkpoint)) ? checkpoint : null;
  }

  /** Checkpoints every `intervalMs` while entries are added; `stop` takes a last one. */
  start(intervalMs: number): void {
    this.timer ??= setInterval(() => {
      this.running = this.running
        .then(async () => {
          const [head] = await this.store.listAudit({ limit: 1 });
          if (head && head.seq !== this.lastSeq) {
            this.lastSeq = head.seq;
            await this.checkpoint();
          }
        })
        .catch((err: unknown) => console.error(`[forge] audit checkpoint failed: ${err instanceof Error ? err.message : String(err)}`));
    }, intervalMs).unref();
  }

  async stop(): Promise<void> {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    await this.checkpoint().catch(() => null);
  }

  /** The chain recomputed, and checked against the signed checkpoint. */
  async verify(): Promise<AuditVerification> {
    const chain = await this.store.verifyAudit();
    const problems: string[] = [];
    if (!chain.ok) problems.push(`entry ${chain.broken_at} does not follow from its predecessor (edited or removed)`);
    const cp = await this.checkpoints.read();
    let signatureValid = false;
    if (cp) {
      signatureValid = this.signatureValid(cp);
      if (!signatureValid) problems.push(`the checkpoint's signature is not valid: it was not written with this audit key`);
      const entry = await this.entryAt(cp.seq);
      if (!entry) problems.push(`entry ${cp.seq}, checkpointed at ${cp.at}, is missing: the log was truncated`);
      else if (entry.hash !== cp.hash) problems.push(`entry ${cp.seq} has a different hash than was checkpointed at ${cp.at}: the log was rewritten`);
    }
    return {
      ok: problems.length === 0,
      checked: chain.checked,
      broken_at: chain.broken_at,
      checkpoint: cp ? { seq: cp.seq, hash: cp.hash, at: cp.at, signature_valid: signatureValid } : null,
      problems,
    };
  }
}
