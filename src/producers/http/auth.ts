import type { Router } from 'express';
import { z } from 'zod';
import { verifyPassword } from '../../auth/passwords.js';
import type { TokenService } from '../../auth/tokens.js';
import { AuthenticationError, ForgeError } from '../../errors.js';
import type { RateLimits } from '../../fleet/fleet-state.js';
import type { GraphStore } from '../../store/graph-store.js';
import { parse } from './errors.js';
import { guardedRouter, principalOf } from './guard.js';

const LoginBody = z.strictObject({ name: z.string().min(1).max(64), password: z.string().min(1).max(1024) });
const RefreshBody = z.strictObject({ refresh_token: z.string().min(1).max(200) });

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
export function authRouter({ store, tokens, limits }: { store: Pick<GraphStore, 'getUserCredentials'>; tokens: TokenService; limits: RateLimits }): Router {
  const r = guardedRouter('/v2');
  r.post('/auth/login', async (req, res) => {
    const body = parse(LoginBody, req.body, 'body');
    const name = body.name.toLowerCase();
    for (const [bucket, key] of [
      ['login-address', req.ip ?? 'unknown'],
      ['login-credential', `name:${name}`],
    ] as const) {
      const { allowed, retryAfterS } = await limits.consume(bucket, key);
      if (!allowed) throw new TooManyAttemptsError(retryAfterS);
    }
    const found = await store.getUserCredentials(name);
    const ok = found?.password_hash ? await verifyPassword(body.password, found.password_hash) : false;
    if (!found || !ok) throw new AuthenticationError('invalid', 'that name and password do not match');
    if (found.user.disabled) throw new AuthenticationError('disabled', `user ${found.user.name} is disabled`);
    await limits.reset('login-credential', `name:${name}`);
    res.json(await tokens.login(found.user));
  });

  r.post('/auth/refresh', async (req, res) => {
    const { refresh_token } = parse(RefreshBody, req.body, 'body');
    res.json(await tokens.refresh(refresh_token));
  });

  r.post('/auth/logout', async (req, res) => {
    const { refresh_token } = parse(RefreshBody, req.body, 'body');
    await tokens.logout(refresh_token, principalOf(res)?.user.id ?? 'anonymous');
    res.status(204).end();
  });
  return r;
}
