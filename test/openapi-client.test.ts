import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { expect, it } from 'vitest';

const root = path.join(import.meta.dirname, '..');

it('the committed document and typed client are what the API generates (npm run build regenerates them)', () => {
  // Exit 0 only when docs/openapi.json and src/client/api-types.ts match the built server's document.
  expect(() => execFileSync(process.execPath, [path.join(root, 'scripts/generate-client.mjs'), '--check'], { stdio: 'pipe' })).not.toThrow();
});
