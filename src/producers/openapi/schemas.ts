import { z } from 'zod';
import { CAPSULE_TYPES, OVERLAY_STATES, PROPOSAL_KINDS, PROPOSAL_STATUSES, REQUEST_STATUSES, ROLES, VOTE_CHOICES } from '../../store/graph-store.js';

/**
 * The shapes the `/v2` API answers with, as zod schemas: the OpenAPI document is generated from them (and
 * from the request schemas in `../api-schemas.ts`), and the contract test validates every real response
 * against the document. Objects are closed: a field the document does not name is a drift the test
 * catches. Open-ended maps (metadata, payloads, reports) say so with `record` or `looseObject`.
 */

const time = z.string().meta({ format: 'date-time' });
const json = z.record(z.string(), z.unknown());
const trust = z.number().int().min(0).max(100);

export const ErrorBody = z
  .object({
    error: z.string().meta({ description: 'A stable, machine-readable code (validation_failed, not_found, permission_denied, …).' }),
    message: z.string(),
    details: json.optional().meta({ description: 'What was exceeded or refused: zod issues for a 400, the needed role for a 403, retry_after_s for a 429.' }),
    correlation_id: z.string().optional(),
  })
  .meta({ id: 'Error' });

export const Capsule = z
  .object({
    id: z.string(),
    content: z.string(),
    type: z.enum(CAPSULE_TYPES),
    version: z.string(),
    parent_id: z.string().nullable(),
    owner_id: z.string(),
    trust_level: trust,
    metadata: json,
    tags: z.array(z.string()),
    created_at: time,
    updated_at: time,
    archived: z.boolean(),
    superseded_by: z.string().nullable(),
    stale: z
      .object({ reason: z.string(), since: time, source_id: z.string().nullable() })
      .nullable()
      .meta({ description: 'Set when a source it was derived from moved on (superseded, archived, its overlay quarantined): it leaves search and answers until re-derived.' }),
  })
  .meta({ id: 'Capsule' });

export const CapsulePage = z.object({ items: z.array(Capsule), next_cursor: z.string().nullable() }).meta({ id: 'CapsulePage' });

export const SearchResults = z
  .object({
    query: z.string(),
    results: z.array(z.object({ capsule: Capsule, score: z.number(), vector_score: z.number().nullable(), text_score: z.number().nullable() })),
  })
  .meta({ id: 'SearchResults' });

const LineageEntry = z
  .object({
    capsule: Capsule,
    depth: z.number().int(),
    edge: z.object({ child_id: z.string(), parent_id: z.string(), reason: z.string(), changes: json, created_at: time }),
  })
  .meta({ id: 'LineageEntry' });

const lineageLimits = {
  redacted: z.number().int().meta({ description: 'Capsules above the reader’s trust on the way (not shown, nor anything beyond them).' }),
  truncated: z.boolean(),
};
export const Ancestors = z.object({ capsule_id: z.string(), ancestors: z.array(LineageEntry), ...lineageLimits }).meta({ id: 'Ancestors' });
export const Descendants = z.object({ capsule_id: z.string(), descendants: z.array(LineageEntry), ...lineageLimits }).meta({ id: 'Descendants' });

const PhaseTiming = z.object({ started_at: time, duration_ms: z.number(), attempt: z.number().int() });

export const RequestAccepted = z.object({ id: z.string(), status: z.enum(REQUEST_STATUSES), correlation_id: z.string() }).meta({ id: 'RequestAccepted' });

export const RequestView = z
  .object({
    id: z.string(),
    status: z.enum(REQUEST_STATUSES),
    correlation_id: z.string(),
    query: z.string(),
    answer: z.string().nullable(),
    citations: z.array(z.string()),
    phase_timings: z.record(z.string(), PhaseTiming),
    result: json.meta({ description: 'The pipeline’s result: overlay reports per phase, retrieval, security verdict.' }),
    error: z.object({ phase: z.string(), code: z.string(), message: z.string() }).nullable(),
    created_at: time,
    finished_at: time.nullable(),
  })
  .meta({ id: 'Request' });

