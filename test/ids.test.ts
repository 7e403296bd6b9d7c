import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { uuidV5, uuidV7 } from '../src/util/ids.js';

describe('ids', () => {
  it('makes version-7 UUIDs that sort in the order they were made, within and across milliseconds', () => {
    const ids = [...Array.from({ length: 5000 }, () => uuidV7(1_700_000_000_000)), ...Array.from({ length: 50 }, () => uuidV7(1_700_000_000_001)), uuidV7()];
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    for (const id of ids) {
      expect(z.uuid().safeParse(id).success, id).toBe(true);
      expect(id[14]).toBe('7');
      expect('89ab').toContain(id[19]);
    }
    // The timestamp is the first 48 bits; 5,000 ids in one millisecond borrow the next one rather than wrap.
    expect(parseInt(ids[0]!.replace('-', '').slice(0, 12), 16)).toBe(1_700_000_000_000);
    expect(parseInt(ids[4999]!.replace('-', '').slice(0, 12), 16)).toBeGreaterThan(1_700_000_000_000);
  });

  it('keeps the order when the clock steps back', () => {
    const later = uuidV7(Date.now() + 60_000);
    const now = uuidV7();
    expect(now > later).toBe(true);
  });

  it('derives the same version-5 id from the same name', () => {
    expect(uuidV5('a')).toBe(uuidV5('a'));
    expect(uuidV5('a')).not.toBe(uuidV5('b'));
    expect(uuidV5('a')[14]).toBe('5');
  });
});
