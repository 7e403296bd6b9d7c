import { createHash, randomUUID } from 'node:crypto';

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

let lastMs = 0;
let counter = 0;

/**
 * RFC 9562 version-7 UUID: a millisecond timestamp, then a counter within the millisecond, then random bits
 * (those of a `randomUUID`, which draws from a buffered pool). Ids made one after another sort one after
 * another, so rows keyed by them append to the end of their B-tree indexes (the pages a commit writes are
 * shared) instead of landing on a random page each.
 */
export function uuidV7(now: number = Date.now()): string {
  const random = randomUUID();
  if (now > lastMs) {
    lastMs = now;
    counter = parseInt(random.slice(15, 18), 16) & 0x3ff; // a random start leaves room to count up within the millisecond
  } else if (++counter > 0xfff) {
    lastMs++; // more than 3,000 ids in one millisecond: borrow the next one, keeping the order
    counter = 0;
  }
  const time = lastMs.toString(16).padStart(12, '0');
  return `${time.slice(0, 8)}-${time.slice(8)}-7${counter.toString(16).padStart(3, '0')}${random.slice(18)}`;
}
