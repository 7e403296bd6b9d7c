/**
 * The authorisation table: every route Forge serves, and the permission it needs. One table, so that a
 * route cannot exist without a decision about who may call it (a test checks the ingress against it), and
 * `docs/security.md` prints it.
 */
import { ROLES, type Role } from '../store/graph-store.js';

/** What a caller may do; each permission is granted from one role upwards. */
export const PERMISSIONS = {
  /** Liveness only, no details. */
  public: 'anyone',
  /** Who am I. */
  'self:read': 'reader',
  /** My own second factor. */
  'self:manage': 'reader',
  'capsule:read': 'reader',
  /** Events and cascades at or below the reader's trust. */
  'event:read': 'reader',
  'request:submit': 'reader',
  /** Own requests; operators read anyone's at or below their trust. */
  'request:read': 'reader',
  'capsule:write': 'contributor',
  'event:publish': 'contributor',
  /** Proposals, their counts and analyses, the delegation of one's own vote (voting itself needs trust 80). */
  'governance:read': 'reader',
  'governance:vote': 'reader',
  'governance:propose': 'contributor',
  'overlay:manage': 'operator',
  'dead-letter:manage': 'operator',
  'audit:read': 'operator',
  'system:read': 'operator',
  /** Anyone's requests at or below the reader's trust (not a route's permission: checked on the record, canReadRequest). */
  'request:read-any': 'operator',
  'queues:read': 'operator',
  'dead-letter:purge': 'admin',
  'queues:act': 'admin',
  'user:manage': 'admin',
} as const satisfies Record<string, Role | 'anyone'>;

export type Permission = keyof typeof PERMISSIONS;

export interface RouteRule {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** As the router declares it (`:id` for parameters). */
  readonly path: string;
  readonly permission: Permission;
}

