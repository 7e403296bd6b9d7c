import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { AuthenticationError } from '../errors.js';
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
 * Short-lived access tokens (JWT, HS256) and rotating refresh tokens. A login starts a family; each refresh
 * uses its token up and returns a new one; presenting a used token again means it was copied, so the whole
 * family is revoked (the thief's and the owner's sessions both end). Logout revokes the family.
 */
export class TokenService {
  private readonly store: Pick<GraphStore, 'createRefreshToken' | 'useRefreshToken' | 'revokeRefreshFamily' | 'refreshFamilyOf' | 'getUser'>;
  private readonly settings: TokenSettings;

  constructor(deps: { store: TokenService['store']; settings: TokenSettings }) {
    this.store = deps.store;
    this.settings = deps.settings;
  }

  private async pair(user: UserRecord, refresh: string): Promise<TokenPair> {
    return { ...(await this.access(user)), refresh_token: refresh };
  }

  /** An access token alone, for a user already signed in another way (a browser session): no refresh token. */
  async access(user: UserRecord): Promise<Omit<TokenPair, 'refresh_token'>> {
    const access = await new SignJWT({ role: user.role })
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
    await this.store.createRefreshToken({ id: refresh.id, family_id: randomUUID(), user_id: user.id, hash: refresh.hash, expires_at: refresh.expires_at });
    return this.pair(user, refresh.token);
  }

  /** @throws AuthenticationError `refresh_reused` (the family is now revoked) or `invalid` */
  async refresh(refreshToken: string): Promise<TokenPair> {
    const next = this.newRefresh();
    const outcome = await this.store.useRefreshToken(hash(refreshToken), next);
    if (outcome.kind === 'reused') throw new AuthenticationError('refresh_reused', 'this refresh token was used before: every session of its login is now ended; log in again');
    if (outcome.kind === 'invalid') throw new AuthenticationError('invalid', 'the refresh token is unknown, expired or revoked; log in again');
    if (outcome.user.disabled) throw new AuthenticationError('disabled', `user ${outcome.user.name} is disabled`);
    return this.pair(outcome.user, next.token);
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
   * The user an access token was issued to, read again from the store (a disabled user is refused at once).
   * @throws AuthenticationError `expired` or `invalid`
   */
  async verify(token: string): Promise<UserRecord> {
    let subject: string | undefined;
    try {
      const { payload } = await jwtVerify(token, this.settings.secret, { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'] });
      subject = payload.sub;
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw new AuthenticationError('expired', 'the access token has expired; refresh it');
      throw new AuthenticationError('invalid', 'the access token is not valid');
    }
    const user = subject ? await this.store.getUser(subject) : null;
    if (!user) throw new AuthenticationError('invalid', 'the access token names no user');
    return user;
  }
}
