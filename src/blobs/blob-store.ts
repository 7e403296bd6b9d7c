import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { BlobIntegrityError } from '../errors.js';

/**
 * The blob store port: immutable byte strings addressed by their sha256. Every key's last segment begins
 * with the sha256 of its bytes (`sha256/ab/<sha>` by default, or a caller's `overlays/x/1.0.0/<sha>.wasm`),
 * so every read is verified against its key. Writing the same bytes twice is a no-op, so writes are
 * idempotent and safe to retry.
 */
export interface BlobStore {
  readonly kind: string;
  /** Stores `bytes`; returns their sha256 (hex). `key` optionally names where, e.g. `overlays/x/1.0.0/<sha>.wasm`. */
  put(bytes: Uint8Array, key?: string): Promise<{ sha256: string; key: string; size: number }>;
  /** The bytes under `key`, or null. @throws BlobIntegrityError when they do not hash to the key's sha256 */
  get(key: string): Promise<Uint8Array | null>;
  has(key: string): Promise<boolean>;
  delete(key: string): Promise<void>;
  /** Releases connections, if the adapter holds any. */
  close?(): void;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const SAFE_KEY = /^[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)*$/;

/** Refuses a key that could escape its store or alias another key. @throws RangeError */
export function checkBlobKey(key: string): string {
  if (!SAFE_KEY.test(key) || key.split('/').some((p) => p === '..' || p === '.')) throw new RangeError(`invalid blob key: ${key}`);
  return key;
}

/** The sha256 a key names: the first 64 characters of its last segment. */
function shaOfKey(key: string): string | null {
  const name = key.slice(key.lastIndexOf('/') + 1).slice(0, 64);
  return /^[0-9a-f]{64}$/.test(name) ? name : null;
}

/**
 * Where `bytes` go: `key` when given (checked, and its last segment must begin with their sha256), else
 * `sha256/<first two hex digits>/<sha256>`. @throws RangeError
 */
export function blobKeyFor(bytes: Uint8Array, key?: string): { sha256: string; key: string } {
  const sha256 = sha256Hex(bytes);
  if (key === undefined) return { sha256, key: `sha256/${sha256.slice(0, 2)}/${sha256}` };
  checkBlobKey(key);
  if (shaOfKey(key) !== sha256) throw new RangeError(`blob key ${key} must end in a segment beginning with the bytes' sha256 (${sha256})`);
  return { sha256, key };
}

/** Returns `bytes` read from `key` when they hash to the sha256 it names. @throws BlobIntegrityError */
export function verifiedBlob(key: string, bytes: Uint8Array): Uint8Array {
  const expected = shaOfKey(key);
  const actual = sha256Hex(bytes);
  if (expected !== actual) throw new BlobIntegrityError(key, expected ?? '(none)', actual);
  return bytes;
}

/** Content-addressed files under a root directory. Writes go to a temp file, fsync, then rename (atomic). */
export class FsBlobStore implements BlobStore {
  readonly kind = 'filesystem';
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  private pathOf(key: string): string {
    return path.join(this.root, checkBlobKey(key));
  }

  async put(bytes: Uint8Array, key?: string): Promise<{ sha256: string; key: string; size: number }> {
    const { sha256, key: finalKey } = blobKeyFor(bytes, key);
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
      return verifiedBlob(key, new Uint8Array(await readFile(this.pathOf(key))));
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
