import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * The blob store port: immutable byte strings addressed by their sha256. Writing the same bytes twice is
 * a no-op, so writes are idempotent and safe to retry.
 */
export interface BlobStore {
  readonly kind: string;
  /** Stores `bytes`; returns their sha256 (hex). `key` optionally names where, e.g. `overlays/x/1.0.0/<sha>.wasm`. */
  put(bytes: Uint8Array, key?: string): Promise<{ sha256: string; key: string; size: number }>;
  get(key: string): Promise<Uint8Array | null>;
  has(key: string): Promise<boolean>;
  delete(key: string): Promise<void>;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const SAFE_KEY = /^[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)*$/;

/** Content-addressed files under a root directory. Writes go to a temp file, fsync, then rename (atomic). */
export class FsBlobStore implements BlobStore {
  readonly kind = 'filesystem';
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  private pathOf(key: string): string {
    if (!SAFE_KEY.test(key) || key.split('/').some((p) => p === '..' || p === '.')) throw new RangeError(`invalid blob key: ${key}`);
    return path.join(this.root, key);
  }

  async put(bytes: Uint8Array, key?: string): Promise<{ sha256: string; key: string; size: number }> {
    const sha256 = sha256Hex(bytes);
    const finalKey = key ?? `sha256/${sha256.slice(0, 2)}/${sha256}`;
    const target = this.pathOf(finalKey);
    if (await this.has(finalKey)) return { sha256, key: finalKey, size: bytes.byteLength };
    await mkdir(path.dirname(target), { recursive: true });
    const tmp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
    const handle = await open(tmp, 'wx');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, target);
    return { sha256, key: finalKey, size: bytes.byteLength };
  }

  async get(key: string): Promise<Uint8Array | null> {
    try {
      return new Uint8Array(await readFile(this.pathOf(key)));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async has(key: string): Promise<boolean> {
    try {
      return (await stat(this.pathOf(key))).isFile();
    } catch {
      return false;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }
}
