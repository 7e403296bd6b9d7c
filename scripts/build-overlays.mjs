#!/usr/bin/env node
// Compiles every overlay under overlays/<dir>/index.ts (AssemblyScript, with the SDK in overlays/sdk)
// to overlays/<dir>/build/<dir>.wasm. Usage: node scripts/build-overlays.mjs [dir ...]
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const overlaysDir = path.join(root, 'overlays');
const wanted = process.argv.slice(2);
const dirs = readdirSync(overlaysDir, { withFileTypes: true })
  .filter((d) => d.isDirectory() && d.name !== 'sdk' && existsSync(path.join(overlaysDir, d.name, 'index.ts')))
  .map((d) => d.name)
  .filter((d) => wanted.length === 0 || wanted.includes(d));

let failed = 0;
for (const dir of dirs) {
  const out = path.join(overlaysDir, dir, 'build', `${dir}.wasm`);
  mkdirSync(path.dirname(out), { recursive: true });
  const { error, stderr } = await asc.main(
    [path.join('overlays', dir, 'index.ts'), '--outFile', path.relative(root, out), '--runtime', 'stub', '--optimize', '--use', 'abort=overlays/sdk/index/abort'],
    { stdout: process.stdout, stderr: process.stderr, baseDir: root },
  );
  if (error) {
    failed++;
    console.error(`✗ ${dir}: ${error.message}\n${stderr.toString()}`);
  } else {
    console.log(`✓ ${dir} → ${path.relative(root, out)}`);
  }
}
if (dirs.length === 0) console.error('no overlays found');
process.exit(failed ? 1 : 0);
