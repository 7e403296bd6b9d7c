import { z } from 'zod';
import { CUSTOM_KIND_PATTERN, EVENT_KIND_PATTERN, EVENT_KINDS, SYSTEM_EVENT_KINDS } from '../events/kinds.js';
import { GOVERNED_SETTINGS, PROPOSAL_ACTIONS } from '../governance/actions.js';
import { nonBlank } from '../util/text-schema.js';
import { CAPSULE_TYPES, PROPOSAL_KINDS, PROPOSAL_STATUSES, ROLES, VOTE_CHOICES } from '../store/graph-store.js';

/** Request and query schemas of the `/v2` API. Parsed once, in the handler; unknown fields are errors. */

const trust = z.number().int().min(0).max(100);
const metadata = z.record(z.string(), z.unknown()).refine((m) => JSON.stringify(m).length <= 16_384, 'metadata must serialise to at most 16384 characters');
const tags = z
  .array(
    z
      .string()
      .min(1)
      .max(64)
      .regex(/^[\p{L}\p{N}_:./-]+$/u, 'tags are letters, digits and _ : . / -'),
  )
  .max(32);
const semver = z
  .string()
  .max(64)
  .regex(/^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?$/, 'must be a semantic version such as 1.2.0');
const content = z.string().min(1).max(100_000);

/** A schema as the API document gives it (what a request may send), for rules that depend on another field. */
function documented(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  return rest;
}
/** An integer in a query string: digits only (an empty value, spaces, `0x…` or `1e3` are not one). */
const queryInt = (min: number, max: number) => z.preprocess((v) => (typeof v === 'string' && !/^-?\d{1,16}$/.test(v) ? Number.NaN : v), z.coerce.number().int().min(min).max(max));

const code = z.string().regex(/^\d{6}$/, 'six digits');
export const LoginBody = z.strictObject({ name: z.string().min(1).max(64), password: z.string().min(1).max(1024), totp: code.optional() });
export const CodeBody = z.strictObject({ code });
export const RegisterBody = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'lower-case letters, digits, . _ and -, at most 64')
    .max(64),
  password: z.string().min(12, 'at least 12 characters').max(1024),
});
export const RefreshBody = z.strictObject({ refresh_token: z.string().min(1).max(200) });

/** The parts of an overlay registration (multipart/form-data), no others; checked by the handler and the manifest parser. */
export const RegisterOverlayParts = z.strictObject({
  wasm: z.string().meta({ format: 'binary', description: 'The WebAssembly module.' }),
  manifest: z.string().min(1).meta({ description: 'The manifest, YAML or JSON (docs/overlay-abi.md); a field or a file.' }),
});

export const SubmitRequestBody = z.strictObject({
  query: nonBlank(10_000),
  required_trust: trust.optional(),
  save_as_capsule: z.boolean().optional(),
  metadata: metadata.optional(),
});

export const RequestHeaders = z.object({
  'idempotency-key': z
    .string()
    .min(1)
    .max(200)
    .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')
    .optional(),
  'x-correlation-id': z
    .string()
    .min(1)
    .max(200)
    .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')
    .optional(),
});

export const GetRequestQuery = z.strictObject({
  /** Long-poll: wait up to this many ms for the request to end. */
  wait: queryInt(0, 60_000).optional(),
});

export const ListRequestsQuery = z.strictObject({
  limit: queryInt(1, 100).default(20),
  /** Requests created before this time (the previous page's `next_before`). */
  before: z.iso.datetime({ offset: true }).optional(),
  /** Operators see everyone's requests at or below their trust; `mine=true` narrows to their own. Everyone else sees only their own. */
  mine: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
});

export const CreateCapsuleBody = z.strictObject({
  content,
  type: z.enum(CAPSULE_TYPES).default('knowledge'),
  version: semver.optional(),
  trust_level: trust.optional(),
  metadata: metadata.optional(),
  tags: tags.optional(),
  derived_from: z
    .array(z.strictObject({ parent_id: z.string().min(1).max(100), reason: z.string().min(1).max(200).default('derived') }))
    .max(100)
    .optional(),
});

export const UpdateCapsuleBody = z
  .strictObject({
    content: content.optional(),
    type: z.enum(CAPSULE_TYPES).optional(),
    version: semver.optional(),
    trust_level: trust.optional(),
    metadata: metadata.optional(),
    tags: tags.optional(),
    reason: z.string().min(1).max(200).optional(),
  })
  .refine((b) => Object.keys(b).some((k) => k !== 'reason' && k !== 'version'), 'give at least one of content, type, trust_level, metadata, tags')
  // The rule above, as the document says it (a refinement has no JSON Schema of its own).
  .meta({ anyOf: ['content', 'type', 'trust_level', 'metadata', 'tags'].map((field) => ({ required: [field] })) });

