import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { FsBlobStore, sha256Hex } from '../src/blobs/blob-store.js';
import { describeBlobStoreConformance } from './conformance/blob-store-conformance.js';

describeBlobStoreConformance('filesystem', async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'forge-blobs-'));
  return {
    store: new FsBlobStore(root),
    tamper: async (key, bytes) => writeFileSync(path.join(root, key), bytes),
    destroy: async () => rmSync(root, { recursive: true, force: true }),
  };
});

let dir: string;
let blobs: FsBlobStore;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'forge-blobs-'));
  blobs = new FsBlobStore(dir);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('stores content-addressed bytes and reads them back', async () => {
  const bytes = new TextEncoder().encode('hello blobs');
  const put = await blobs.put(bytes);
  expect(put.sha256).toBe(sha256Hex(bytes));
  expect(put.key).toBe(`sha256/${put.sha256.slice(0, 2)}/${put.sha256}`);
  expect(Buffer.from((await blobs.get(put.key)) as Uint8Array).toString()).toBe('hello blobs');
  expect(await blobs.has(put.key)).toBe(true);
  expect(await blobs.get('sha256/00/missing')).toBeNull();
});

it('is idempotent and leaves no temp files behind', async () => {
  const bytes = new Uint8Array([1, 2, 3]);
  const key = `overlays/x/1.0.0/${sha256Hex(bytes)}.wasm`;
  const a = await blobs.put(bytes, key);
  const b = await blobs.put(bytes, key);
  expect(a).toEqual(b);
  expect(readdirSync(path.join(dir, 'overlays/x/1.0.0'))).toEqual([`${sha256Hex(bytes)}.wasm`]);
  await blobs.delete(a.key);
  expect(await blobs.has(a.key)).toBe(false);
});

it('refuses keys that would escape the root', async () => {
  await expect(blobs.put(new Uint8Array([1]), '../escape')).rejects.toThrow(/invalid blob key/);
  await expect(blobs.get('a/../../b')).rejects.toThrow(/invalid blob key/);
});
