import { groundingOf } from '../../intelligence/intelligence.js';
import { createHash } from 'node:crypto';
import type { AnalysisFallback, AnalysisOutput, ContextOutput, SecurityOutput } from '../../flows/request-flow.js';
import { normalizeQuery } from '../../search/text.js';
import type { PhaseDeps, PhaseHandlers } from './types.js';
import { childValue, overlayRequest } from './types.js';

/**
 * Phase 4: reads its three children's values, derives the answer parameters from the analysis (or its
 * fallback), looks the answer up in the cache and passes intelligence only what it needs.
 */
export function optimizationPhase({ cache, overlays }: Pick<PhaseDeps, 'cache' | 'overlays'>): PhaseHandlers['optimization'] {
  return async ({ job, data, caller, children }) => {
    // The cache key is the question as this caller may ask it; the parameters, which depend on the analysis,
    // are checked against the entry. So the lookup needs no child value and shares the children's round trip.
    const digest = createHash('sha256')
      .update(JSON.stringify([normalizeQuery(data.query), caller.trust_level]))
      .digest('hex');
    const [values, entry] = await Promise.all([children(), cache.lookup(digest)]);
    const context = childValue<ContextOutput>(values, 'context');
    const security = childValue<SecurityOutput>(values, 'security');
    if (!context || !security) throw new Error(`optimization ran without ${context ? 'security' : 'context'} output`);
    let analysis: AnalysisOutput | AnalysisFallback | undefined = childValue<AnalysisOutput>(values, 'analysis');
    if (!analysis) {
      const failures = await job.getIgnoredChildrenFailures();
      analysis = { fallback: true, error: Object.values(failures)[0] ?? 'analysis produced no output' };
    }
    const complexity = 'fallback' in analysis ? 0.5 : analysis.complexity;
    const parameters = { max_sentences: 2 + Math.round(complexity * 4), max_citations: 3 + Math.round(complexity * 2) };
    const hit = entry.hit;
    const cached =
      hit && hit.parameters?.max_sentences === parameters.max_sentences && hit.parameters.max_citations === parameters.max_citations
        ? { answer: hit.answer, citations: hit.citations, ...groundingOf(hit) }
        : null;
    const cacheKey = entry.key;
    const {
      timing: analysisTiming,
      overlays: analysisOverlays,
      summary: analysisSummary,
    } = 'fallback' in analysis
      ? { timing: undefined, overlays: undefined, summary: analysis }
      : { timing: analysis.timing, overlays: analysis.overlays, summary: { complexity: analysis.complexity, keywords: analysis.keywords } };
    const own = await overlays.runPhase(
      'optimization',
      { phase: 'optimization', request: overlayRequest(data, caller), parameters, cached: cached !== null },
      caller,
      data.request_id,
    );
    const overlay_reports: Record<string, unknown> = {};
    if (context.overlays) overlay_reports.context = context.overlays;
    if (analysisOverlays) overlay_reports.analysis = analysisOverlays;
    if (security.overlays) overlay_reports.security = security.overlays;
    if (own) overlay_reports.optimization = own;
    return {
      capsules: context.capsules,
      analysis: analysisSummary,
      timings: { context: context.timing, security: security.timing, ...(analysisTiming ? { analysis: analysisTiming } : {}) },
      parameters,
      overlay_reports,
      cache_key: cacheKey,
      cached,
    };
  };
}
