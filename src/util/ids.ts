import { createHash } from 'node:crypto';

/** Namespace for ids Forge derives from other ids (RFC 4122 v5). */
export const FORGE_NAMESPACE = 'b5a3c1f2-7d64-4e0b-9a8e-2f1c6d4e9a70';

/** RFC 4122 version-5 UUID: the same name always gives the same id, so derived writes are idempotent. */
export function uuidV5(name: string, namespace: string = FORGE_NAMESPACE): string {
  const ns = Buffer.from(namespace.replaceAll('-', ''), 'hex');
  const hash = createHash('sha1').update(ns).update(name).digest();
  hash[6] = ((hash[6] as number) & 0x0f) | 0x50;
  hash[8] = ((hash[8] as number) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
