import { analyzeText } from './builtin-checks.js';
import type { PhaseDeps, PhaseHandlers } from './types.js';
import { overlayRequest, withOverlays } from './types.js';

/**
 * Phase 2: built-in text analysis plus the analysis overlays. Overlay failures are tolerated (reported, the
 * built-in analysis still counts), and a failure of the whole phase gives optimization a fallback marker.
 */
export function analysisPhase({ overlays }: Pick<PhaseDeps, 'overlays'>): PhaseHandlers['analysis'] {
  return async ({ data, caller }) => {
    const analysis = analyzeText(data.query);
    return { ...analysis, ...withOverlays(await overlays.runPhase('analysis', { phase: 'analysis', request: overlayRequest(data, caller), analysis }, caller, data.request_id)) };
  };
}
