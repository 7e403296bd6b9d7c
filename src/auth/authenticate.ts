import { timingSafeEqual } from 'node:crypto';
import { AuthenticationError } from '../errors.js';
import type { SessionStore } from '../fleet/fleet-state.js';
import type { Caller, GraphStore, Role, UserRecord } from '../store/graph-store.js';
import { hashApiKey, isApiKey } from './api-keys.js';
import { sessionKeyLive, TokenService } from './tokens.js';
import type { OidcVerifier } from './oidc.js';

/** Who is calling: the user behind the credential, and the caller identity the services act for. */
export interface Principal {
  readonly user: UserRecord;
  readonly role: Role;
  readonly caller: Caller;
  /** How the caller proved it: an API key, a browser session made by a login, or the metrics scrape token. */
  readonly via: 'api_key' | 'token' | 'oidc' | 'session' | 'scrape_token';
  /** For a browser session: its reference, the origin of the access tokens it buys. */
  readonly session_ref?: string;
}

export function callerOf(user: UserRecord): Caller {
  return { id: user.id, roles: [user.role], trust_level: user.trust_level };
}

/**
 * Turns an `Authorization` header into a principal. No header: null (anonymous; the route decides).
 * A header that is not a valid, live credential of an enabled user: AuthenticationError.
 */
export async function authenticate(
  store: Pick<GraphStore, 'useApiKey'>,
  tokens: Pick<TokenService, 'verify'>,
  header: string | undefined,
  oidc: OidcVerifier | null = null,
): Promise<Principal | null> {
  if (header === undefined || header === '') return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw new AuthenticationError('invalid', 'Authorization must be "Bearer <credential>"');
  const token = match[1] as string;
  if (oidc && TokenService.looksLikeAccessToken(token) && oidc.issued(token)) {
    const user = await oidc.verify(token);
    return { user, role: user.role, caller: callerOf(user), via: 'oidc' };
  }
  if (TokenService.looksLikeAccessToken(token)) {
    const user = await tokens.verify(token);
    if (user.disabled) throw new AuthenticationError('disabled', `user ${user.name} is disabled`);
    return { user, role: user.role, caller: callerOf(user), via: 'token' };
  }
  if (!isApiKey(token)) throw new AuthenticationError('invalid', 'the credential is neither a Forge API key (forge_…) nor an access token');
  const found = await store.useApiKey(hashApiKey(token));
  if (!found) throw new AuthenticationError('revoked_or_unknown', 'the API key is revoked or unknown');
  if (found.user.disabled) throw new AuthenticationError('disabled', `user ${found.user.name} is disabled`);
  return { user: found.user, role: found.user.role, caller: callerOf(found.user), via: 'api_key' };
}

/** The browser session cookie: HttpOnly, SameSite=Strict, sent only to `/admin`. */
export const SESSION_COOKIE = 'forge_session';

/** The value of the session cookie in a `Cookie` header. */
export function sessionIdOf(cookieHeader: string | undefined): string | null {
  for (const part of (cookieHeader ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === SESSION_COOKIE) return value.join('=') || null;
  }
  return null;
}

/**
 * The principal of a browser session (Bull Board): null when there is no session cookie or it has ended
 * (the browser is sent to log in); a disabled user's session is refused.
 */
export async function authenticateSession(
  store: Pick<GraphStore, 'getUser' | 'getApiKey'>,
  sessions: Pick<SessionStore, 'get'>,
  cookieHeader: string | undefined,
): Promise<Principal | null> {
  const id = sessionIdOf(cookieHeader);
  if (!id) return null;
  const session = await sessions.get(id);
  // A session opened with an API key ends with the key.
  if (!session || !(await sessionKeyLive(store, session))) return null;
  const user = await store.getUser(session.user_id);
  if (!user) return null;
  if (user.disabled) throw new AuthenticationError('disabled', `user ${user.name} is disabled`);
  return { user, role: user.role, caller: callerOf(user), via: 'session', session_ref: session.ref };
}

/**
 * The scraper of `/metrics`, when the request carries the configured scrape token: it may read the
 * system's figures (operator role) and nothing else — the ingress accepts the token on `/metrics` only.
 */
export function scrapePrincipal(token: string | undefined, header: string | undefined): Principal | null {
  if (!token || !header) return null;
  const given = Buffer.from(header.replace(/^Bearer\s+/i, '').trim());
  const expected = Buffer.from(token);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  const user: UserRecord = {
    id: 'metrics-scraper',
    name: 'metrics-scraper',
    role: 'operator',
    trust_level: 0,
    disabled: false,
    has_password: false,
    totp_enabled: false,
    created_at: '',
    updated_at: '',
  };
  return { user, role: 'operator', caller: callerOf(user), via: 'scrape_token' };
}
