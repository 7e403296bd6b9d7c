import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject, type ZodOpenApiResponsesObject } from 'zod-openapi';
import { z } from 'zod';
import { PERMISSIONS, ROUTES, type RouteRule } from '../../auth/authorization.js';
import { packageVersion } from '../../util/package-root.js';
import { BROWSER_ROUTES, OPERATIONS, type Operation } from './operations.js';
import { ErrorBody } from './schemas.js';

/** What each error status means, as the document says it. */
const ERROR_MEANING: Readonly<Record<number, string>> = {
  400: 'The request does not validate: `details.issues` lists the zod issues.',
  401: 'No credential, or one that is not valid (WWW-Authenticate: Bearer).',
  403: 'The credential’s role or trust does not allow this (`details` names what was needed).',
  404: 'Not found — or above your trust, which reads the same.',
  405: 'Method not allowed.',
  409: 'Conflicts with the current state (`message` says which).',
  413: 'Too large (`details` gives the limit).',
  415: 'The body is not of the type this route takes (JSON, unless stated).',
  426: 'Upgrade required: this is a WebSocket.',
  429: 'Rate limited: retry after Retry-After seconds.',
};

const key = (rule: Pick<RouteRule, 'method' | 'path'>) => `${rule.method} ${rule.path}`;

/**
 * The statuses an operation answers with, successes and errors: its own answers, then the errors its
 * shape implies (see Operation) and those it lists, less those it answers with a body of its own.
 */
export function statusesOf(rule: RouteRule, op: Operation): { ok: number[]; errors: number[] } {
  const needs = PERMISSIONS[rule.permission];
  const implied = [
    ...(op.query || op.body || op.headers || op.multipart ? [400] : []),
    ...(needs !== 'anyone' ? [401] : []),
    ...(needs !== 'anyone' && needs !== 'reader' ? [403] : []),
    ...(rule.path.includes(':') ? [404] : []),
    ...(op.body || op.multipart ? [415] : []),
  ];
  const ok = Object.keys(op.answers).map(Number);
  // An answer of its own (another body) replaces the Error body for that status.
  const errors = [...new Set([...implied, ...(op.errors ?? [])])].filter((s) => !ok.includes(s)).sort((a, b) => a - b);
  return { ok, errors };
}

/** The operations of the document, each with its rule: every API route of the authorisation table. */
export function documentedRoutes(): Array<{ rule: RouteRule; op: Operation }> {
  return ROUTES.filter((r) => !BROWSER_ROUTES.includes(key(r))).map((rule) => {
    const op = OPERATIONS[key(rule)];
    if (!op) throw new Error(`${key(rule)} has no operation in src/producers/openapi/operations.ts (or list it among BROWSER_ROUTES)`);
    return { rule, op };
  });
}

const toOpenApiPath = (path: string) => path.replace(/:([A-Za-z_]+)/g, '{$1}');

function operationObject(rule: RouteRule, op: Operation): ZodOpenApiOperationObject {
  const { ok, errors } = statusesOf(rule, op);
  const responses: ZodOpenApiResponsesObject = {};
  for (const status of ok) {
    const answer = op.answers[status];
    if (!answer) continue;
    responses[String(status) as `${1 | 2 | 3 | 4 | 5}${string}`] = {
      description: answer.description,
      ...(answer.headers ? { headers: Object.fromEntries(answer.headers.map((h) => [h, { schema: { type: 'string' } }])) } : {}),
      ...(answer.schema ? { content: { 'application/json': { schema: answer.schema } } } : answer.text ? { content: { [answer.text]: { schema: { type: 'string' } } } } : {}),
    };
  }
  for (const status of errors) {
    responses[String(status) as `${1 | 2 | 3 | 4 | 5}${string}`] = {
      description: ERROR_MEANING[status] ?? 'An error.',
      ...(status === 429 ? { headers: { 'Retry-After': { schema: { type: 'string' } } } } : {}),
      content: { 'application/json': { schema: ErrorBody } },
    };
  }
  // Anything else: 500 (with a correlation id to find in the log) or 503 while Redis is away.
  responses.default = {
    description: 'Server-side failure (500), or 503 while the fleet state (Redis) is unavailable; retry.',
    content: { 'application/json': { schema: ErrorBody } },
  };
  const params = rule.path.match(/:([A-Za-z_]+)/g)?.map((p) => p.slice(1)) ?? [];
  const needs = PERMISSIONS[rule.permission];
  return {
    operationId: operationId(rule),
    summary: op.summary,
    description: [op.description, `Permission: \`${rule.permission}\` (${needs === 'anyone' ? 'anyone' : `${needs} and above`}).`].filter(Boolean).join('\n\n'),
    tags: [op.tag],
    'x-forge-permission': rule.permission,
    security: needs === 'anyone' ? [] : [{ apiKey: [] }, { accessToken: [] }],
    requestParams: {
      ...(params.length ? { path: z.object(Object.fromEntries(params.map((p) => [p, z.string()]))) } : {}),
      ...(op.query ? { query: op.query } : {}),
      ...(op.headers ? { header: op.headers } : {}),
    },
    // A body whose every field may be left out may itself be left out (the ingress reads a missing one as {}).
    ...(op.body ? { requestBody: { required: !op.body.safeParse({}).success, content: { 'application/json': { schema: op.body } } } } : {}),
    ...(op.multipart ? { requestBody: { required: true, content: { 'multipart/form-data': { schema: op.multipart } } } } : {}),
    responses,
  };
}

/** A stable name per operation, for generated clients: `get_v2_capsules_id`. */
export function operationId(rule: Pick<RouteRule, 'method' | 'path'>): string {
  return `${rule.method.toLowerCase()}${rule.path.replace(/[:/.-]+/g, '_').replace(/_$/, '')}`;
}

let built: ReturnType<typeof createDocument> | null = null;

/** The OpenAPI 3.1 document of the API, generated from the zod schemas that validate requests and shape answers. */
export function openApiDocument(): ReturnType<typeof createDocument> {
  if (built) return built;
  const paths: ZodOpenApiPathsObject = {};
  for (const { rule, op } of documentedRoutes()) {
    const path = toOpenApiPath(rule.path);
    paths[path] = { ...paths[path], [rule.method.toLowerCase()]: operationObject(rule, op) };
  }
  built = createDocument({
    openapi: '3.1.0',
    info: {
      title: 'Forge API',
      version: packageVersion(),
      description:
        'Institutional memory: capsules with lineage, a seven-phase pipeline, WebAssembly overlays, events and governance. Every read is bounded by the caller’s trust. See docs/api.md.',
    },
    servers: [{ url: '/' }],
    tags: ['requests', 'capsules', 'events', 'governance', 'overlays', 'dead-letters', 'auth', 'users', 'system', 'mcp'].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        apiKey: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'forge_…',
          description: 'An API key (`forge user key`, `POST /v2/users/{id}/keys`), sent as `Authorization: Bearer forge_…`.',
        },
        accessToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An access token from `POST /v2/auth/login` (or an OIDC token when configured).' },
      },
    },
  });
  return built;
}
