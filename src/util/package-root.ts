import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The directory holding Forge's package.json, whether running from `src/` or the built `dist/src/`. */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('could not find the forge package root');
    dir = parent;
  }
  return dir;
}

/**
 * A worker thread's script, given as its path under `src/` without extension (`overlays/overlay-worker`):
 * the built `.js` next to the caller when running from `dist/`, or the one in `dist/` when running from
 * sources (tests), since a thread cannot load TypeScript.
 */
export function workerScript(fromSrc: string): string {
  const built = path.join(packageRoot(), 'dist', 'src', `${fromSrc}.js`);
  const here = path.dirname(fileURLToPath(import.meta.url));
  const sibling = path.join(here, '..', `${fromSrc}.js`);
  if (existsSync(sibling)) return sibling;
  if (existsSync(built)) return built;
  throw new Error(`worker script not found at ${sibling} or ${built}; run npm run build`);
}

let version: string | undefined;
/** Forge's version, from its package.json. */
export function packageVersion(): string {
  version ??= (JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  return version;
}
