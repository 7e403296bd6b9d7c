import type { RateLimits } from '../fleet/fleet-state.js';
import type { GraphStore, UserRecord } from '../store/graph-store.js';
import { verifyPassword } from './passwords.js';
import { verifyTotp } from './totp.js';

/**
 * Counts one sign-in attempt, fleet-wide, against the client's address and against the credential tried.
 * Returns 0 when it may go ahead, or the seconds to wait.
 */
export async function signInWait(limits: Pick<RateLimits, 'consume'>, address: string, credential: string): Promise<number> {
  for (const [bucket, key] of [
    ['login-address', address],
    ['login-credential', credential],
  ] as const) {
    const { allowed, retryAfterS } = await limits.consume(bucket, key);
    if (!allowed) return retryAfterS;
  }
  return 0;
}

/** Why a name and password did not sign in. */
export type SignInRefusal = 'invalid' | 'disabled' | 'totp_required';

/**
 * Checks a name, password and — when the user has turned on a second factor — its current code.
 * The one place both the API login and the Bull Board sign-in decide who someone is by password.
 */
export async function checkPassword(
  store: Pick<GraphStore, 'getUserCredentials'>,
  name: string,
  password: string,
  totp: string | undefined,
): Promise<{ user: UserRecord } | { refused: SignInRefusal }> {
  const found = await store.getUserCredentials(name.toLowerCase());
  if (!found?.password_hash || !(await verifyPassword(password, found.password_hash))) return { refused: 'invalid' };
  if (found.user.disabled) return { refused: 'disabled' };
  if (found.totp_secret) {
    if (!totp) return { refused: 'totp_required' };
    if (!verifyTotp(found.totp_secret, totp)) return { refused: 'invalid' };
  }
  return { user: found.user };
}
