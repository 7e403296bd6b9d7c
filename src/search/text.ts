/** Text helpers shared by the embedder, the FTS query builder and the built-in analysis. */

const STOPWORDS = new Set(
  (
    'a an and are as at be but by for from has have how i if in into is it its of on or our so that the their ' +
    'them then there these they this to was we were what when where which who why will with would you your ' +
    'do does did can could should about after before over under than not no yes all any each more most some such'
  ).split(' '),
);

export function isStopword(token: string): boolean {
  return STOPWORDS.has(token);
}

/** Lower-cased word tokens (letters and digits, any script). */
export function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu) ?? [];
}

/** A light suffix stripper: enough that "deploys", "deploying" and "deployed" share a feature. */
export function stem(token: string): string {
  if (token.length <= 4) return token;
  for (const suffix of ['ingly', 'edly', 'ing', 'ies', 'ied', 'ed', 'es', 'ly', 's']) {
    if (token.endsWith(suffix) && token.length - suffix.length >= 3) {
      const base = token.slice(0, -suffix.length);
      return suffix === 'ies' || suffix === 'ied' ? `${base}y` : base;
    }
  }
  return token;
}

/** Content-bearing stems of a text, in order. */
export function terms(text: string): string[] {
  return words(text)
    .filter((w) => !isStopword(w))
    .map(stem);
}

/** Normalises a query for cache keys: lower case, single spaces, no punctuation. */
export function normalizeQuery(text: string): string {
  return words(text).join(' ');
}

/** Splits prose into sentences, keeping each sentence's punctuation ("0.8" and "v1.2" do not end one). */
export function sentences(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+|\n+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
