import type { ManagedTransaction, Session } from 'neo4j-driver';
import { threadPlaceOf } from '../../search/fusion.js';
import { GENESIS_HASH } from '../records.js';
import { TRANSFER_KINDS, type TransferKind, type TransferProgress, type TransferRecords, type TransferTarget } from '../transfer.js';
import { CYPHER, type Statement } from './cypher.js';
import { cypherParams, deliveryKey } from './params.js';

type Row = Record<string, unknown>;

const json = (v: unknown): string => JSON.stringify(v);
const jsonOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));

/**
 * Each kind's statement and how a record becomes the properties the store's own writes give it (the
 * store's readers then read a copied record exactly as one it wrote).
 */
const WRITES: { readonly [K in TransferKind]: { readonly statement: Statement<'rows'>; readonly row: (r: TransferRecords[K]) => Row } } = {
  users: {
    statement: CYPHER.transferUsers,
    row: ({ has_password: _derived, ...u }) => u,
  },
  trust_history: { statement: CYPHER.transferTrustHistory, row: (t) => ({ ...t }) },
  api_keys: { statement: CYPHER.transferApiKeys, row: (k) => ({ ...k }) },
  refresh_tokens: { statement: CYPHER.transferRefreshTokens, row: (t) => ({ ...t }) },
  overlays: {
    statement: CYPHER.transferOverlays,
    row: (o) => ({
      ...o,
      name_version: `${o.name}@${o.version}`,
      manifest: json(o.manifest),
      capabilities: o.manifest.capabilities.map((c) => c.name),
      phases: [...o.manifest.phases],
      imports: json(o.imports),
      config: json(o.config),
    }),
  },
  capsules: {
    statement: CYPHER.transferCapsules,
    // The term counts are left unset: the target counts them when the copy finishes (once, however often a
    // batch was written).
    row: ({ stale, written, passage_embeddings, metadata, tags, ...c }) => {
      const thread = threadPlaceOf(metadata);
      return {
        ...c,
        metadata: json(metadata),
        tags: [...tags],
        tags_text: tags.join(' '),
        thread: thread?.thread ?? null,
        thread_position: thread?.position ?? null,
        // Written before anything written after the copy (those take the time in microseconds).
        thread_written: thread ? written : null,
        passage_embeddings: passage_embeddings.length ? passage_embeddings.flat() : null,
        stale_reason: stale?.reason ?? null,
        stale_at: stale?.since ?? null,
        stale_source: stale?.source_id ?? null,
      };
    },
  },
  lineage: { statement: CYPHER.transferLineage, row: (e) => ({ ...e, changes: json(e.changes) }) },
  requests: {
    statement: CYPHER.transferRequests,
    row: (r) => ({
      ...r,
      caller_id: r.caller.id,
      caller: json(r.caller),
      metadata: json(r.metadata),
      citations: [...r.citations],
      phase_timings: json(r.phase_timings),
      result: json(r.result),
      error: jsonOrNull(r.error),
    }),
  },
  audit: { statement: CYPHER.transferAudit, row: (a) => ({ ...a, details: json(a.details) }) },
  events: { statement: CYPHER.transferEvents, row: (e) => ({ ...e, payload: json(e.payload), source: json(e.source), visited: [...e.visited] }) },
  deliveries: { statement: CYPHER.transferDeliveries, row: (d) => ({ ...d, key: deliveryKey(d.event_id, d.subscriber), fresh: false }) },
  cascade_links: {
    statement: CYPHER.transferLinks,
    row: ({ source, target, ...rest }) => ({ source, target, key: deliveryKey(rest.event_id, target), props: rest }),
  },
  proposals: {
    statement: CYPHER.transferProposals,
    row: (p) => ({ ...p, action: json(p.action), tally: jsonOrNull(p.tally), analysis: jsonOrNull(p.analysis), execution: jsonOrNull(p.execution) }),
  },
  votes: { statement: CYPHER.transferVotes, row: (v) => ({ ...v, key: deliveryKey(v.proposal_id, v.voter_id) }) },
  delegations: { statement: CYPHER.transferDelegations, row: (d) => ({ ...d }) },
  settings: { statement: CYPHER.transferSettings, row: (s) => ({ ...s, value: json(s.value) }) },
  cursors: { statement: CYPHER.transferCursors, row: (c) => ({ ...c }) },
};

