import { terms, words } from '../../search/text.js';

/** Built-in text analysis of a query: how complex it is, what it is about, what it names. */
export function analyzeText(text: string): { complexity: number; keywords: string[]; entities: string[]; word_count: number } {
  const all = words(text);
  const content = terms(text);
  const unique = new Set(content);
  const clauses = (text.match(/[,;:]|\b(and|or|but|because|while|whereas|unless|although)\b/gi) ?? []).length;
  const questions = (text.match(/\?/g) ?? []).length;
  // Saturating blend of length, vocabulary and structure, in [0, 1].
  const raw = all.length / 40 + unique.size / 30 + clauses / 6 + Math.max(0, questions - 1) / 3;
  const complexity = Math.round(Math.min(1, raw / 2) * 1000) / 1000;

  const freq = new Map<string, number>();
  for (const t of content) if (t.length > 2) freq.set(t, (freq.get(t) ?? 0) + 1);
  const keywords = [...freq]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, 8)
    .map(([t]) => t);

  const entities = new Set<string>();
  // Capitalised runs not at a sentence start, acronyms, versions and identifiers with digits.
  for (const m of text.matchAll(/(?<![.!?]\s|^)\b([A-Z][\p{L}\d]+(?:\s+[A-Z][\p{L}\d]+)*)/gu)) entities.add(m[1] as string);
  for (const m of text.matchAll(/\b([A-Z]{2,}[A-Z\d-]*|v?\d+\.\d+(?:\.\d+)?|[A-Za-z]+-\d+)\b/g)) entities.add(m[1] as string);
  return { complexity, keywords, entities: [...entities].slice(0, 16), word_count: all.length };
}

