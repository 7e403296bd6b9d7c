import type { z } from 'zod';
import * as A from '../api-schemas.js';
import * as R from './schemas.js';

/** One answer of an operation: JSON of a schema, text, or no body. */
export interface Answer {
  readonly description: string;
  readonly schema?: z.ZodType;
  /** Not JSON: the media type of the body. */
  readonly text?: string;
  readonly headers?: readonly string[];
}

/**
 * One operation of the API, as the document describes it. Error answers (the Error body) are listed by
 * status: 400 comes with a query or body schema, 401 with a permission above `public`, 403 with one above
 * the reader's, 404 with a path parameter and 415 with a JSON body; `errors` adds the others it can answer.
 */
export interface Operation {
  readonly summary: string;
  readonly tag: string;
  readonly description?: string;
  readonly query?: z.ZodObject;
  readonly headers?: z.ZodObject;
  readonly body?: z.ZodType;
  /** The body is multipart (overlay registration). */
  readonly multipart?: z.ZodObject;
  /** Its answers; a status here is answered with this body even where the rules above imply the Error body. */
  readonly answers: Readonly<Record<number, Answer>>;
  readonly errors?: readonly number[];
}

const json = (description: string, schema: z.ZodType, headers?: readonly string[]): Answer => ({ description, schema, ...(headers ? { headers } : {}) });
const none = (description: string): Answer => ({ description });

/**
 * Every API route's operation, keyed `METHOD path` as the authorisation table names it. A route of the
 * table that is not here is one of BROWSER_ROUTES; the contract test checks both ways.
 */
