import { createHash, randomBytes } from 'node:crypto';

/** Every key starts with this, so a leaked one is recognisable (and can be scanned for). */
export const API_KEY_PREFIX = 'forge_';

const KEY_SHAPE = /^forge_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

/** A new API key. `key` is shown once; only `hash` is stored. */
export interface GeneratedApiKey {
  readonly id: string;
  /** `forge_<id>_<secret>`: 12 hex characters of id, 256 random bits of secret. */
  readonly key: string;
  /** `forge_<id>`: public, to tell keys apart in lists. */
  readonly prefix: string;
  readonly hash: string;
}

export function generateApiKey(): GeneratedApiKey {
  const id = randomBytes(6).toString('hex');
  const key = `${API_KEY_PREFIX}${id}_${randomBytes(32).toString('base64url')}`;
  return { id, key, prefix: `${API_KEY_PREFIX}${id}`, hash: hashApiKey(key) };
}

/**
 * The stored form of a key. A key carries 256 random bits, so one fast hash is as good as a slow one here
 * (there is nothing to guess), and authentication stays cheap on every call.
 */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Whether a bearer token has the shape of a Forge API key (anything else is tried as a token). */
export function isApiKey(token: string): boolean {
  return KEY_SHAPE.test(token);
}
