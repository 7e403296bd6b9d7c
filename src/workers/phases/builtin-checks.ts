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

/**
 * Patterns of prompt injection and query smuggling the security phase refuses. Named, so a denial says
 * which rule matched.
 */
export const INJECTION_PATTERNS: ReadonlyArray<{ readonly name: string; readonly pattern: RegExp }> = [
  { name: 'instruction-override', pattern: /\b(ignore|disregard|forget)\b.{0,40}\b(previous|prior|above|earlier|all)\b.{0,20}\b(instructions?|rules?|prompts?)\b/i },
  { name: 'system-prompt-probe', pattern: /\b(reveal|show|print|repeat|leak)\b.{0,30}\b(system|hidden|initial)\s+(prompt|instructions?)\b/i },
  { name: 'role-hijack', pattern: /\byou\s+are\s+now\b.{0,40}\b(unrestricted|jailbroken|dan|developer mode|admin)\b/i },
  { name: 'jailbreak', pattern: /\b(jailbreak|do anything now)\b/i },
  { name: 'sql-injection', pattern: /('\s*(or|and)\s+'?\d*'?\s*=\s*'?\d*)|(;\s*(drop|delete|truncate|alter)\s+table\b)|(\bunion\s+(all\s+)?select\b)/i },
  { name: 'script-injection', pattern: /<\s*script\b|javascript:\s*|\bon(error|load)\s*=/i },
  { name: 'template-injection', pattern: /\{\{.*\}\}|\$\{.*\}/s },
];

export function screenForInjection(text: string): string | null {
  for (const { name, pattern } of INJECTION_PATTERNS) if (pattern.test(text)) return name;
  return null;
}
