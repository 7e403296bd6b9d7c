import { z } from 'zod';

/** What `String.prototype.trim` removes (ECMAScript's white space and line terminators), as a character class body. */
const WHITE = '\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff';

/**
 * Text that must say something: at most `max` characters as sent, then trimmed, then at least `min`. The
 * API document says the same as a pattern (a character other than white space; for `min` over 1, that
 * many from the first such character to the last), spelled out so every regular-expression engine reads
 * it as JavaScript's trim does.
 */
export function nonBlank(max: number, min = 1, message?: string) {
  const pattern = min <= 1 ? `[^${WHITE}]` : `^[${WHITE}]*[^${WHITE}][\\s\\S]{${min - 2},}[^${WHITE}][${WHITE}]*$`;
  return z
    .string()
    .max(max)
    .trim()
    .min(min, ...(message ? [message] : []))
    .meta({ pattern });
}
