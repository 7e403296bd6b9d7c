import { analysisPhase } from './analysis.js';
import { contextPhase } from './context.js';
import { intelligencePhase } from './intelligence.js';
import { metricsPhase } from './metrics.js';
import { optimizationPhase } from './optimization.js';
import { securityPhase } from './security.js';
import { storagePhase } from './storage.js';
import type { PhaseDeps, PhaseHandlers } from './types.js';

export type { PhaseContext, PhaseDeps, PhaseHandlers } from './types.js';

/** The built-in handler of every phase; each phase module takes only the dependencies it uses. */
export function createPhaseHandlers(deps: PhaseDeps): PhaseHandlers {
  return {
    context: contextPhase(deps),
    analysis: analysisPhase(deps),
    security: securityPhase(deps),
    optimization: optimizationPhase(deps),
    intelligence: intelligencePhase(deps),
    metrics: metricsPhase(deps),
    storage: storagePhase(deps),
  };
}