export const RequestList = z.object({ items: z.array(RequestView), next_before: z.string().nullable() }).meta({ id: 'RequestList' });

export const OverlayView = z
  .object({
    id: z.string(),
    name: z.string(),
    version: z.string(),
    state: z.enum(OVERLAY_STATES),
    state_reason: z.string().nullable(),
    manifest: json.meta({ description: 'The manifest as registered, with its defaults filled in (docs/overlay-abi.md).' }),
    manifest_text: z.string(),
    sha256: z.string(),
    blob_key: z.string(),
    wasm_size: z.number().int(),
    imports: z.array(z.string()),
    trust_level: trust,
    submitted_by: z.string(),
    config: json.meta({ description: 'Secret entries read "********".' }),
    activated_at: time.nullable(),
    expires_at: time.nullable(),
    created_at: time,
    updated_at: time,
  })
  .meta({ id: 'Overlay' });

export const OverlayList = z.object({ items: z.array(OverlayView) }).meta({ id: 'OverlayList' });

export const OverlayListWithCanaries = z
  .object({
    items: z.array(
      OverlayView.extend({
        canary: z
          .object({ status: z.string(), candidate_id: z.string() })
          .nullable()
          .meta({ description: 'Its canary, running or decided (GET /v2/overlays/:id/canary has the figures); null: none.' }),
      }),
    ),
  })
  .meta({ id: 'OverlayListWithCanaries' });

export const Invocation = z
  .object({
    success: z.boolean(),
    result: z.unknown().meta({ description: 'The entry point’s JSON output.' }),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    execution_time_ms: z.number(),
    fuel_consumed: z.number().nullable().meta({ description: 'Null when the thread was terminated before it could say (timeout, crash).' }),
  })
  .meta({ id: 'Invocation', description: 'What the overlay returned, with its fuel and time (docs/overlay-abi.md).' });

const BreakerView = z.object({ state: z.enum(['closed', 'open', 'half_open']), consecutive_failures: z.number().int(), opened_at: time.nullable() });

export const OverlayMetrics = z
  .object({
    invocations: z.number().int(),
    failures: z.number().int(),
    failure_rate: z.number(),
    mean_ms: z.number(),
    p95_ms: z.number(),
    fuel_total: z.number(),
    mean_fuel: z.number(),
    last_error: z.string().nullable(),
    skipped: z.number().int(),
    breaker: BreakerView,
  })
  .meta({ id: 'OverlayMetrics' });

const ok = z.boolean();
export const OverlayHealth = z
  .object({
    overlay_id: z.string(),
    name: z.string(),
    version: z.string(),
    at: time,
    healthy: z.boolean(),
    levels: z.object({
      module: z.object({ ok, status: z.number().nullable(), error: z.string().nullable() }),
      dependencies: z.object({ ok, detail: z.string() }),
      circuit: z.object({ ok, state: z.enum(['closed', 'open', 'half_open']) }),
      probe: z.object({ ok, detail: z.string() }),
    }),
    status: z.number().nullable(),
    error: z.string().nullable(),
  })
  .meta({ id: 'OverlayHealth' });

export const Recovered = z.object({ healthy: z.boolean(), overlay: OverlayView }).meta({ id: 'Recovered' });

const CanarySide = z.object({ calls: z.number().int(), failures: z.number().int(), error_rate: z.number(), mean_ms: z.number() });
export const Canary = z
  .object({
    stable_id: z.string(),
    candidate_id: z.string(),
    traffic_percentage: z.number(),
    max_error_rate: z.number(),
    max_latency_ratio: z.number(),
    min_requests: z.number().int(),
    status: z.enum(['running', 'promoted', 'rolled_back']),
    reason: z.string().nullable(),
    started_at: time,
    ended_at: time.nullable(),
    stable: CanarySide,
    candidate: CanarySide,
    latency_ratio: z.number().nullable(),
  })
  .meta({ id: 'Canary' });