export const OPERATIONS: Readonly<Record<string, Operation>> = {
  'GET /healthz': { tag: 'system', summary: 'Liveness', answers: { 200: json('The process answers.', R.Liveness) } },
  'GET /metrics': {
    tag: 'system',
    summary: 'Prometheus metrics',
    description: 'The text exposition format; operators, or the scrape token (FORGE_METRICS_TOKEN).',
    answers: { 200: { description: 'Metrics.', text: 'text/plain' } },
  },
  'GET /v2/system/health': {
    tag: 'system',
    summary: 'Health',
    description: 'Anyone may ask; only operators see the report behind the status.',
    answers: { 200: json('Healthy.', R.HealthAnswer), 503: json('Degraded (a dependency is down).', R.HealthAnswer) },
  },
  'GET /v2/system/metrics': { tag: 'system', summary: 'Pipeline counters per phase', answers: { 200: json('Counters.', R.PipelineMetrics) } },
  'GET /v2/system/audit-log': {
    tag: 'system',
    summary: 'The tamper-evident audit log',
    query: A.AuditLogQuery,
    answers: { 200: json('Entries, newest first; `verify=true` recomputes the chain.', R.AuditLog) },
  },

  'GET /v2/requests': {
    tag: 'requests',
    summary: 'Recent requests',
    description:
      'Newest first. Operators see everyone’s at or below their trust (`mine=true` for their own); everyone else sees their own. A page may hold fewer than `limit`: follow `next_before`.',
    query: A.ListRequestsQuery,
    answers: { 200: json('A page of requests.', R.RequestList) },
  },
  'POST /v2/requests': {
    tag: 'requests',
    summary: 'Ask a question',
    description: 'Runs the seven-phase pipeline. `Idempotency-Key` makes a retry return the first request.',
    headers: A.RequestHeaders,
    body: A.SubmitRequestBody,
    answers: {
      202: json('Accepted; poll Location or GET with `wait`.', R.RequestAccepted, ['Location']),
      200: json('The same Idempotency-Key was sent before: its request.', R.RequestAccepted, ['Location', 'Idempotent-Replayed']),
    },
    errors: [403],
  },
  'GET /v2/requests/:id': {
    tag: 'requests',
    summary: 'A request and its answer',
    description: 'Long-poll with `wait` (ms). Another caller’s request is a 404, unless you are an operator at or above its submitter’s trust.',
    query: A.GetRequestQuery,
    answers: { 200: json('The request.', R.RequestView) },
  },

  'GET /v2/capsules': { tag: 'capsules', summary: 'List capsules', query: A.ListCapsulesQuery, answers: { 200: json('A page, at or below your trust.', R.CapsulePage) } },
  'GET /v2/capsules/search': {
    tag: 'capsules',
    summary: 'Semantic and text search',
    query: A.SearchCapsulesQuery,
    answers: { 200: json('Hits at or below your trust, best first.', R.SearchResults) },
  },
  'GET /v2/capsules/:id': { tag: 'capsules', summary: 'Read a capsule', answers: { 200: json('The capsule (404 above your trust).', R.Capsule) } },
  'GET /v2/capsules/:id/lineage': {
    tag: 'capsules',
    summary: 'Ancestry (the isnad)',
    answers: { 200: json('DERIVED_FROM ancestors, nearest first; hidden ones counted in `redacted`.', R.Ancestors) },
  },
  'GET /v2/capsules/:id/descendants': { tag: 'capsules', summary: 'Descendants', answers: { 200: json('Capsules derived from it.', R.Descendants) } },
  'POST /v2/capsules': {
    tag: 'capsules',
    summary: 'Create a capsule',
    body: A.CreateCapsuleBody,
    description: 'A parent in `derived_from` must exist (404) and be at or below the new capsule’s trust (409: derived knowledge is never readable below its sources).',
    answers: { 201: json('Created.', R.Capsule, ['Location']) },
    errors: [404, 409],
  },
  'PUT /v2/capsules/:id': {
    tag: 'capsules',
    summary: 'A new version',
    description: 'The new version is DERIVED_FROM this one, which is superseded.',
    body: A.UpdateCapsuleBody,
    answers: { 200: json('The new version.', R.Capsule, ['Location']) },
    errors: [409],
  },
  'DELETE /v2/capsules/:id': { tag: 'capsules', summary: 'Archive a capsule', answers: { 200: json('Archived (kept, with its lineage).', R.Capsule) } },
  'POST /v2/capsules/:id/fork': {
    tag: 'capsules',
    summary: 'Fork a capsule',
    body: A.ForkCapsuleBody,
    answers: { 201: json('The fork, DERIVED_FROM its parent.', R.Capsule, ['Location']) },
  },
  'POST /v2/capsules/:id/rederive': {
    tag: 'capsules',
    summary: 'Re-derive a stale saved answer',
    description: 'Asks its question again; the new answer is saved as its next version, derived from what it now cites. Only for a stale saved answer you may write a version of.',
    answers: { 202: json('The request asking again; poll Location.', R.RequestAccepted, ['Location']) },
    errors: [404, 409],
  },

  'POST /v2/events': {
    tag: 'events',
    summary: 'Publish an event',
    body: A.PublishEventBody,
    answers: { 201: json('Recorded and delivered.', R.Event, ['Location']) },
  },
  'GET /v2/events': { tag: 'events', summary: 'Events at or below your trust', query: A.ListEventsQuery, answers: { 200: json('Events by sequence.', R.EventList) } },
  'POST /v2/events/replay': {
    tag: 'events',
    summary: 'Replay events to a subscriber',
    body: A.ReplayEventsBody,
    answers: { 202: json('Queued; what it already handled is skipped.', R.ReplayQueued) },
  },
  'GET /v2/events/:id': { tag: 'events', summary: 'One event', answers: { 200: json('The event (404 above your trust).', R.Event) } },
  'GET /v2/cascades/:id': { tag: 'events', summary: 'A cascade as a tree', answers: { 200: json('The tree; events above your trust are redacted stubs.', R.Cascade) } },
  'GET /ws/events': {
    tag: 'events',
    summary: 'The live event stream (WebSocket)',
    description: 'Connect with `Upgrade: websocket` (docs/events.md); a plain GET is told to upgrade.',
    answers: {},
    errors: [426],
  },

  'POST /v2/governance/proposals': { tag: 'governance', summary: 'Propose', body: A.ProposeBody, answers: { 201: json('The proposal.', R.Proposal, ['Location']) } },
  'GET /v2/governance/proposals': { tag: 'governance', summary: 'Proposals', query: A.ListProposalsQuery, answers: { 200: json('Newest first.', R.ProposalList) } },
  'GET /v2/governance/proposals/:id': { tag: 'governance', summary: 'A proposal', answers: { 200: json('The proposal.', R.Proposal) } },
  'POST /v2/governance/proposals/:id/open': {
    tag: 'governance',
    summary: 'Open for voting',
    body: A.OpenProposalBody,
    answers: { 200: json('Voting until closes_at.', R.Proposal) },
    errors: [409],
  },
  'POST /v2/governance/proposals/:id/votes': {
    tag: 'governance',
    summary: 'Vote',
    description: 'Needs trust 80; weighted by your trust now; may be changed until the close.',
    body: A.VoteBody,
    answers: { 200: json('Your vote.', R.VoteCast) },
    errors: [403, 409],
  },
  'GET /v2/governance/proposals/:id/votes': { tag: 'governance', summary: 'The count', answers: { 200: json('The tally so far (or final).', R.Tally) } },
  'GET /v2/governance/proposals/:id/analysis': {
    tag: 'governance',
    summary: 'Constitutional review and advisory opinion',
    query: A.AnalysisQuery,
    answers: { 200: json('The analysis, redacted below the trust it cites.', R.Analysis) },
    errors: [403, 429],
  },
  'GET /v2/governance/delegation': { tag: 'governance', summary: 'Your delegation', answers: { 200: json('Whom you delegate to, and who delegates to you.', R.DelegationView) } },
  'PUT /v2/governance/delegation': {
    tag: 'governance',
    summary: 'Delegate your vote',
    body: A.DelegationBody,
    answers: { 200: json('Delegated: the delegation as GET answers it.', R.DelegationView) },
    errors: [404, 409],
  },
  'DELETE /v2/governance/delegation': { tag: 'governance', summary: 'Stop delegating', answers: { 200: json('No delegation.', R.DelegationView) } },
  'GET /v2/governance/settings': { tag: 'governance', summary: 'Governed settings', answers: { 200: json('In force now.', R.GovernanceSettings) } },

  'POST /v2/overlays': {
    tag: 'overlays',
    summary: 'Register an overlay',
    description: 'multipart/form-data: `wasm` (the module) and `manifest` (YAML or JSON, a field or a file).',
    multipart: A.RegisterOverlayParts,
    answers: { 201: json('Registered (pending).', R.OverlayView, ['Location']) },
    errors: [409, 413],
  },
  'GET /v2/overlays': {
    tag: 'overlays',
    summary: 'Overlays',
    query: A.OverlayListQuery,
    answers: { 200: json('Matching overlays, each with its canary (or null).', R.OverlayListWithCanaries) },
  },
  'GET /v2/overlays/:id': { tag: 'overlays', summary: 'An overlay', answers: { 200: json('The overlay.', R.OverlayView) } },
  'POST /v2/overlays/:id/activate': {
    tag: 'overlays',
    summary: 'Activate',
    description: 'At or above the governance gate’s trust, needs a passed proposal or an admin’s `emergency`.',
    body: A.ActivateOverlayBody,
    answers: { 200: json('Active.', R.OverlayView) },
    errors: [409],
  },
  'POST /v2/overlays/:id/suspend': { tag: 'overlays', summary: 'Suspend', body: A.SuspendOverlayBody, answers: { 200: json('Suspended.', R.OverlayView) } },
  'POST /v2/overlays/:id/invoke': {
    tag: 'overlays',
    summary: 'Call an entry point',
    body: A.InvokeOverlayBody,
    answers: { 200: json('What it returned, with fuel and time.', R.Invocation) },
    errors: [409],
  },
  'GET /v2/overlays/:id/metrics': { tag: 'overlays', summary: 'Calls, failures, latency, fuel, breaker', answers: { 200: json('Fleet-wide figures.', R.OverlayMetrics) } },
  'GET /v2/overlays/:id/health': { tag: 'overlays', summary: 'Health check (four levels)', answers: { 200: json('The report.', R.OverlayHealth) } },
  'POST /v2/overlays/:id/recover': {
    tag: 'overlays',
    summary: 'Recover from quarantine',
    answers: { 200: json('Checked; back on probation when healthy.', R.Recovered) },
    errors: [409],
  },
  'POST /v2/overlays/:id/canary': {
    tag: 'overlays',
    summary: 'Start a canary rollout',
    body: A.CanaryBody,
    description: 'A candidate at or above the governance gate’s trust needs a passed proposal or an admin’s `emergency`, and so does its promotion.',
    answers: { 201: json('Running.', R.Canary) },
    errors: [403, 409],
  },
  'GET /v2/overlays/:id/canary': { tag: 'overlays', summary: 'Canary progress', answers: { 200: json('Both sides’ figures and the verdict.', R.Canary) } },
  'POST /v2/overlays/:id/canary/stop': {
    tag: 'overlays',
    summary: 'Stop a canary',
    description: 'Every call goes to the stable version again; the candidate stays as it was. Recorded as rolled back, with who stopped it and why.',
    body: A.StopCanaryBody,
    answers: { 200: json('Stopped.', R.Canary) },
    errors: [409],
  },
  'GET /v2/overlays/:id/affected': {
    tag: 'overlays',
    summary: 'What an overlay reaches through cascades',
    query: A.AffectedQuery,
    answers: { 200: json('Subscribers reached, by fewest hops.', R.Affected) },
  },
  'DELETE /v2/overlays/:id': { tag: 'overlays', summary: 'Remove an overlay', answers: { 204: none('Removed.') } },
  'GET /v2/immune/quarantined': { tag: 'overlays', summary: 'Quarantined overlays', answers: { 200: json('Quarantined now.', R.OverlayList) } },

  'GET /v2/dead-letters': { tag: 'dead-letters', summary: 'Dead letters', query: A.DeadLetterQuery, answers: { 200: json('Newest first.', R.DeadLetterPage) } },
  'GET /v2/dead-letters/:id': { tag: 'dead-letters', summary: 'A dead letter', answers: { 200: json('The failed job, its data and error.', R.DeadLetter) } },
  'POST /v2/dead-letters/retry': {
    tag: 'dead-letters',
    summary: 'Re-drive matching letters',
    body: A.DeadLetterBulkBody,
    answers: { 200: json('What each became.', R.RetriedMany) },
  },
  'POST /v2/dead-letters/:id/retry': { tag: 'dead-letters', summary: 'Re-drive one letter', answers: { 200: json('What it became.', R.RetryOutcome) } },
  'POST /v2/dead-letters/purge': {
    tag: 'dead-letters',
    summary: 'Purge matching letters',
    body: A.DeadLetterBulkBody,
    answers: { 200: json('How many.', R.Purged) },
  },
  'DELETE /v2/dead-letters/:id': { tag: 'dead-letters', summary: 'Delete one letter', answers: { 204: none('Deleted.') } },

  'GET /v2/auth/me': { tag: 'auth', summary: 'Who am I', answers: { 200: json('The caller.', R.Me) } },
  'GET /v2/names': {
    tag: 'users',
    summary: 'Names of users',
    description: "The names of the users of `ids` (a capsule's owner, say) at or below your trust; any other id is left out as if absent.",
    query: A.NamesQuery,
    answers: { 200: json('The names you may know.', R.Names) },
  },
  'POST /v2/auth/login': {
    tag: 'auth',
    summary: 'Sign in with a name and password',
    body: A.LoginBody,
    answers: { 200: json('An access token and a rotating refresh token.', R.TokenPair) },
    errors: [401, 429],
  },
  'POST /v2/auth/register': {
    tag: 'auth',
    summary: 'Self-registration (when FORGE_SELF_REGISTRATION is on)',
    body: A.RegisterBody,
    answers: { 201: json('A reader at trust 40, signed in.', R.Registered) },
    errors: [403, 409, 429],
  },
  'POST /v2/auth/refresh': { tag: 'auth', summary: 'Rotate a refresh token', body: A.RefreshBody, answers: { 200: json('A new pair.', R.TokenPair) }, errors: [401] },
  'POST /v2/auth/logout': { tag: 'auth', summary: 'End a login', body: A.RefreshBody, answers: { 204: none('Ended (idempotent).') } },
  'POST /v2/auth/totp': { tag: 'auth', summary: 'Enrol a second factor', answers: { 201: json('The secret for your authenticator.', R.TotpEnrolment) }, errors: [409] },
  'POST /v2/auth/totp/confirm': { tag: 'auth', summary: 'Confirm the second factor', body: A.CodeBody, answers: { 200: json('Enabled.', R.UserWithFactor) }, errors: [409] },
  'POST /v2/auth/totp/disable': { tag: 'auth', summary: 'Disable the second factor', body: A.CodeBody, answers: { 200: json('Disabled.', R.UserWithFactor) } },
  'POST /v2/users': {
    tag: 'users',
    summary: 'Create a user',
    body: A.CreateUserBody,
    answers: { 201: json('Created.', R.UserCreated, ['Location']) },
    errors: [409],
  },
  'GET /v2/users': { tag: 'users', summary: 'Users', answers: { 200: json('Every user.', R.UserList) } },
  'GET /v2/users/:id': { tag: 'users', summary: 'A user', answers: { 200: json('The user.', R.UserView) } },
  'PATCH /v2/users/:id': { tag: 'users', summary: 'Change role, trust, password or disable', body: A.UpdateUserBody, answers: { 200: json('Changed.', R.UserView) } },
  'GET /v2/users/:id/trust-history': { tag: 'users', summary: 'Trust changes', answers: { 200: json('Each change with its reason.', R.TrustHistory) } },
  'GET /v2/users/:id/keys': { tag: 'users', summary: 'API keys', answers: { 200: json('Keys (never the secret).', R.ApiKeyList) } },
  'POST /v2/users/:id/keys': { tag: 'users', summary: 'Issue an API key', body: A.CreateKeyBody, answers: { 201: json('The key, shown once.', R.ApiKeyCreated) } },
  'DELETE /v2/keys/:id': { tag: 'users', summary: 'Revoke an API key', answers: { 200: json('Revoked.', R.ApiKey) } },

  'POST /mcp': {
    tag: 'mcp',
    summary: 'Model Context Protocol (streamable HTTP, stateless)',
    description: 'JSON-RPC 2.0 messages; tools and resources act as the caller (docs/mcp.md).',
    body: R.JsonRpcMessage,
    answers: {
      200: json('The JSON-RPC answer.', R.JsonRpcAnswer),
      202: none('A notification, accepted.'),
      400: json('Not JSON (-32700), or not a JSON-RPC message the server takes: a JSON-RPC error.', R.JsonRpcAnswer),
      406: json('`Accept` does not admit application/json (answers are JSON): a JSON-RPC error.', R.JsonRpcAnswer),
    },
  },
  'GET /mcp': { tag: 'mcp', summary: 'Not offered (stateless endpoint)', answers: {}, errors: [405] },
  'DELETE /mcp': { tag: 'mcp', summary: 'Not offered (stateless endpoint)', answers: {}, errors: [405] },
  'GET /v2/openapi.json': { tag: 'system', summary: 'This document', answers: { 200: json('OpenAPI 3.1.', R.OpenApiDocument) } },
};

/** Routes for browsers (HTML pages, static assets, Bull Board): in the authorisation table, not in the API document. */
export const BROWSER_ROUTES: readonly string[] = [
  'GET /',
  'GET /docs',
  'GET /ui/*asset',
  'GET /admin/login',
  'POST /admin/login',
  'POST /admin/logout',
  'POST /admin/session/token',
  'GET /admin/queues',
  'POST /admin/queues',
  'PUT /admin/queues',
  'PATCH /admin/queues',
  'DELETE /admin/queues',
];
