import { SecurityDeniedError } from '../../errors.js';
import { screenForInjection } from './builtin-checks.js';
import type { PhaseDeps, PhaseHandlers } from './types.js';
import { overlayRequest, withOverlays } from './types.js';

/**
 * Phase 3: the caller's trust against the request's requirement, the injection screen, then the security
 * overlays. A validator that fails, or answers anything but `{allowed: true}`, denies the request: the
 * request ends `rejected` and nothing after security runs.
 */
export function securityPhase({ overlays }: Pick<PhaseDeps, 'overlays'>): PhaseHandlers['security'] {
  return async ({ data, caller }) => {
    if (caller.trust_level < data.required_trust) {
      throw new SecurityDeniedError(`caller trust ${caller.trust_level} is below the required ${data.required_trust}`);
    }
    const rule = screenForInjection(data.query);
    if (rule) throw new SecurityDeniedError(`query matched the ${rule} screen`);
    const report = await overlays.runPhase('security', { phase: 'security', request: overlayRequest(data, caller), required_trust: data.required_trust }, caller);
    for (const [name, r] of Object.entries(report ?? {})) {
      if (!r.success) throw new SecurityDeniedError(`security overlay ${name} failed (${r.error?.code}: ${r.error?.message})`);
      const verdict = r.result as { allowed?: unknown; reason?: unknown } | null;
      if (verdict?.allowed !== true) throw new SecurityDeniedError(`security overlay ${name} denied it${typeof verdict?.reason === 'string' ? `: ${verdict.reason}` : ''}`);
    }
    return { allowed: true, checks: ['trust', 'injection-screen', ...Object.keys(report ?? {}).map((n) => `overlay:${n}`)], ...withOverlays(report) };
  };
}
