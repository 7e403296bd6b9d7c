import { meetsRequirement } from '../../auth/policy.js';
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
    if (!meetsRequirement(caller, data.required_trust)) {
      throw new SecurityDeniedError(`caller trust ${caller.trust_level} is below the required ${data.required_trust}`);
    }
    const rule = screenForInjection(data.query);
    if (rule) throw new SecurityDeniedError(`query matched the ${rule} screen`);
    const report = await overlays.runPhase('security', { phase: 'security', request: overlayRequest(data, caller), required_trust: data.required_trust }, caller, data.request_id);
    for (const [name, r] of Object.entries(report ?? {})) {
      // A failure was already judged by the overlay's failure policy: a required one (fail_closed) rejected
      // the request in runPhase; an advisory one (fail_open) is reported with the answer.
      if (!r.success) continue;
      const verdict = r.result as { allowed?: unknown; reason?: unknown } | null;
      if (verdict?.allowed !== true) throw new SecurityDeniedError(`security overlay ${name} denied it${typeof verdict?.reason === 'string' ? `: ${verdict.reason}` : ''}`);
    }
    const checked = Object.entries(report ?? {}).filter(([, r]) => r.success);
    return { allowed: true, checks: ['trust', 'injection-screen', ...checked.map(([n]) => `overlay:${n}`)], ...withOverlays(report) };
  };
}