/** A word of the text (`\w+`), lower-cased, with where it starts and ends. */
interface Word {
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

function wordsOf(text: string): Word[] {
  const out: Word[] = [];
  for (const m of text.matchAll(/\w+/g)) out.push({ text: m[0].toLowerCase(), start: m.index, end: m.index + m[0].length });
  return out;
}

/**
 * `A … B … C` in one pass over the words: a word of `first`, then one of `second` starting at most
 * `gap1` characters after it ends, then one of `third` at most `gap2` after that, with no line break in
 * either gap (the reach of `\bA\b.{0,gap1}\bB\b.{0,gap2}\bC\b`). The latest candidate of each step is
 * always the best one, so the scan is linear in the text, unlike a backtracking regex.
 */
function sequence(words: readonly Word[], lineBreaks: readonly number[], steps: ReadonlyArray<{ readonly words: ReadonlySet<string>; readonly gap: number }>): boolean {
  const reached: Array<number | null> = steps.map(() => null); // end of the latest word that completed each step
  let nextBreak = 0;
  let lastBreak = -1;
  for (const w of words) {
    while (nextBreak < lineBreaks.length && (lineBreaks[nextBreak] as number) < w.start) lastBreak = lineBreaks[nextBreak++] as number;
    for (let i = steps.length - 1; i >= 0; i--) {
      const step = steps[i] as { words: ReadonlySet<string>; gap: number };
      if (!step.words.has(w.text)) continue;
      if (i === 0) reached[0] = w.end;
      else {
        const before = reached[i - 1];
        if (before !== null && before !== undefined && w.start - before <= step.gap && lastBreak < before) reached[i] = w.end;
      }
      if (reached[steps.length - 1] !== null) return true;
    }
  }
  return false;
}

const set = (...words: string[]) => new Set(words);
const PROBE_WHAT = set('system', 'hidden', 'initial');
const PROBE_WHICH = set('prompt', 'instruction', 'instructions');

/**
 * Rules against prompt injection and query smuggling that the security phase refuses. Named, so a denial
 * says which rule matched. Each runs in time linear in the text (no backtracking regex over unbounded
 * repetition): the query is at most 10,000 characters, and the screen runs on the request's path.
 */
/** The text as the rules read it, prepared once per screen (each in one linear pass). */
interface ScreenedText {
  readonly text: string;
  /** Every whitespace run as one space. */
  readonly collapsed: string;
  readonly words: readonly Word[];
  readonly lineBreaks: readonly number[];
}

export const INJECTION_RULES: ReadonlyArray<{ readonly name: string; readonly matches: (t: ScreenedText) => boolean }> = [
  {
    name: 'instruction-override',
    matches: ({ words: w, lineBreaks: lb }) =>
      sequence(w, lb, [
        { words: set('ignore', 'disregard', 'forget'), gap: 0 },
        { words: set('previous', 'prior', 'above', 'earlier', 'all'), gap: 40 },
        { words: set('instruction', 'instructions', 'rule', 'rules', 'prompt', 'prompts'), gap: 20 },
      ]),
  },
  {
    name: 'system-prompt-probe',
    matches: ({ text, words: w, lineBreaks: lb }) => {
      // "<system|hidden|initial> <prompt|instructions>" with only whitespace between, as one word here.
      const joined: Word[] = [];
      for (let i = 0; i < w.length; i++) {
        const a = w[i] as Word;
        const b = w[i + 1];
        if (b && PROBE_WHAT.has(a.text) && PROBE_WHICH.has(b.text) && /^\s+$/.test(text.slice(a.end, b.start))) {
          joined.push({ text: '<probe-target>', start: a.start, end: b.end });
          i++;
        } else joined.push(a);
      }
      return sequence(joined, lb, [
        { words: set('reveal', 'show', 'print', 'repeat', 'leak'), gap: 0 },
        { words: set('<probe-target>'), gap: 30 },
      ]);
    },
  },
  {
    name: 'role-hijack',
    matches: ({ text, words: w, lineBreaks: lb }) => {
      const joined: Word[] = [];
      for (let i = 0; i < w.length; i++) {
        const [a, b, c] = [w[i] as Word, w[i + 1], w[i + 2]];
        const spaced = (x: Word, y: Word) => /^\s+$/.test(text.slice(x.end, y.start));
        if (b && c && a.text === 'you' && b.text === 'are' && c.text === 'now' && spaced(a, b) && spaced(b, c)) {
          joined.push({ text: '<you-are-now>', start: a.start, end: c.end });
          i += 2;
        } else if (b && a.text === 'developer' && b.text === 'mode' && text.slice(a.end, b.start) === ' ') {
          joined.push({ text: 'developer mode', start: a.start, end: b.end });
          i++;
        } else joined.push(a);
      }
      return sequence(joined, lb, [
        { words: set('<you-are-now>'), gap: 0 },
        { words: set('unrestricted', 'jailbroken', 'dan', 'developer mode', 'admin'), gap: 40 },
      ]);
    },
  },
  // Regular expressions over the collapsed text: with every whitespace run one space, no two repetitions
  // can trade characters, so each attempt is bounded.
  { name: 'jailbreak', matches: ({ collapsed }) => /\b(jailbreak|do anything now)\b/i.test(collapsed) },
  {
    name: 'sql-injection',
    matches: ({ collapsed }) => /('\s?(or|and)\s'?\d*'?\s?=\s?'?\d*)|(;\s?(drop|delete|truncate|alter)\stable\b)|(\bunion\s(all\s)?select\b)/i.test(collapsed),
  },
  { name: 'script-injection', matches: ({ collapsed }) => /<\s?script\b|javascript:|\bon(error|load)\s?=/i.test(collapsed) },
  {
    name: 'template-injection',
    // `{{…}}` or `${…}` anywhere, whatever lies between: the first opening and the last closing decide.
    matches: ({ text: t }) => {
      const open = t.indexOf('{{');
      const dollar = t.indexOf('${');
      return (open !== -1 && t.lastIndexOf('}}') >= open + 2) || (dollar !== -1 && t.lastIndexOf('}') >= dollar + 2);
    },
  },
];

/** The name of the first rule the text breaks, or null. Linear in the text's length. */
export function screenForInjection(text: string): string | null {
  const lineBreaks: number[] = [];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lineBreaks.push(i);
  const screened: ScreenedText = { text, collapsed: text.replace(/\s+/g, ' '), words: wordsOf(text), lineBreaks };
  for (const { name, matches } of INJECTION_RULES) if (matches(screened)) return name;
  return null;
}
