import { sentences } from './text.js';

/** Sentences of one capsule embedded on their own, at most: past it, the rest count through the whole text's vector only. */
export const MAX_PASSAGES = 32;

/** A label a capsule opens with (`Decision:`, `Caroline (1:56 pm on 8 May, 2023):`): at most 80 characters, no sentence end, up to the first colon and space. */
const LEAD = /^[^\n.!?]{1,80}?:\s/;

/**
 * The passages of a capsule embedded besides its whole text, for late interaction (a capsule scores as its
 * best passage or its whole, whichever is nearer the query): each sentence of a text of two or more, carrying
 * the label the text opens with, if any — so "It was so powerful." is found as "Caroline (8 May 2023): It
 * was so powerful.". A one-sentence text has none: its whole is its only passage. At most `MAX_PASSAGES`.
 */
export function passagesOf(text: string): string[] {
  const parts = sentences(text);
  if (parts.length < 2) return [];
  const lead = leadOf(text);
  return parts.slice(0, MAX_PASSAGES).map((s, i) => (i === 0 || !lead ? s : `${lead}${s}`));
}

/** The label a text opens with, colon and space included (`Decision: `), or ''. */
export function leadOf(text: string): string {
  return LEAD.exec(text)?.[0] ?? '';
}
