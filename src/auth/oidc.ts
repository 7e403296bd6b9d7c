import { createRemoteJWKSet, decodeJwt, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { AuthenticationError } from '../errors.js';
import { ROLES, type Role, type UserRecord } from '../store/graph-store.js';

export interface OidcSettings {
  readonly issuer: string;
  readonly audience: string;
  readonly jwksUrl: string;
  readonly roleClaim: string;
  readonly trustClaim: string;
  readonly defaultRole: Role;
  readonly defaultTrust: number;
  /** The most trust an external token may carry. */
  readonly maxTrust: number;
}

/**
 * Tokens from an external OpenID Connect issuer: verified against its published keys (fetched and cached
 * by jose), then mapped to a Forge identity — `oidc:<sub>` — with the role and trust its claims give,
 * within the configured bounds. Nothing is stored: the issuer is the source of truth for these users.
 */
export class OidcVerifier {
  private readonly settings: OidcSettings;
  private readonly keys: ReturnType<typeof createRemoteJWKSet>;

  constructor(settings: OidcSettings) {
    this.settings = settings;
    this.keys = createRemoteJWKSet(new URL(settings.jwksUrl), { timeoutDuration: 5000, cooldownDuration: 30_000 });
  }

  /** Whether a JWT claims to come from this issuer (unverified: only to choose who verifies it). */
  issued(token: string): boolean {
    try {
      return decodeJwt(token).iss === this.settings.issuer;
    } catch {
      return false;
    }
  }

  /** @throws AuthenticationError `expired` or `invalid` */
  async verify(token: string): Promise<UserRecord> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keys, { issuer: this.settings.issuer, audience: this.settings.audience }));
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw new AuthenticationError('expired', 'the identity provider token has expired');
      throw new AuthenticationError('invalid', `the identity provider token is not valid${err instanceof Error ? `: ${err.message}` : ''}`);
    }
    if (!payload.sub) throw new AuthenticationError('invalid', 'the identity provider token names no subject');
    const { roleClaim, trustClaim, defaultRole, defaultTrust, maxTrust } = this.settings;
    const claimedRole = payload[roleClaim];
    const role: Role = typeof claimedRole === 'string' && (ROLES as readonly string[]).includes(claimedRole) ? (claimedRole as Role) : defaultRole;
    const claimedTrust = payload[trustClaim];
    const trust = Math.min(maxTrust, typeof claimedTrust === 'number' && Number.isInteger(claimedTrust) && claimedTrust >= 0 ? claimedTrust : defaultTrust);
    const name = typeof payload.preferred_username === 'string' ? payload.preferred_username : payload.sub;
    const at = new Date((payload.iat ?? 0) * 1000).toISOString();
    return { id: `oidc:${payload.sub}`, name, role, trust_level: trust, disabled: false, has_password: false, totp_enabled: false, created_at: at, updated_at: at };
  }
}