export const ROUTES: readonly RouteRule[] = [
  { method: 'GET', path: '/healthz', permission: 'public' },
  { method: 'GET', path: '/metrics', permission: 'system:read' },
  { method: 'GET', path: '/v2/system/health', permission: 'public' },
  { method: 'GET', path: '/v2/system/metrics', permission: 'system:read' },
  { method: 'GET', path: '/v2/system/audit-log', permission: 'audit:read' },

  { method: 'POST', path: '/v2/requests', permission: 'request:submit' },
  { method: 'GET', path: '/v2/requests', permission: 'request:read' },
  { method: 'GET', path: '/v2/requests/:id', permission: 'request:read' },

  { method: 'GET', path: '/v2/capsules', permission: 'capsule:read' },
  { method: 'GET', path: '/v2/capsules/search', permission: 'capsule:read' },
  { method: 'GET', path: '/v2/capsules/:id', permission: 'capsule:read' },
  { method: 'GET', path: '/v2/capsules/:id/lineage', permission: 'capsule:read' },
  { method: 'GET', path: '/v2/capsules/:id/descendants', permission: 'capsule:read' },
  { method: 'POST', path: '/v2/capsules', permission: 'capsule:write' },
  { method: 'PUT', path: '/v2/capsules/:id', permission: 'capsule:write' },
  { method: 'DELETE', path: '/v2/capsules/:id', permission: 'capsule:write' },
  { method: 'POST', path: '/v2/capsules/:id/fork', permission: 'capsule:write' },
  { method: 'POST', path: '/v2/capsules/:id/rederive', permission: 'capsule:write' },

  { method: 'POST', path: '/v2/events', permission: 'event:publish' },
  { method: 'GET', path: '/v2/events', permission: 'event:read' },
  { method: 'POST', path: '/v2/events/replay', permission: 'overlay:manage' },
  { method: 'GET', path: '/v2/events/:id', permission: 'event:read' },
  { method: 'GET', path: '/v2/cascades/:id', permission: 'event:read' },
  // The live stream: a WebSocket (the upgrade is authorised the same way; a plain GET answers 426).
  { method: 'GET', path: '/ws/events', permission: 'event:read' },

  { method: 'POST', path: '/v2/governance/proposals', permission: 'governance:propose' },
  { method: 'GET', path: '/v2/governance/proposals', permission: 'governance:read' },
  { method: 'GET', path: '/v2/governance/proposals/:id', permission: 'governance:read' },
  { method: 'POST', path: '/v2/governance/proposals/:id/open', permission: 'governance:propose' },
  { method: 'POST', path: '/v2/governance/proposals/:id/votes', permission: 'governance:vote' },
  { method: 'GET', path: '/v2/governance/proposals/:id/votes', permission: 'governance:read' },
  { method: 'GET', path: '/v2/governance/proposals/:id/analysis', permission: 'governance:read' },
  { method: 'GET', path: '/v2/governance/delegation', permission: 'governance:vote' },
  { method: 'PUT', path: '/v2/governance/delegation', permission: 'governance:vote' },
  { method: 'DELETE', path: '/v2/governance/delegation', permission: 'governance:vote' },
  { method: 'GET', path: '/v2/governance/settings', permission: 'governance:read' },

  { method: 'POST', path: '/v2/overlays', permission: 'overlay:manage' },
  { method: 'GET', path: '/v2/overlays', permission: 'overlay:manage' },
  { method: 'GET', path: '/v2/overlays/:id', permission: 'overlay:manage' },
  { method: 'POST', path: '/v2/overlays/:id/activate', permission: 'overlay:manage' },
  { method: 'POST', path: '/v2/overlays/:id/suspend', permission: 'overlay:manage' },
  { method: 'POST', path: '/v2/overlays/:id/invoke', permission: 'overlay:manage' },
  { method: 'GET', path: '/v2/overlays/:id/metrics', permission: 'overlay:manage' },
  { method: 'GET', path: '/v2/overlays/:id/health', permission: 'overlay:manage' },
  { method: 'POST', path: '/v2/overlays/:id/recover', permission: 'overlay:manage' },
  { method: 'POST', path: '/v2/overlays/:id/canary', permission: 'overlay:manage' },
  { method: 'GET', path: '/v2/overlays/:id/canary', permission: 'overlay:manage' },
  { method: 'POST', path: '/v2/overlays/:id/canary/stop', permission: 'overlay:manage' },
  { method: 'GET', path: '/v2/overlays/:id/affected', permission: 'overlay:manage' },
  { method: 'DELETE', path: '/v2/overlays/:id', permission: 'overlay:manage' },
  { method: 'GET', path: '/v2/immune/quarantined', permission: 'overlay:manage' },

  { method: 'GET', path: '/v2/dead-letters', permission: 'dead-letter:manage' },
  { method: 'GET', path: '/v2/dead-letters/:id', permission: 'dead-letter:manage' },
  { method: 'POST', path: '/v2/dead-letters/retry', permission: 'dead-letter:manage' },
  { method: 'POST', path: '/v2/dead-letters/:id/retry', permission: 'dead-letter:manage' },
  { method: 'POST', path: '/v2/dead-letters/purge', permission: 'dead-letter:purge' },
  { method: 'DELETE', path: '/v2/dead-letters/:id', permission: 'dead-letter:purge' },

  { method: 'GET', path: '/v2/auth/me', permission: 'self:read' },
  // Names of users (a capsule's owner): only those at or below the reader's trust.
  { method: 'GET', path: '/v2/names', permission: 'capsule:read' },
  { method: 'POST', path: '/v2/auth/login', permission: 'public' },
  { method: 'POST', path: '/v2/auth/register', permission: 'public' },
  { method: 'POST', path: '/v2/auth/refresh', permission: 'public' },
  { method: 'POST', path: '/v2/auth/logout', permission: 'public' },
  { method: 'POST', path: '/v2/auth/totp', permission: 'self:manage' },
  { method: 'POST', path: '/v2/auth/totp/confirm', permission: 'self:manage' },
  { method: 'POST', path: '/v2/auth/totp/disable', permission: 'self:manage' },
  { method: 'POST', path: '/v2/users', permission: 'user:manage' },
  { method: 'GET', path: '/v2/users', permission: 'user:manage' },
  { method: 'GET', path: '/v2/users/:id', permission: 'user:manage' },
  { method: 'PATCH', path: '/v2/users/:id', permission: 'user:manage' },
  { method: 'GET', path: '/v2/users/:id/trust-history', permission: 'user:manage' },
  { method: 'GET', path: '/v2/users/:id/keys', permission: 'user:manage' },
  { method: 'POST', path: '/v2/users/:id/keys', permission: 'user:manage' },
  { method: 'DELETE', path: '/v2/keys/:id', permission: 'user:manage' },

  // The Model Context Protocol (streamable HTTP, stateless): tools and resources as the caller.
  { method: 'POST', path: '/mcp', permission: 'capsule:read' },
  { method: 'GET', path: '/mcp', permission: 'capsule:read' },
  { method: 'DELETE', path: '/mcp', permission: 'capsule:read' },

  // The dashboard, the API reference and the document (pages without data: they read the API as the signed-in user).
  { method: 'GET', path: '/', permission: 'public' },
  { method: 'GET', path: '/docs', permission: 'public' },
  { method: 'GET', path: '/ui/*asset', permission: 'public' },
  { method: 'GET', path: '/v2/openapi.json', permission: 'public' },

  // The browser login of Bull Board: anyone may try; the form checks the credential.
  { method: 'GET', path: '/admin/login', permission: 'public' },
  { method: 'POST', path: '/admin/login', permission: 'public' },
  { method: 'POST', path: '/admin/logout', permission: 'public' },
  // The signed-in browser's short-lived access token (the dashboard's credential for the API).
  { method: 'POST', path: '/admin/session/token', permission: 'self:read' },

  // Bull Board, everything under its mount: looking needs queues:read, any action queues:act.
  { method: 'GET', path: '/admin/queues', permission: 'queues:read' },
  { method: 'POST', path: '/admin/queues', permission: 'queues:act' },
  { method: 'PUT', path: '/admin/queues', permission: 'queues:act' },
  { method: 'PATCH', path: '/admin/queues', permission: 'queues:act' },
  { method: 'DELETE', path: '/admin/queues', permission: 'queues:act' },
];

