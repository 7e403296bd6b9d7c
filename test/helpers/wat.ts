import { readFileSync } from 'node:fs';
import path from 'node:path';
import wabtInit from 'wabt';

const fixtures = path.resolve(import.meta.dirname, '..', 'fixtures', 'wasm');
let wabt: Awaited<ReturnType<typeof wabtInit>> | undefined;

/** Compiles a `.wat` fixture from test/fixtures/wasm to a binary module. */
export async function compileWat(name: string): Promise<Uint8Array> {
  return compileWatSource(name, readFileSync(path.join(fixtures, `${name}.wat`), 'utf8'));
}

/** Compiles WebAssembly text to a binary module. */
export async function compileWatSource(name: string, source: string): Promise<Uint8Array> {
  wabt ??= await wabtInit();
  const parsed = wabt.parseWat(`${name}.wat`, source, { bulk_memory: true, multi_value: true, sign_extension: true, mutable_globals: true, reference_types: true });
  try {
    parsed.resolveNames();
    parsed.validate();
    return new Uint8Array(parsed.toBinary({}).buffer);
  } finally {
    parsed.destroy();
  }
}
