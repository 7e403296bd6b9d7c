/**
 * One module decides: every trust comparison in Forge's source is in `src/auth/policy.ts`. This test reads
 * every other source file (string literals and comments removed, so SQL filters and prose do not count)
 * and fails on a comparison or a min/max that involves a trust level, naming the file and line.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '..', 'src');
const POLICY = path.join(SRC, 'auth', 'policy.ts');
/** Generated from the OpenAPI document: types only. */
const GENERATED = path.join(SRC, 'client');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const full = path.join(dir, d.name);
    if (d.isDirectory()) return full === GENERATED ? [] : sources(full);
    return d.name.endsWith('.ts') ? [full] : [];
  });
}

/** The code of a line with its string literals and comments blanked (positions kept). */
function codeOf(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, ' '))
    .replace(/`(?:\\[\s\S]|\$\{[^}]*\}|[^`\\])*`/g, (m) => m.replace(/[^\n]/g, ' '))
    .replace(/'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"/g, (m) => ' '.repeat(m.length))
    .replace(/\/\/.*$/gm, (m) => ' '.repeat(m.length));
}

/** A trust-named operand beside a comparison, or a min/max over one. */
const TRUST = String.raw`[\w.?!\]\[)]*trust\w*[\w.?!\]\[)]*`;
const COMPARISON = new RegExp(String.raw`${TRUST}\s*(<=|>=|<(?!<)|>(?!>))\s*[\w.(]|[\w.)\]]\s*(<=|>=|<|>)\s*[\w.(]*${TRUST}`, 'i');
const MIN_MAX = /Math\.(min|max)\([^;]*trust/i;

it('finds no trust comparison outside the policy module', () => {
  const found: string[] = [];
  for (const file of sources(SRC)) {
    if (file === POLICY) continue;
    codeOf(readFileSync(file, 'utf8'))
      .split('\n')
      .forEach((line, i) => {
        // Type arguments (`Pick<Caller, 'trust_level'>`, `Promise<TrustChange[]>`) are not comparisons.
        const code = line.replace(/<[A-Z[{][\w\s,'|[\].{}:;]*(<[\w\s,'|[\].]*>)?[\w\s,'|[\].]*>/g, '');
        if (COMPARISON.test(code) || MIN_MAX.test(code)) found.push(`${path.relative(SRC, file)}:${i + 1}: ${line.trim()}`);
      });
  }
  expect(found).toEqual([]);
});

it('would catch one (the check is not vacuous)', () => {
  expect(COMPARISON.test(codeOf('if (caller.trust_level < capsule.trust_level) return;'))).toBe(true);
  expect(COMPARISON.test(codeOf('const ok = minTrust >= 80;'))).toBe(true);
  expect(MIN_MAX.test(codeOf('const t = Math.max(a.trust_level, b);'))).toBe(true);
  expect(COMPARISON.test(codeOf("db.prepare('SELECT * FROM capsules WHERE trust_level <= ?')"))).toBe(false);
  expect(COMPARISON.test(codeOf('// a reader below trust 80 sees nothing'))).toBe(false);
});
