import { createHash } from 'node:crypto';
import { uuidV5 } from '../../util/ids.js';
import type { PhaseDeps, PhaseHandlers } from './types.js';

/**
 * Fire-and-forget: the request's audit entry and, when asked, its answer saved as a capsule DERIVED_FROM
 * the capsules it cites. Idempotent (a fixed capsule id and an audit dedupe key), so retries store once.
 */
export function storagePhase({ store, capsules }: Pick<PhaseDeps, 'store' | 'capsules'>): PhaseHandlers['storage'] {
  return async ({ data }) => {
    const record = await store.getRequest(data.request_id);
    if (!record) throw new Error(`storage: request ${data.request_id} is not in the store`);
    let saved: string | null = null;
    const rederive = typeof record.metadata.rederive_of === 'string' ? record.metadata.rederive_of : null;
    if (record.save_as_capsule && record.answer && rederive) {
      // Re-deriving a stale answer: the new answer is its next version, derived from what it now cites. A
      // retry finds the version already written (the old one superseded) and writes nothing twice.
      const current = await store.getCapsule(rederive);
      if (current?.superseded_by) saved = current.superseded_by;
      else {
        const next = await capsules.update(record.caller, rederive, {
          content: record.answer,
          metadata: { ...current?.metadata, request_id: record.id, query: record.query, correlation_id: record.correlation_id },
          reason: `re-derived by request ${record.id}`,
          sources: record.citations.map((id) => ({ parent_id: id, reason: 'cited', changes: { request_id: record.id } })),
        });
        saved = next.id;
      }
      await store.annotateRequest(record.id, { saved_capsule_id: saved });
    } else if (record.save_as_capsule && record.answer) {
      // Derived knowledge is never readable below its sources, and the answer carries the asker's own query:
      // it is saved at the asker's trust, which is at least every cited source's (the asker could read them).
      const trust = record.caller.trust_level;
      const capsule = await capsules.create(record.caller, {
        id: uuidV5(`answer:${record.id}`),
        content: record.answer,
        type: 'insight',
        trust_level: trust,
        metadata: { request_id: record.id, query: record.query, correlation_id: record.correlation_id },
        tags: ['answer'],
        derived_from: record.citations.map((id) => ({ parent_id: id, reason: 'cited', changes: { request_id: record.id } })),
      });
      saved = capsule.id;
      await store.annotateRequest(record.id, { saved_capsule_id: saved });
    }
    const entry = await store.appendAudit({
      actor_id: record.caller.id,
      action: 'request.complete',
      entity_type: 'request',
      entity_id: record.id,
      dedupe_key: `request.complete:${record.id}`,
      details: {
        correlation_id: record.correlation_id,
        citations: [...record.citations],
        answer_sha256: createHash('sha256')
          .update(record.answer ?? '')
          .digest('hex'),
        saved_capsule_id: saved,
      },
    });
    return { audit_seq: entry.seq, saved_capsule_id: saved };
  };
}
