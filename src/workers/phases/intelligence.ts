import { groundingOf, type RetrievedCapsule } from '../../intelligence/intelligence.js';
import { followUpJobs, type ContextOutput, type MetricsJobData, type OptimizationOutput } from '../../flows/request-flow.js';
import type { Caller, PhaseTiming } from '../../store/graph-store.js';
import type { PhaseDeps, PhaseHandlers } from './types.js';
import { childValue, overlayRequest } from './types.js';

/** Retrieved capsule content given to the answer is capped; the store keeps the whole text. */
export const MAX_CONTENT_CHARS = 4000;

/**
 * The content of what context retrieved, in retrieval order, read through the trust rules again: a
 * reference to a capsule the caller may not read (or one that is gone) is left out, whatever put it there.
 */
async function retrieved(capsules: PhaseDeps['capsules'], caller: Caller, refs: ContextOutput['capsules']): Promise<RetrievedCapsule[]> {
  const found = await capsules.readable(
    caller,
    refs.map((r) => r.id),
  );
  const readable = new Map(found.map((c) => [c.id, c]));
  return refs.flatMap((ref) => {
    const capsule = readable.get(ref.id);
    return capsule ? [{ id: capsule.id, content: capsule.content.slice(0, MAX_CONTENT_CHARS), version: capsule.version, trust_level: capsule.trust_level, score: ref.score }] : [];
  });
}

/**
 * Phase 5, the root: the answer (from the cache or the intelligence port), the intelligence overlays, the
 * request recorded as completed; then, together, the fire-and-forget jobs and the finished event with the
 * cache fill.
 */
export function intelligencePhase({
  config,
  capsules,
  intelligence,
  outcomes,
  flows,
  overlays,
}: Pick<PhaseDeps, 'config' | 'capsules' | 'intelligence' | 'outcomes' | 'flows' | 'overlays'>): PhaseHandlers['intelligence'] {
  return async ({ data, caller, timing, children }) => {
    const optimization = childValue<OptimizationOutput>(await children(), 'optimization');
    if (!optimization) throw new Error('intelligence ran without optimization output');
    const answer = optimization.cached
      ? { text: optimization.cached.answer, citations: optimization.cached.citations, model: 'cache', ...groundingOf(optimization.cached) }
      : await intelligence.answer({ query: data.query, capsules: await retrieved(capsules, caller, optimization.capsules), parameters: optimization.parameters });
    const own = await overlays.runPhase(
      'intelligence',
      { phase: 'intelligence', request: overlayRequest(data, caller), answer: answer.text, citations: answer.citations },
      caller,
      data.request_id,
    );
    const overlayReports = own ? { ...optimization.overlay_reports, intelligence: own } : optimization.overlay_reports;
    const phase_timings: Record<string, PhaseTiming> = { ...optimization.timings, optimization: optimization.timing, intelligence: timing() };
    await outcomes.completed(
      data.request_id,
      {
        answer: answer.text,
        citations: answer.citations,
        phase_timings,
        result: {
          cache: optimization.cached ? 'hit' : 'miss',
          model: answer.model,
          ...(answer.uncited?.length || answer.invalid_citations?.length
            ? { grounding: { uncited_claims: [...(answer.uncited ?? [])], invalid_citations: [...(answer.invalid_citations ?? [])] } }
            : {}),
          analysis: optimization.analysis,
          ...(Object.keys(overlayReports).length ? { overlays: overlayReports } : {}),
        },
      },
      {
        ...(!optimization.cached && config.cacheTtlSeconds > 0
          ? {
              cache: {
                key: optimization.cache_key,
                value: { answer: answer.text, citations: answer.citations, ...groundingOf(answer), parameters: optimization.parameters },
                ttlSeconds: config.cacheTtlSeconds,
              },
            }
          : {}),
        followUp: async (record) => {
          const metrics: MetricsJobData = {
            request_id: data.request_id,
            status: 'completed',
            total_ms: Date.parse(record.finished_at ?? record.updated_at) - Date.parse(record.created_at),
            phase_ms: Object.fromEntries(Object.entries(phase_timings).map(([phase, t]) => [phase, t.duration_ms])),
          };
          await flows.addBulk(followUpJobs(config, metrics));
        },
      },
    );
    return { answer: answer.text, citations: answer.citations };
  };
}