export const ForkCapsuleBody = z.strictObject({
  content: content.optional(),
  trust_level: trust.optional(),
  metadata: metadata.optional(),
  tags: tags.optional(),
  reason: z.string().min(1).max(200).optional(),
});

/** Ids to name (`GET /v2/names`): comma-separated, at most 100. */
export const NamesQuery = z.strictObject({
  ids: z
    .string()
    .min(1)
    .max(10_000)
    .regex(/^[^,]{1,200}(?:,[^,]{1,200}){0,99}$/, 'one to 100 ids, comma-separated, each of 1 to 200 characters')
    .transform((v) => v.split(',')),
});

export const ListCapsulesQuery = z.strictObject({
  type: z.enum(CAPSULE_TYPES).optional(),
  owner: z.string().min(1).max(200).optional(),
  tag: z.string().min(1).max(64).optional(),
  min_trust: queryInt(0, 100).optional(),
  include_archived: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  include_stale: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  limit: queryInt(1, 100).default(20),
  cursor: z.string().min(1).max(1000).optional(),
});

export const SearchCapsulesQuery = z.strictObject({
  q: nonBlank(2000),
  limit: queryInt(1, 100).default(10),
  min_trust: queryInt(0, 100).optional(),
  type: z.enum(CAPSULE_TYPES).optional(),
  tag: z.string().min(1).max(64).optional(),
  include_stale: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
});

export const AuditLogQuery = z.strictObject({
  limit: queryInt(1, 500).default(50),
  before: queryInt(1, Number.MAX_SAFE_INTEGER).optional(),
  entity_id: z.string().min(1).max(200).optional(),
  action: z.string().min(1).max(100).optional(),
  verify: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
});

export const OverlayListQuery = z.strictObject({
  state: z.enum(['pending', 'active', 'suspended', 'quarantined']).optional(),
  capability: z.string().min(1).max(50).optional(),
  name: z.string().min(1).max(100).optional(),
  phase: z.string().min(1).max(50).optional(),
});

/** An admin acting alone where governance would decide (see GovernanceGate): audited with the reason. */
const emergency = z.strictObject({ reason: nonBlank(1000, 10, 'say why, in at least 10 characters') }).optional();

export const ActivateOverlayBody = z.strictObject({
  config: z.record(z.string(), z.unknown()).optional(),
  emergency,
  ttl_seconds: z
    .number()
    .int()
    .min(1)
    .max(365 * 24 * 3600)
    .optional(),
});

export const SuspendOverlayBody = z.strictObject({ reason: nonBlank(500) });
export const StopCanaryBody = z.strictObject({ reason: nonBlank(500) });

export const ProposeBody = z
  .strictObject({
    title: nonBlank(500),
    description: nonBlank(10_000),
    kind: z.enum(PROPOSAL_KINDS),
    /** What it does when it passes; its shape depends on `kind` (checked by the governance service). */
    action: z.record(z.string(), z.unknown()),
    /** Open for voting at once. */
    open: z.boolean().optional(),
    /** When voting ends (with `open`); by default the voting period from now. */
    closes_at: z.iso.datetime({ offset: true }).optional(),
  })
  .meta({
    // The action each kind takes (and for a config_change, the value each setting takes), as the service checks it.
    oneOf: PROPOSAL_KINDS.map((kind) => ({
      properties: {
        kind: { const: kind },
        action:
          kind === 'config_change'
            ? {
                oneOf: Object.entries(GOVERNED_SETTINGS).map(([key, value]) => ({
                  type: 'object',
                  properties: { key: { const: key }, value: documented(value) },
                  required: ['key', 'value'],
                  additionalProperties: false,
                })),
              }
            : documented(PROPOSAL_ACTIONS[kind]),
      },
    })),
  });

export const OpenProposalBody = z.strictObject({ closes_at: z.iso.datetime({ offset: true }).optional() });
export const VoteBody = z.strictObject({ choice: z.enum(VOTE_CHOICES) });
export const DelegationBody = z
  .strictObject({ delegate_id: z.string().min(1).max(200).optional(), delegate_name: z.string().min(1).max(200).optional() })
  .refine((b) => (b.delegate_id === undefined) !== (b.delegate_name === undefined), { message: 'give delegate_id or delegate_name, not both' })
  .meta({ oneOf: [{ required: ['delegate_id'] }, { required: ['delegate_name'] }] });
