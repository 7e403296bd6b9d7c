import { z } from 'zod';
import type { ProposalKind } from '../store/graph-store.js';
import { nonBlank } from '../util/text-schema.js';

/** The rules the constitutional review checks, as the organisation configured them. */
export const ConstitutionRules = z.strictObject({
  min_description_chars: z.number().int().min(0).max(10_000).default(40),
  max_trust_step: z.number().int().min(0).max(100).default(20),
  forbidden_kinds: z.array(z.enum(['policy', 'overlay_activation', 'trust_change', 'config_change'])).default([]),
});
export type ConstitutionRules = z.output<typeof ConstitutionRules>;

/** Settings a `config_change` proposal may change, each with its schema. */
export const GOVERNED_SETTINGS = {
  'governance.quorum': z.number().min(0.01).max(1),
  'governance.pass_threshold': z.number().min(0.5).max(0.99),
  'governance.voting_days': z.number().int().min(1).max(90),
  'governance.rules': ConstitutionRules,
} as const;
export type GovernedSetting = keyof typeof GOVERNED_SETTINGS;

/** What each kind of proposal would do when it passes. */
export const PROPOSAL_ACTIONS = {
  policy: z.strictObject({ text: nonBlank(5000) }),
  overlay_activation: z.strictObject({ overlay_id: z.string().min(1).max(200), config: z.record(z.string(), z.unknown()).optional() }),
  trust_change: z.strictObject({ user_id: z.string().min(1).max(200), trust_level: z.number().int().min(0).max(100), reason: nonBlank(500) }),
  config_change: z.strictObject({ key: z.enum(Object.keys(GOVERNED_SETTINGS) as [GovernedSetting, ...GovernedSetting[]]), value: z.unknown() }),
} as const satisfies Record<ProposalKind, z.ZodType>;
