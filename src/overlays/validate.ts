import { ForgeError } from '../errors.js';
import { ALLOC_EXPORT, HOST_FUNCTIONS, HOST_MODULE, type HostFunction } from './abi.js';
import { InvalidModuleError } from './errors.js';
import type { OverlayManifest } from './manifest.js';

/** The module breaks the ABI or imports what its capabilities do not grant. Each problem is named. */
export class OverlayModuleError extends ForgeError {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super('validation_failed', `overlay module rejected:\n${problems.map((p) => `  - ${p}`).join('\n')}`, { retryable: false });
    this.problems = problems;
  }

  override details(): Record<string, unknown> {
    return { problems: this.problems };
  }
}

/**
 * Checks a module against ABI v1 and its manifest before it is instrumented: imports are the capability
 * boundary, so every import must be a `forge` host function that a granted capability covers.
 * @returns the host functions the module imports.
 */
export function checkOverlayModule(wasm: Uint8Array, manifest: OverlayManifest): HostFunction[] {
  if (!WebAssembly.validate(wasm)) throw new InvalidModuleError('not a valid WebAssembly binary');
  const module = new WebAssembly.Module(wasm);
  const granted = new Set(manifest.capabilities.map((c) => c.name));
  const problems: string[] = [];
  const imported: HostFunction[] = [];
  for (const imp of WebAssembly.Module.imports(module)) {
    const what = `${imp.module}.${imp.name}`;
    if (imp.module !== HOST_MODULE) {
      problems.push(`imports ${what} (${imp.kind}): overlays may import only from "${HOST_MODULE}"`);
      continue;
    }
    if (imp.kind !== 'function' || !(imp.name in HOST_FUNCTIONS)) {
      problems.push(`imports ${what} (${imp.kind}), which is not a host function of ABI v1 (${Object.keys(HOST_FUNCTIONS).join(', ')})`);
      continue;
    }
    const fn = imp.name as HostFunction;
    const needs = HOST_FUNCTIONS[fn];
    if (needs !== null && !granted.has(needs)) problems.push(`imports ${what}, which needs capability ${needs}; the manifest does not grant it`);
    imported.push(fn);
  }
  const exports = new Map(WebAssembly.Module.exports(module).map((e) => [e.name, e.kind]));
  if (exports.get('memory') !== 'memory') problems.push('does not export its memory as "memory"');
  if (exports.get(ALLOC_EXPORT) !== 'function') problems.push(`does not export ${ALLOC_EXPORT}(len: i32) -> i32`);
  for (const entry of manifest.entry_points) {
    if (exports.get(entry) !== 'function') problems.push(`does not export entry point ${entry}(ptr: i32, len: i32) -> i64`);
  }
  if (problems.length) throw new OverlayModuleError(problems);
  return imported;
}