export const ListProposalsQuery = z.strictObject({ status: z.enum(PROPOSAL_STATUSES).optional(), limit: queryInt(1, 200).default(50) });
export const AnalysisQuery = z.strictObject({
  refresh: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
});

export const PublishEventBody = z
  .strictObject({
    // Checked by the event bus (with its own message); the pattern says the same in the document.
    kind: z.string().min(1).max(100).meta({ pattern: EVENT_KIND_PATTERN, description: 'a known kind, or custom.<name>' }),
    payload: z.record(z.string(), z.unknown()).default({}),
    /** At most the caller's own trust. @defaultValue the caller's trust */
    trust_level: z.number().int().min(0).max(100).optional(),
    correlation_id: z.string().min(1).max(200).optional(),
  })
  .meta({
    // Each kind a caller may publish with its payload, as the event bus checks it (the kinds only Forge
    // publishes are refused); a custom kind's payload is any object.
    oneOf: [
      ...Object.entries(EVENT_KINDS)
        .filter(([kind]) => !SYSTEM_EVENT_KINDS.has(kind))
        .map(([kind, payload]) => ({ properties: { kind: { const: kind }, payload: documented(payload) }, required: ['kind', 'payload'] })),
      { properties: { kind: { pattern: CUSTOM_KIND_PATTERN } } },
    ],
  });

export const ListEventsQuery = z.strictObject({
  kind: z.string().min(1).max(100).optional(),
  cascade_id: z.string().min(1).max(200).optional(),
  after_seq: queryInt(0, Number.MAX_SAFE_INTEGER).optional(),
  limit: queryInt(1, 500).default(100),
});

export const ReplayEventsBody = z.strictObject({
  /** A subscriber key: `overlay:<name>` or a subscriber registered in code. */
  subscriber: z.string().min(1).max(200),
  after_seq: z.number().int().min(0),
  until_seq: z.number().int().min(0).optional(),
  kind: z.string().min(1).max(100).optional(),
  limit: z.number().int().min(1).max(100_000).default(10_000),
});

export const AffectedQuery = z.strictObject({ hops: queryInt(1, 20).default(5) });

export const InvokeOverlayBody = z.strictObject({
  function: z.string().min(1).max(64),
  args: z.unknown().optional(),
  timeout_ms: z.number().int().min(1).max(30_000).optional(),
});

const isoTime = z.iso.datetime({ offset: true });
const deadLetterFilter = {
  queue: z.string().min(1).max(50).optional(),
  error: z.string().min(1).max(500).optional(),
  since: isoTime.optional(),
  until: isoTime.optional(),
  request_id: z.string().min(1).max(100).optional(),
};
export const DeadLetterQuery = z.strictObject({ ...deadLetterFilter, limit: queryInt(1, 500).default(50), offset: queryInt(0, 10_000).default(0) });
export const DeadLetterBulkBody = z.strictObject(deadLetterFilter);

export const CanaryBody = z.strictObject({
  candidate_id: z.string().min(1).max(100),
  traffic_percentage: z.number().gt(0).max(1).default(0.05),
  max_error_rate: z.number().min(0).max(1).default(0.01),
  max_latency_ratio: z.number().gt(0).max(1000).default(2.0),
  min_requests: z.number().int().min(1).max(1_000_000).default(100),
  emergency,
});

const trustLevel = z.number().int().min(0).max(100);
const role = z.enum(ROLES);

export const CreateUserBody = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'lower-case letters, digits, . _ and -, at most 64')
    .max(64),
  role,
  trust_level: trustLevel,
  password: z.string().min(12, 'at least 12 characters').max(1024).optional(),
  emergency,
});

export const UpdateUserBody = z
  .strictObject({
    role: role.optional(),
    trust_level: trustLevel.optional(),
    disabled: z.boolean().optional(),
    password: z.string().min(12, 'at least 12 characters').max(1024).optional(),
    reason: nonBlank(500),
    emergency,
  })
  .refine(
    (b) => b.role !== undefined || b.trust_level !== undefined || b.disabled !== undefined || b.password !== undefined,
    'change at least one of role, trust_level, disabled, password',
  );

export const CreateKeyBody = z.strictObject({ label: z.string().max(100).trim().default('') });
