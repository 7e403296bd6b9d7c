import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { UserService } from '../services/users.js';

export const ADMIN_KEY_FILE = 'admin.key';

/**
 * On a store with no users, creates the admin and writes its API key to `<dataDir>/admin.key` (mode 0600).
 * Returns the file's path when it made one; the key itself is never printed.
 */
export async function ensureAdminKey(users: UserService, dataDir: string): Promise<string | null> {
  const created = await users.bootstrapAdmin();
  if (!created) return null;
  const file = path.join(dataDir, ADMIN_KEY_FILE);
  writeFileSync(file, `${created.api_key}\n`, { mode: 0o600 });
  chmodSync(file, 0o600); // an old file keeps its mode on overwrite
  return file;
}

/** The bootstrap admin key of a data dir, when it is there and readable. */
export function readAdminKey(dataDir: string): string | null {
  const file = path.join(dataDir, ADMIN_KEY_FILE);
  if (!existsSync(file)) return null;
  try {
    return readFileSync(file, 'utf8').trim() || null;
  } catch {
    return null;
  }
}
