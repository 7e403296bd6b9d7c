import type { Router } from 'express';
import { CodeBody, LoginBody, RefreshBody, RegisterBody } from '../api-schemas.js';
import { checkPassword, signInWait } from '../../auth/sign-in.js';
import type { TokenService } from '../../auth/tokens.js';
import { AuthenticationError, ConflictError, ForgeError } from '../../errors.js';
import { newTotpSecret, otpauthUri, verifyTotp } from '../../auth/totp.js';
import type { RateLimits } from '../../fleet/fleet-state.js';
import type { GraphStore } from '../../store/graph-store.js';
import type { UserService } from '../../services/users.js';
import { parse } from './errors.js';
import { guardedRouter, principalOf, requirePrincipal } from './guard.js';

/** Self-registration is off (FORGE_SELF_REGISTRATION): HTTP 403. */
class RegistrationClosedError extends ForgeError {
  constructor() {
    super('registration_closed', 'this Forge does not take self-registration; ask an admin for an account', { retryable: false });
  }
}

/** Who a self-registered user is: the least role at SANDBOX trust. */
const SELF_REGISTERED = { role: 'reader', trust_level: 40 } as const;

/** A one-time code that does not match: HTTP 400. */
class WrongCodeError extends ForgeError {
  constructor() {
    super('validation_failed', 'that one-time code does not match; use the current code of your authenticator', { retryable: false });
  }
}

/** Too many sign-in attempts: HTTP 429 with Retry-After. */
export class TooManyAttemptsError extends ForgeError {
  readonly retryAfterS: number;
  constructor(retryAfterS: number) {
    super('rate_limited', `too many sign-in attempts; try again in ${retryAfterS} s`, { retryable: true });
    this.retryAfterS = retryAfterS;
  }

  override details(): Record<string, unknown> {
    return { retry_after_s: this.retryAfterS };
  }

  override httpHeaders(): Record<string, string> {
    return { 'Retry-After': String(this.retryAfterS) };
  }
}

/**
 * `/auth/login`, `/auth/refresh`, `/auth/logout`: a name and password for a short-lived access token and a
 * rotating refresh token. Attempts are limited per address and per name, fleet-wide.
 */
export function authRouter({
  store,
  tokens,
  limits,
  users,
  selfRegistration,
}: {
  store: Pick<GraphStore, 'getUserCredentials' | 'setTotp' | 'getTotpSecret'>;
  tokens: TokenService;
  limits: RateLimits;
  users: Pick<UserService, 'create'>;
  /** FORGE_SELF_REGISTRATION */
  selfRegistration: boolean;
}): Router {
  const r = guardedRouter('/v2');
  r.post('/auth/login', async (req, res) => {
    const body = parse(LoginBody, req.body, 'body');
    const credential = `name:${body.name.toLowerCase()}`;
    const wait = await signInWait(limits, req.ip ?? 'unknown', credential);
    if (wait > 0) throw new TooManyAttemptsError(wait);
    const checked = await checkPassword(store, body.name, body.password, body.totp);
    if ('refused' in checked) {
      const messages = {
        invalid: 'that name, password and code do not match',
        disabled: `user ${body.name} is disabled`,
        totp_required: 'this user signs in with a one-time code too: send totp',
      } as const;
      throw new AuthenticationError(checked.refused, messages[checked.refused]);
    }
    await limits.reset('login-credential', credential);
    res.json(await tokens.login(checked.user));
  });

  // Open only when configured: a reader at trust 40, signed in at once. Attempts count against the address.
  r.post('/auth/register', async (req, res) => {
    if (!selfRegistration) throw new RegistrationClosedError();
    const body = parse(RegisterBody, req.body, 'body');
    const { allowed, retryAfterS } = await limits.consume('login-address', req.ip ?? 'unknown');
    if (!allowed) throw new TooManyAttemptsError(retryAfterS);
    const user = await users.create(
      { id: 'self-registration', roles: ['admin'], trust_level: SELF_REGISTERED.trust_level },
      { name: body.name, password: body.password, ...SELF_REGISTERED },
    );
    res.status(201).json({ user: { id: user.id, name: user.name, role: user.role, trust_level: user.trust_level }, ...(await tokens.login(user)) });
  });

  r.post('/auth/refresh', async (req, res) => {
    const { refresh_token } = parse(RefreshBody, req.body, 'body');
    res.json(await tokens.refresh(refresh_token));
  });

  // A second factor: enrol (a secret for the authenticator app), confirm with a code, disable with a code.
  r.post('/auth/totp', async (_req, res) => {
    const principal = requirePrincipal(res);
    if (principal.user.totp_enabled) throw new ConflictError('user', principal.user.id, 'already has a second factor; disable it first');
    const secret = newTotpSecret();
    await store.setTotp(principal.user.id, { secret, enabled: false }, { actor_id: principal.user.id });
    res.status(201).json({ secret, otpauth_uri: otpauthUri(secret, principal.user.name), next: 'POST /v2/auth/totp/confirm {code}' });
  });

  r.post('/auth/totp/confirm', async (req, res) => {
    const principal = requirePrincipal(res);
    const { code: given } = parse(CodeBody, req.body, 'body');
    const secret = await store.getTotpSecret(principal.user.id);
    if (!secret) throw new ConflictError('user', principal.user.id, 'has no second factor to confirm; POST /v2/auth/totp first');
    if (!verifyTotp(secret, given)) throw new WrongCodeError();
    res.json(await store.setTotp(principal.user.id, { secret, enabled: true }, { actor_id: principal.user.id }));
  });

  r.post('/auth/totp/disable', async (req, res) => {
    const principal = requirePrincipal(res);
    const { code: given } = parse(CodeBody, req.body, 'body');
    const secret = await store.getTotpSecret(principal.user.id);
    if (!secret || !verifyTotp(secret, given)) throw new WrongCodeError();
    res.json(await store.setTotp(principal.user.id, null, { actor_id: principal.user.id }));
  });

  r.post('/auth/logout', async (req, res) => {
    const { refresh_token } = parse(RefreshBody, req.body, 'body');
    await tokens.logout(refresh_token, principalOf(res)?.user.id ?? 'anonymous');
    res.status(204).end();
  });
  return r;
}