/** Mounts whose routes belong to another package: one rule per method covers everything under them. */
export const MOUNTS: readonly string[] = ['/admin/queues'];

const rank = (role: Role) => ROLES.indexOf(role);

/** Whether `role` (none: anonymous) holds `permission`. */
export function allows(role: Role | null, permission: Permission): boolean {
  const needs = PERMISSIONS[permission];
  if (needs === 'anyone') return true;
  return role !== null && rank(role) >= rank(needs);
}

/** Declared paths as patterns (`/v2/capsules/:id` → one segment in place of `:id`), with how many parameters each has. */
const PATTERNS = ROUTES.map((r) => ({ method: r.method, pattern: new RegExp(`^${r.path.replace(/:[a-z_]+/g, '[^/]+')}$`), params: (r.path.match(/:/g) ?? []).length }));

/**
 * The methods the table serves at a concrete path (HEAD with GET), none when it serves nothing there: a
 * request for another method is answered 405 with these as `Allow`. A path that several declared paths
 * match is the most specific one's: `/v2/capsules/search` is the search, not a capsule called "search".
 */
export function allowedMethods(path: string): string[] {
  const matching = PATTERNS.filter((p) => p.pattern.test(path));
  const fewest = Math.min(...matching.map((p) => p.params));
  const methods = new Set<string>(matching.filter((p) => p.params === fewest).map((p) => p.method));
  if (methods.has('GET')) methods.add('HEAD');
  return [...methods].sort();
}

/** The rule of a route, by method and declared path. */
export function ruleOf(method: string, path: string): RouteRule | undefined {
  return ROUTES.find((r) => r.method === method && r.path === path);
}