export const Affected = z
  .object({
    overlay: z.object({ id: z.string(), name: z.string(), version: z.string() }),
    hops: z.number().int(),
    reached: z.array(z.object({ target: z.string(), hops: z.number().int(), via: z.string(), links: z.number().int() })),
  })
  .meta({ id: 'Affected' });

const EventSource = z.object({ type: z.enum(['overlay', 'user', 'system']), id: z.string(), name: z.string().optional(), version: z.string().optional() });
export const Event = z
  .object({
    id: z.string(),
    seq: z.number().int(),
    kind: z.string(),
    payload: json,
    trust_level: trust,
    source: EventSource,
    correlation_id: z.string().nullable(),
    cascade_id: z.string(),
    hop: z.number().int(),
    parent_id: z.string().nullable(),
    visited: z.array(z.string()),
    created_at: time,
  })
  .meta({ id: 'Event' });

export const EventList = z.object({ items: z.array(Event), next_after_seq: z.number().int().nullable() }).meta({ id: 'EventList' });
export const ReplayQueued = z.object({ subscriber: z.string(), queued: z.number().int() }).meta({ id: 'ReplayQueued' });

const Link = z.object({
  source: z.string(),
  target: z.string(),
  target_id: z.string().nullable(),
  payload_digest: z.string(),
  outcome: z.enum(['delivered', 'stopped']),
  reason: z.enum(['cycle', 'hop_limit']).nullable(),
  at: time,
});
type CascadeNodeShape = { event: z.infer<typeof Event>; links: z.infer<typeof Link>[]; children: CascadeNodeShape[] } | { event: { hop: number; redacted: true }; hidden: number };
const CascadeNode: z.ZodType<CascadeNodeShape> = z
  .union([
    z.object({
      event: Event,
      links: z.array(Link),
      get children() {
        return z.array(CascadeNode);
      },
    }),
    z.object({ event: z.object({ hop: z.number().int(), redacted: z.literal(true) }), hidden: z.number().int() }),
  ])
  .meta({ id: 'CascadeNode' });

export const Cascade = z
  .object({
    cascade_id: z.string(),
    root: CascadeNode,
    events: z.number().int(),
    delivered: z.number().int(),
    stopped: z.object({ cycle: z.number().int(), hop_limit: z.number().int() }),
    depth: z.number().int(),
    redacted: z.number().int(),
  })
  .meta({ id: 'Cascade' });

export const Proposal = z
  .object({
    id: z.string(),
    title: z.string(),
    description: z.string(),
    kind: z.enum(PROPOSAL_KINDS),
    action: json,
    proposer_id: z.string(),
    status: z.enum(PROPOSAL_STATUSES),
    outcome: z.enum(['passed', 'rejected', 'expired']).nullable(),
    created_at: time,
    opened_at: time.nullable(),
    closes_at: time.nullable(),
    closed_at: time.nullable(),
    tally: json.nullable(),
    analysis: json.nullable(),
    execution: json.nullable(),
  })
  .meta({ id: 'Proposal' });

export const ProposalList = z.object({ items: z.array(Proposal) }).meta({ id: 'ProposalList' });

export const VoteRecord = z.object({ proposal_id: z.string(), voter_id: z.string(), choice: z.enum(VOTE_CHOICES), weight: z.number(), at: time }).meta({ id: 'Vote' });

export const VoteCast = z.object({ proposal_id: z.string(), choice: z.enum(VOTE_CHOICES), weight: z.number() }).meta({ id: 'VoteCast' });

