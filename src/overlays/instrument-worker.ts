/**
 * The instrumentation thread: checks a module against its manifest and instruments it, off the owning
 * process's event loop (a large module takes seconds). Loaded by Piscina; must not be imported elsewhere.
 */
import { instrumentModule, type InstrumentOptions } from './instrument.js';
import { checkOverlayModule } from './validate.js';
import type { OverlayManifest } from './manifest.js';
import type { HostFunction } from './abi.js';
import { toPreparationFailure, type PreparationFailure } from './preparation-errors.js';

export interface PrepareTask {
  readonly wasm: Uint8Array;
  readonly manifest: OverlayManifest;
  readonly options: InstrumentOptions;
}

export type PrepareResult = { readonly ok: true; readonly module: Uint8Array; readonly imports: HostFunction[] } | { readonly ok: false; readonly failure: PreparationFailure };

export default function prepare(task: PrepareTask): PrepareResult {
  try {
    const imports = checkOverlayModule(task.wasm, task.manifest);
    return { ok: true, module: instrumentModule(task.wasm, task.options), imports };
  } catch (err) {
    return { ok: false, failure: toPreparationFailure(err) };
  }
}
