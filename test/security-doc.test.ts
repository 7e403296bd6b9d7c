import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { PERMISSIONS, ROUTES } from '../src/auth/authorization.js';

it('docs/security.md prints the authorisation table as the code has it', () => {
  const doc = readFileSync(path.join(import.meta.dirname, '..', 'docs', 'security.md'), 'utf8');
  const rows = doc.split('\n').filter((l) => l.startsWith('| '));
  for (const [permission, role] of Object.entries(PERMISSIONS)) expect(rows, permission).toContain(`| \`${permission}\` | ${role} |`);
  const routeRows = rows.filter((l) => /^\| (GET|POST|PUT|PATCH|DELETE) \|/.test(l));
  expect(routeRows).toEqual(ROUTES.map((r) => `| ${r.method} | \`${r.path}\` | \`${r.permission}\` |`));
});
