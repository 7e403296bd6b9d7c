import { describe, expect, it } from 'vitest';
import { withFresh } from './fresh.js';
import { sha256Hex, type BlobStore } from '../../src/blobs/blob-store.js';
import { BlobIntegrityError } from '../../src/errors.js';

export interface BlobStoreUnderTest {
  readonly store: BlobStore;
  /** Replaces the stored bytes under `key` behind the store's back, as a corrupted disk or bucket would. */
  tamper(key: string, bytes: Uint8Array): Promise<void>;
  destroy(): Promise<void>;
}

/**
 * What every BlobStore adapter must do (filesystem, S3, …). `open` gives a fresh, empty store and a
 * `destroy` that removes it.
 */
export function describeBlobStoreConformance(name: string, open: () => Promise<BlobStoreUnderTest>): void {
  describe(`BlobStore conformance: ${name}`, () => {
    const withStore = withFresh(open);

    it(
      'stores bytes under their sha256 and gives back exactly those bytes',
      withStore(async ({ store }) => {
        const bytes = new Uint8Array(256).map((_, i) => i);
        const put = await store.put(bytes);
        expect(put).toMatchObject({ sha256: sha256Hex(bytes), size: 256 });
        expect(put.key).toContain(put.sha256);
        expect(Array.from((await store.get(put.key)) as Uint8Array)).toEqual(Array.from(bytes));
        expect(await store.has(put.key)).toBe(true);
      }),
    );

    it(
      'keeps a named key, and a second put of the same bytes is a no-op',
      withStore(async ({ store }) => {
        const bytes = new TextEncoder().encode('overlay module');
        const key = `overlays/x/1.0.0/${sha256Hex(bytes)}.wasm`;
        const a = await store.put(bytes, key);
        const b = await store.put(bytes, key);
        expect(a).toEqual(b);
        expect(a.key).toBe(key);
        expect(new TextDecoder().decode((await store.get(key)) as Uint8Array)).toBe('overlay module');
      }),
    );

    it(
      'answers null and false for what it does not hold, and deletes idempotently',
      withStore(async ({ store }) => {
        expect(await store.get('sha256/00/missing')).toBeNull();
        expect(await store.has('sha256/00/missing')).toBe(false);
        const { key } = await store.put(new Uint8Array([7]));
        await store.delete(key);
        await store.delete(key);
        expect(await store.has(key)).toBe(false);
        expect(await store.get(key)).toBeNull();
      }),
    );

    it(
      'holds an empty blob and a large one',
      withStore(async ({ store }) => {
        const empty = await store.put(new Uint8Array(0));
        expect((await store.get(empty.key))?.byteLength).toBe(0);
        const large = new Uint8Array(6 * 1024 * 1024).map((_, i) => (i * 31) & 0xff);
        const put = await store.put(large);
        const back = (await store.get(put.key)) as Uint8Array;
        expect(back.byteLength).toBe(large.byteLength);
        expect(sha256Hex(back)).toBe(put.sha256);
      }),
    );

    it(
      'survives concurrent puts of the same bytes',
      withStore(async ({ store }) => {
        const bytes = new TextEncoder().encode('raced');
        const puts = await Promise.all(Array.from({ length: 8 }, () => store.put(bytes)));
        expect(new Set(puts.map((p) => p.key)).size).toBe(1);
        expect(new TextDecoder().decode((await store.get(puts[0]?.key as string)) as Uint8Array)).toBe('raced');
      }),
    );

    it(
      "refuses a named key that does not begin its last segment with the bytes' sha256",
      withStore(async ({ store }) => {
        const bytes = new TextEncoder().encode('module');
        await expect(store.put(bytes, 'overlays/x/1.0.0/module.wasm')).rejects.toBeInstanceOf(RangeError);
        await expect(store.put(bytes, `overlays/x/1.0.0/${sha256Hex(new Uint8Array([1]))}.wasm`)).rejects.toBeInstanceOf(RangeError);
        expect(await store.has('overlays/x/1.0.0/module.wasm')).toBe(false);
      }),
    );

    it(
      'refuses to return bytes that no longer hash to their key (BlobIntegrityError naming both hashes)',
      withStore(async ({ store, tamper }) => {
        const bytes = new TextEncoder().encode('the module we vetted');
        const { key, sha256 } = await store.put(bytes, `overlays/x/1.0.0/${sha256Hex(bytes)}.wasm`);
        const swapped = new TextEncoder().encode('something else entirely');
        await tamper(key, swapped);
        const error = await store.get(key).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(BlobIntegrityError);
        expect(error).toMatchObject({ code: 'blob_corrupt', key, expected: sha256, actual: sha256Hex(swapped) });
      }),
    );

    it(
      'refuses keys that could escape or alias another key',
      withStore(async ({ store }) => {
        for (const key of ['../escape', 'a/../../b', '/absolute', 'a//b', 'with space', '']) {
          await expect(store.put(new Uint8Array([1]), key), key).rejects.toBeInstanceOf(RangeError);
        }
        await expect(store.get('a/../../b')).rejects.toBeInstanceOf(RangeError);
      }),
    );
  });
}
