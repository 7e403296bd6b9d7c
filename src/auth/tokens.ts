import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { AuthenticationError } from '../errors.js';
import type { SessionStore } from '../fleet/fleet-state.js';
import type { GraphStore, UserRecord } from '../store/graph-store.js';

export interface TokenSettings {
  /** HS256 key shared by every ingress of the fleet. */
  readonly secret: Uint8Array;
  /** Lifetime of an access token. @defaultValue 900 */
  readonly accessTtlSeconds: number;
  /** Lifetime of a refresh token (each refresh makes a new one). @defaultValue 14 days */
  readonly refreshTtlSeconds: number;
}

export interface TokenPair {
  readonly access_token: string;
  readonly token_type: 'Bearer';
  /** Seconds the access token lives. */
  readonly expires_in: number;
  readonly refresh_token: string;
}

const ISSUER = 'forge';
const AUDIENCE = 'forge-api';
/** Refresh tokens start with this, so they are told apart from API keys and access tokens. */
const REFRESH_PREFIX = 'forgert_';

const hash = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * Where an access token comes from: a login (its refresh family) or a browser session (its reference).
 * The token lives only as long as its origin: logging out, a reused refresh token, ending the session or
 * revoking the API key the session was opened with refuses it on its next call.
 */
export type TokenOrigin = { readonly kind: 'login'; readonly family_id: string } | { readonly kind: 'session'; readonly ref: string };

const ORIGIN_CLAIM = 'org';
const originClaim = (o: TokenOrigin) => (o.kind === 'login' ? `login:${o.family_id}` : `session:${o.ref}`);
function parseOrigin(claim: unknown): TokenOrigin | null {
  if (typeof claim !== 'string') return null;
  const [kind, id] = [claim.slice(0, claim.indexOf(':')), claim.slice(claim.indexOf(':') + 1)];
  if (!id) return null;
  if (kind === 'login') return { kind, family_id: id };
  if (kind === 'session') return { kind, ref: id };
  return null;
}

/**
 * Short-lived access tokens (JWT, HS256) and rotating refresh tokens. A login starts a family; each refresh
 * uses its token up and returns a new one; presenting a used token again means it was copied, so the whole
 * family is revoked (the thief's and the owner's sessions both end). Logout revokes the family.
 */
export class TokenService {
  private readonly store: Pick<GraphStore, 'createRefreshToken' | 'useRefreshToken' | 'revokeRefreshFamily' | 'refreshFamilyOf' | 'refreshFamilyLive' | 'getUser' | 'getApiKey'>;
  private readonly sessions: Pick<SessionStore, 'byRef'>;
  private readonly settings: TokenSettings;

  constructor(deps: { store: TokenService['store']; sessions: TokenService['sessions']; settings: TokenSettings }) {
    this.store = deps.store;
    this.sessions = deps.sessions;
    this.settings = deps.settings;
  }

  private async pair(user: UserRecord, refresh: string, familyId: string): Promise<TokenPair> {
    return { ...(await this.access(user, { kind: 'login', family_id: familyId })), refresh_token: refresh };
  }

  /**
   * An access token for `user`, tied to its origin: a login family, or a browser session (which has no
   * refresh token). An access token is never an origin: tokens cannot renew themselves.
   */
  async access(user: UserRecord, origin: TokenOrigin): Promise<Omit<TokenPair, 'refresh_token'>> {
    const access = await new SignJWT({ role: user.role, [ORIGIN_CLAIM]: originClaim(origin) })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(user.id)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime(`${this.settings.accessTtlSeconds}s`)
      .sign(this.settings.secret);
    return { access_token: access, token_type: 'Bearer', expires_in: this.settings.accessTtlSeconds };
  }

  private newRefresh(): { id: string; token: string; hash: string; expires_at: string } {
    const token = `${REFRESH_PREFIX}${randomBytes(32).toString('base64url')}`;
    return { id: randomUUID(), token, hash: hash(token), expires_at: new Date(Date.now() + this.settings.refreshTtlSeconds * 1000).toISOString() };
  }

  /** A new family for a user who just proved who they are. */
  async login(user: UserRecord): Promise<TokenPair> {
    const refresh = this.newRefresh();
    const familyId = randomUUID();
    await this.store.createRefreshToken({ id: refresh.id, family_id: familyId, user_id: user.id, hash: refresh.hash, expires_at: refresh.expires_at });
    return this.pair(user, refresh.token, familyId);
  }

  /** @throws AuthenticationError `refresh_reused` (the family is now revoked) or `invalid` */
  async refresh(refreshToken: string): Promise<TokenPair> {
    const next = this.newRefresh();
    const outcome = await this.store.useRefreshToken(hash(refreshToken), next);
    if (outcome.kind === 'reused') throw new AuthenticationError('refresh_reused', 'this refresh token was used before: every session of its login is now ended; log in again');
    if (outcome.kind === 'invalid') throw new AuthenticationError('invalid', 'the refresh token is unknown, expired or revoked; log in again');
    if (outcome.user.disabled) throw new AuthenticationError('disabled', `user ${outcome.user.name} is disabled`);
    return this.pair(outcome.user, next.token, outcome.family_id);
  }

  /** Ends the login the token belongs to (idempotent; an unknown token ends nothing). */
  async logout(refreshToken: string, actorId: string): Promise<void> {
    const family = await this.store.refreshFamilyOf(hash(refreshToken));
    if (family) await this.store.revokeRefreshFamily(family, { actor_id: actorId });
  }

  /** Whether a bearer token is one of ours (a JWT); API keys and refresh tokens are not. */
  static looksLikeAccessToken(token: string): boolean {
    return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token);
  }

  /**
   * The user an access token was issued to, read again from the store (a disabled user is refused at once),
   * once its origin is checked to be live.
   * @throws AuthenticationError `expired`, `invalid` or `revoked_or_unknown` (its login or session ended)
   */
  async verify(token: string): Promise<UserRecord> {
    let subject: string | undefined;
    let claim: unknown;
    try {
      const { payload } = await jwtVerify(token, this.settings.secret, { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'] });
      subject = payload.sub;
      claim = payload[ORIGIN_CLAIM];
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw new AuthenticationError('expired', 'the access token has expired; refresh it');
      throw new AuthenticationError('invalid', 'the access token is not valid');
    }
    const origin = parseOrigin(claim);
    if (!origin) throw new AuthenticationError('invalid', 'the access token names no login or session it came from');
    const user = subject ? await this.store.getUser(subject) : null;
    if (!user) throw new AuthenticationError('invalid', 'the access token names no user');
    if (!(await this.originLive(origin, user.id))) throw new AuthenticationError('revoked_or_unknown', `the ${origin.kind} this access token came from has ended`);
    return user;
  }

  /** A login family with a token not revoked; a session that lives, of this user, whose API key (if any) is not revoked. */
  private async originLive(origin: TokenOrigin, userId: string): Promise<boolean> {
    if (origin.kind === 'login') return this.store.refreshFamilyLive(origin.family_id);
    const session = await this.sessions.byRef(origin.ref);
    return session !== null && session.user_id === userId && (await sessionKeyLive(this.store, session));
  }
}

/** A session opened with an API key ends when the key is revoked. */
export async function sessionKeyLive(store: Pick<GraphStore, 'getApiKey'>, session: { readonly key_id: string | null; readonly user_id: string }): Promise<boolean> {
  if (session.key_id === null) return true;
  const key = await store.getApiKey(session.key_id);
  return key !== null && key.revoked_at === null && key.user_id === session.user_id;
}
