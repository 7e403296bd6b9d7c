// Generates the API's contract files from the built server: docs/openapi.json (the document the ingress
// serves at /v2/openapi.json) and src/client/api-types.ts (the typed client's paths, by openapi-typescript).
// Run by `npm run build` after tsc; when the API changed, it writes both and compiles once more.
// `--check` only says whether they are current (exit 1 when not).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const { openApiDocument } = await import(path.join(root, 'dist/src/producers/openapi/document.js'));
const document = openApiDocument();
const json = `${JSON.stringify(document, null, 2)}\n`;
const header = '// Generated from the OpenAPI document by scripts/generate-client.mjs (npm run build). Do not edit.\n';
const types = header + astToString(await openapiTS(JSON.parse(json), { alphabetize: true }));

const files = [
  [path.join(root, 'docs/openapi.json'), json],
  [path.join(root, 'src/client/api-types.ts'), types],
];
const read = (file) => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
};
const stale = files.filter(([file, text]) => read(file) !== text);
if (process.argv.includes('--check')) {
  for (const [file] of stale) console.error(`${path.relative(root, file)} is not what the API generates: run npm run build`);
  process.exit(stale.length ? 1 : 0);
}
for (const [file, text] of stale) writeFileSync(file, text);
if (stale.length) {
  console.log(`the API changed: regenerated ${stale.map(([f]) => path.relative(root, f)).join(' and ')}`);
  execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.json')], { stdio: 'inherit' });
}