export interface Neo4jTransferDeps {
  read<T>(work: (tx: ManagedTransaction) => Promise<T>): Promise<T>;
  write<T>(work: (tx: ManagedTransaction) => Promise<T>): Promise<T>;
  session(): Session;
  /** Derives the search's term statistics for capsules that have none. */
  countMissingTerms(): Promise<void>;
}

const run = <P extends string>(tx: ManagedTransaction, statement: Statement<P>, params: { readonly [K in P]: unknown }) => tx.run(statement.text, cypherParams(params));

/** A Neo4j store as the target of a copy (`forge migrate --to neo4j`). */
export class Neo4jTransferTarget implements TransferTarget {
  constructor(private readonly deps: Neo4jTransferDeps) {}

  async isEmpty(): Promise<boolean> {
    return !(await this.deps.read(async (tx) => (await run(tx, CYPHER.holdsData, {})).records[0]?.get('any') === true));
  }

  async progress(): Promise<TransferProgress | null> {
    const record = await this.deps.read(async (tx) => (await run(tx, CYPHER.transferProgress, {})).records[0]);
    const source = record?.get('source') as string | null | undefined;
    if (!record || !source) return null;
    return { source, done: JSON.parse(record.get('done') as string) as TransferProgress['done'], finished: record.get('finished') === true };
  }

  async write<K extends TransferKind>(kind: K, records: ReadonlyArray<TransferRecords[K]>, progress: { source: string; done: number }): Promise<void> {
    const { statement, row } = WRITES[kind] as { statement: Statement<'rows'>; row: (r: TransferRecords[K]) => Row };
    await this.deps.write(async (tx) => {
      if (records.length) await run(tx, statement, { rows: records.map(row) });
      const current = (await run(tx, CYPHER.transferProgress, {})).records[0];
      const done = { ...(current?.get('source') === progress.source ? (JSON.parse((current?.get('done') as string | null) ?? '{}') as object) : {}), [kind]: progress.done };
      await run(tx, CYPHER.saveTransferProgress, { source: progress.source, done: JSON.stringify(done), finished: false });
    });
  }

  async finish(source: string, auditHead: { seq: number; hash: string }): Promise<void> {
    await this.deps.countMissingTerms();
    await this.deps.write(async (tx) => {
      const eventSeq = (await run(tx, CYPHER.maxEventSeq, {})).records[0]?.get('seq') as number;
      await run(tx, CYPHER.resetHeads, { seq: auditHead.seq, hash: auditHead.hash, event_seq: eventSeq });
      const current = (await run(tx, CYPHER.transferProgress, {})).records[0];
      await run(tx, CYPHER.saveTransferProgress, { source, done: (current?.get('done') as string | null) ?? '{}', finished: true });
    });
  }

  async clear(): Promise<void> {
    const session = this.deps.session();
    try {
      await session.run(CYPHER.clearData.text);
    } finally {
      await session.close();
    }
    await this.deps.write((tx) => run(tx, CYPHER.resetHeads, { seq: 0, hash: GENESIS_HASH, event_seq: 0 }));
  }

  /** Every kind's count, in one statement. */
  async counts(): Promise<Record<TransferKind, number>> {
    const record = await this.deps.read(async (tx) => (await run(tx, CYPHER.transferCounts, {})).records[0]);
    return Object.fromEntries(TRANSFER_KINDS.map((k) => [k, Number(record?.get(k) ?? 0)])) as Record<TransferKind, number>;
  }
}
