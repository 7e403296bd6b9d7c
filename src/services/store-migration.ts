import { MigrationIncompleteError, MigrationRefusedError } from '../errors.js';
import type { GraphStore } from '../store/graph-store.js';
import { TRANSFER_KINDS, type TransferKind, type TransferSource, type TransferTarget } from '../store/transfer.js';

/** Where a copy stands, after each batch. */
export interface MigrationStep {
  readonly kind: TransferKind;
  /** Records of this kind copied so far, and in all. */
  readonly done: number;
  readonly total: number;
  /** Records of every kind copied so far (this run and runs before it), and in all. */
  readonly all_done: number;
  readonly all_total: number;
  /** Records copied per second in this run. */
  readonly rate: number;
}

export interface MigrationReport {
  readonly source: string;
  /** How the run began: a fresh copy, one taken up where a run before stopped, or one already finished. */
  readonly start: 'fresh' | 'resumed' | 'finished_before';
  readonly counts: Readonly<Record<TransferKind, { source: number; target: number }>>;
  readonly copied: number;
  readonly seconds: number;
  /** The target's audit chain recomputed after the copy, and its head, which is the source's. */
  readonly audit: { readonly ok: boolean; readonly checked: number; readonly seq: number; readonly hash: string };
}

export interface MigrationOptions {
  readonly source: TransferSource;
  readonly target: TransferTarget;
  /** The target as a store, to verify its audit chain after the copy. */
  readonly targetStore: Pick<GraphStore, 'verifyAudit'>;
  /** Deletes what the target holds first (never implied: a target with other data is refused). */
  readonly replace?: boolean;
  /** @defaultValue 500 */
  readonly batchSize?: number;
  readonly onProgress?: (step: MigrationStep) => void;
}

/**
 * Copies a store into another, every record as it was written (ids, times, sequence numbers, hashes), in
 * batches, each with the copy's progress in the same target transaction: a run stopped anywhere (a crash, a
 * kill, a lost connection) is taken up where it stopped by running it again, and a batch written twice is
 * written once. A target holding anything but a copy of this same source is refused unless `replace`.
 * Afterwards every kind's count is compared and the target's audit chain recomputed; a copy that does not
 * match throws MigrationIncompleteError.
 */
export async function migrateStore(options: MigrationOptions): Promise<MigrationReport> {
  const { source, target } = options;
  const batch = options.batchSize ?? 500;
  const started = Date.now();
  const identity = await source.identity();
  let progress = await target.progress();
  if (options.replace) {
    await target.clear();
    progress = null;
  } else if (progress && progress.source !== identity) {
    throw new MigrationRefusedError(`the target holds a copy of another store (${progress.source}, not ${identity}); to overwrite it, run again with --replace`);
  } else if (!progress && !(await target.isEmpty())) {
    throw new MigrationRefusedError('the target already holds data that is not a copy of this store; to delete it and copy this store, run again with --replace');
  }
  const head = await source.auditHead();
  const start: MigrationReport['start'] = progress?.finished ? 'finished_before' : progress ? 'resumed' : 'fresh';

  const totals = Object.fromEntries(await Promise.all(TRANSFER_KINDS.map(async (k) => [k, await source.count(k)] as const))) as Record<TransferKind, number>;
  const allTotal = TRANSFER_KINDS.reduce((sum, k) => sum + totals[k], 0);
  const done = Object.fromEntries(TRANSFER_KINDS.map((k) => [k, Math.min(progress?.done[k] ?? 0, totals[k])])) as Record<TransferKind, number>;
  let copied = 0;
  if (start !== 'finished_before') {
    for (const kind of TRANSFER_KINDS) {
      // Each kind records its progress at least once, so a resumed run knows it was reached.
      do {
        const records = await source.read(kind, done[kind], batch);
        await target.write(kind, records, { source: identity, done: done[kind] + records.length });
        done[kind] += records.length;
        copied += records.length;
        const allDone = TRANSFER_KINDS.reduce((sum, k) => sum + done[k], 0);
        options.onProgress?.({
          kind,
          done: done[kind],
          total: totals[kind],
          all_done: allDone,
          all_total: allTotal,
          rate: Math.round(copied / Math.max(0.001, (Date.now() - started) / 1000)),
        });
        if (records.length < batch) break;
      } while (done[kind] < totals[kind]);
    }
    await target.finish(identity, head);
  }

  const copiedCounts = await target.counts();
  const counts = Object.fromEntries(TRANSFER_KINDS.map((k) => [k, { source: totals[k], target: copiedCounts[k] }] as const)) as Record<
    TransferKind,
    { source: number; target: number }
  >;
  const chain = await options.targetStore.verifyAudit();
  const mismatches = TRANSFER_KINDS.filter((k) => counts[k].source !== counts[k].target).map((k) => ({ kind: k, ...counts[k] }));
  if (mismatches.length) {
    throw new MigrationIncompleteError(`the copy does not match its source: ${mismatches.map((m) => `${m.kind} ${m.target} of ${m.source}`).join(', ')}`, mismatches);
  }
  if (!chain.ok || chain.checked !== head.seq) {
    throw new MigrationIncompleteError(
      `the copied audit chain does not verify: ${chain.ok ? `${chain.checked} entries chained, the source has ${head.seq}` : `entry ${chain.broken_at} does not follow from its predecessor`}`,
      [{ kind: 'audit', source: head.seq, target: chain.checked }],
    );
  }
  return { source: identity, start, counts, copied, seconds: (Date.now() - started) / 1000, audit: { ok: true, checked: chain.checked, seq: head.seq, hash: head.hash } };
}
