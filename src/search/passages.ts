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

/** Words of the text before a capsule in its thread read with it (`contextPassageOf`): its end, at most. */
export const CONTEXT_WORDS = 48;

/**
 * A capsule read in its thread: the end of the text before it (at most `CONTEXT_WORDS` words), then its own
 * — embedded as one more passage, so "5 years already!" is found by "How long have they been married?" when
 * the turn before asked it.
 */
export function contextPassageOf(before: string, text: string): string {
  const words = before.trim().split(/\s+/);
  return `${words.length > CONTEXT_WORDS ? words.slice(-CONTEXT_WORDS).join(' ') : before.trim()} ${text}`;
}

/** The label a text opens with, colon and space included (`Decision: `), or ''. */
export function leadOf(text: string): string {
  return LEAD.exec(text)?.[0] ?? '';
}
