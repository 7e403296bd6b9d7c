import type { PhaseDeps, PhaseHandlers } from './types.js';
import { overlayRequest, withOverlays } from './types.js';

const RETRIEVAL_LIMIT = 5;

/**
 * Phase 1: hybrid search over what the caller may read, and the caller's profile. Fatal after its retries.
 * Passes on references to what it found (id, version, trust, score); the answer reads their content.
 */
export function contextPhase({ capsules: knowledge, embedder, overlays }: Pick<PhaseDeps, 'capsules' | 'embedder' | 'overlays'>): PhaseHandlers['context'] {
  return async ({ data, caller }) => {
    // Through the capsule service, as the caller: its trust rules, stale capsules left out, saved answers
    // never above the sources they cite.
    const hits = await knowledge.search(caller, { q: data.query, limit: RETRIEVAL_LIMIT });
    // Below the embedder's relevance floor a capsule does not answer the question: better no answer than an
    // off-topic one (the answer then says that no capsule the caller can read answers it).
    const floor = embedder.relevanceFloor;
    const relevant = floor === undefined ? hits : hits.filter((h) => h.vector_score !== null && h.vector_score >= floor);
    const capsules = relevant.map((h) => ({
      id: h.capsule.id,
      version: h.capsule.version,
      trust_level: h.capsule.trust_level,
      score: h.score,
    }));
    const report = await overlays.runPhase(
      'context',
      { phase: 'context', request: overlayRequest(data, caller), capsules: capsules.map((c) => ({ id: c.id, score: c.score })) },
      caller,
      data.request_id,
    );
    return {
      capsules,
      profile: { caller_id: caller.id, roles: caller.roles, trust_level: caller.trust_level },
      ...withOverlays(report),
    };
  };
}