export const Tally = z
  .object({
    for: z.number(),
    against: z.number(),
    abstain: z.number(),
    participating: z.number(),
    eligible: z.number(),
    participation: z.number(),
    quorum: z.number(),
    quorum_met: z.boolean(),
    pass_threshold: z.number(),
    outcome: z.enum(['passed', 'rejected', 'expired']),
    counted: z.array(z.object({ voter_id: z.string(), choice: z.enum(VOTE_CHOICES), weight: z.number(), via: z.array(z.string()).optional() })),
  })
  .meta({ id: 'Tally' });

export const Analysis = z
  .looseObject({})
  .meta({ id: 'Analysis', description: 'Constitutional review and advisory opinion; redacted below the trust it cites (docs/governance.md).' });
export const DelegationView = z
  .object({
    delegator_id: z.string(),
    delegate_id: z.string().nullable(),
    delegate_name: z.string().nullable(),
    delegated_to_you: z.array(z.string()),
    delegated_to_you_names: z.array(z.string()),
  })
  .meta({ id: 'Delegation', description: 'Whom the caller delegates its vote to (or nobody), and who delegates to it.' });
export const GovernanceSettings = z
  .object({ quorum: z.number(), pass_threshold: z.number(), voting_days: z.number(), rules: json })
  .meta({ id: 'GovernanceSettings', description: 'Quorum, pass threshold, voting period and the constitution rules in force.' });

export const DeadLetter = z
  .object({
    id: z.string(),
    queue: z.string(),
    job_id: z.string(),
    job_name: z.string(),
    request_id: z.string().nullable(),
    data: z.unknown(),
    error: z.object({ name: z.string(), code: z.string().nullable(), message: z.string(), stack: z.string().nullable() }),
    attempts: z.number().int(),
    failed_at: time,
  })
  .meta({ id: 'DeadLetter' });

export const DeadLetterPage = z.object({ items: z.array(DeadLetter), total: z.number().int() }).meta({ id: 'DeadLetterPage' });
const RetryOutcome = z.object({ id: z.string(), action: z.enum(['job_readded', 'flow_redriven', 'nothing_to_do']), detail: z.string() }).meta({ id: 'RetryOutcome' });
export { RetryOutcome };
export const RetriedMany = z.object({ retried: z.number().int(), outcomes: z.array(RetryOutcome) }).meta({ id: 'RetriedMany' });
export const Purged = z.object({ purged: z.number().int() }).meta({ id: 'Purged' });

export const UserView = z
  .object({
    id: z.string(),
    name: z.string(),
    role: z.enum(ROLES),
    trust_level: trust,
    disabled: z.boolean(),
    has_password: z.boolean(),
    created_at: time,
    updated_at: time,
  })
  .meta({ id: 'User' });
export const UserCreated = z.object({ id: z.string(), name: z.string(), role: z.enum(ROLES), trust_level: trust }).meta({ id: 'UserCreated' });
export const UserList = z.object({ items: z.array(UserView) }).meta({ id: 'UserList' });
export const Names = z.object({ items: z.array(z.object({ id: z.string(), name: z.string() })) }).meta({ id: 'Names' });
export const Me = z.object({ user: UserView.nullable(), via: z.enum(['api_key', 'token', 'oidc', 'session', 'scrape_token']).nullable() }).meta({ id: 'Me' });
export const TrustHistory = z
  .object({
    user_id: z.string(),
    history: z.array(z.object({ user_id: z.string(), at: time, actor_id: z.string(), old_trust: z.number(), new_trust: z.number(), reason: z.string() })),
  })
  .meta({ id: 'TrustHistory' });
export const ApiKey = z
  .object({ id: z.string(), user_id: z.string(), label: z.string(), prefix: z.string(), created_at: time, last_used_at: time.nullable(), revoked_at: time.nullable() })
  .meta({ id: 'ApiKey' });
export const ApiKeyList = z.object({ items: z.array(ApiKey) }).meta({ id: 'ApiKeyList' });
export const ApiKeyCreated = ApiKey.extend({ api_key: z.string().meta({ description: 'Shown once: only its hash is kept.' }) }).meta({ id: 'ApiKeyCreated' });

