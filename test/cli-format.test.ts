/** What client commands print for people (src/cli/format.ts). */
import { expect, it } from 'vitest';
import { human, table } from '../src/cli/format.js';

it('prints a list as a table of its plainest fields, preferred ones first, with a count and the list’s own fields', () => {
  const out = human({
    items: [
      { state: 'active', id: 'o-1', name: 'ml-intelligence', version: '1.0.0', manifest: { entry_points: ['process'] } },
      { state: 'suspended', id: 'o-2', name: 'audit-log', version: '1.2.0', manifest: {} },
    ],
    total: 2,
  }).split('\n');
  expect(out[0]).toBe('id   name             version  state');
  expect(out[1]).toBe('o-1  ml-intelligence  1.0.0    active');
  expect(out[2]).toBe('o-2  audit-log        1.2.0    suspended');
  expect(out[3]).toBe('(2 rows; total 2)');
});

it('shows a wrapped subject’s fields beside the row’s own, and cuts long cells with an ellipsis', () => {
  const out = table([{ score: 0.91, capsule: { id: 'c-1', content: `${'word '.repeat(20)}end`, trust_level: 40 } }]).split('\n');
  expect(out[0]).toMatch(/^id\s+trust_level\s+score\s+content$/);
  expect(out[1]).toMatch(/^c-1\s+40\s+0\.91\s+word word .*…$/);
  expect(out[1]?.length).toBeLessThan(100);
  expect(table([])).toBe('(none)');
});

it('prints one thing as aligned fields, an error as one line first, and strings as they are', () => {
  expect(human({ id: 'u-1', name: 'sam', tags: ['a', 'b'] })).toBe('id    u-1\nname  sam\ntags  a, b');
  expect(human({ error: 'not_found', message: 'capsule x not found', id: 'x' })).toBe('not_found: capsule x not found\nid  x');
  expect(human('plain text')).toBe('plain text');
  expect(human(undefined)).toBe('');
});
