/**
 * Where JSON text first nests deeper than `max` (the byte offset of the opening bracket), or -1. One
 * linear pass over the bytes, before any parsing: deep nesting costs neither a long parse nor, later, a
 * recursion that overflows the stack.
 */
export function jsonNestingBeyond(bytes: Uint8Array, max: number): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i] as number;
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return i;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return -1;
}