export const TokenPair = z.object({ access_token: z.string(), token_type: z.literal('Bearer'), expires_in: z.number().int(), refresh_token: z.string() }).meta({ id: 'TokenPair' });
export const Registered = TokenPair.extend({ user: UserCreated }).meta({ id: 'Registered' });
export const TotpEnrolment = z.object({ secret: z.string(), otpauth_uri: z.string(), next: z.string() }).meta({ id: 'TotpEnrolment' });
export const SessionToken = z.object({ access_token: z.string(), token_type: z.literal('Bearer'), expires_in: z.number().int() }).meta({ id: 'SessionToken' });

export const Liveness = z.object({ ok: z.literal(true) }).meta({ id: 'Liveness' });
export const HealthStatus = z.object({ status: z.enum(['ok', 'degraded']) }).meta({ id: 'HealthStatus' });
export const HealthReport = z
  .object({
    status: z.enum(['ok', 'degraded']),
    redis: z.object({ ok: z.boolean(), latency_ms: z.number().optional(), error: z.string().optional() }),
    store: z.looseObject({ ok: z.boolean(), kind: z.string(), error: z.string().optional() }),
    queues: z.record(z.string(), z.record(z.string(), z.number())),
    workers: z.record(z.string(), z.number().int()).meta({ description: 'Workers connected to each phase’s queues, fleet-wide.' }),
    dead_letters: z.number().int().nullable(),
    overlays: json,
  })
  .meta({ id: 'HealthReport' });
export const HealthAnswer = z.union([HealthReport, HealthStatus]).meta({ description: 'The full report for callers who may read the system; the status alone for anyone else.' });

export const PipelineMetrics = z
  .object({ phases: z.record(z.string(), z.looseObject({ count: z.number(), mean_ms: z.number() })), requests: json })
  .meta({ id: 'PipelineMetrics' });

export const AuditLog = z
  .object({
    entries: z.array(
      z.union([
        z.object({
          seq: z.number().int(),
          id: z.string(),
          at: time,
          actor_id: z.string(),
          action: z.string(),
          entity_type: z.string(),
          entity_id: z.string(),
          details: json,
          hash: z.string(),
          prev_hash: z.string(),
          label: z.number().int().min(0).max(100).meta({ description: 'The trust level of what the entry describes.' }),
        }),
        z
          .object({ seq: z.number().int(), id: z.string(), at: time, hash: z.string(), prev_hash: z.string(), redacted: z.literal(true) })
          .meta({ description: 'An entry describing something above the reader’s trust: its place in the chain only.' }),
      ]),
    ),
    next_before: z.number().int().nullable(),
    verification: json.optional(),
  })
  .meta({ id: 'AuditLog' });

export const UserWithFactor = UserView.extend({ totp_enabled: z.boolean() }).meta({ id: 'UserWithFactor' });

const jsonRpcId = z.union([z.string(), z.number().int()]);
export const JsonRpcMessage = z
  .strictObject({ jsonrpc: z.literal('2.0'), method: z.string(), id: jsonRpcId.optional(), params: json.optional() })
  .meta({ id: 'JsonRpcMessage', description: 'An MCP request or notification (initialize, tools/list, tools/call, resources/read, …).' });
export const JsonRpcAnswer = z
  .union([
    z.object({ jsonrpc: z.literal('2.0'), id: jsonRpcId, result: json }),
    z.object({ jsonrpc: z.literal('2.0'), id: jsonRpcId.nullable(), error: z.looseObject({ code: z.number().int(), message: z.string() }) }),
  ])
  .meta({ id: 'JsonRpcAnswer' });

export const OpenApiDocument = z.looseObject({ openapi: z.string(), info: json, paths: json }).meta({ id: 'OpenApiDocument' });
