import { Piscina } from 'piscina';
import { workerScript } from '../util/package-root.js';
import type { HostFunction } from './abi.js';
import type { InstrumentOptions } from './instrument.js';
import type { OverlayManifest } from './manifest.js';
import type { PrepareResult, PrepareTask } from './instrument-worker.js';
import { fromPreparationFailure } from './preparation-errors.js';

/** Checks and instruments overlay modules in a thread of their own, so registration never stalls the event loop. */
export interface ModulePreparation {
  /** @throws OverlayModuleError, InvalidModuleError, MemoryLimitError, TableLimitError */
  prepare(wasm: Uint8Array, manifest: OverlayManifest, options: InstrumentOptions): Promise<{ module: Uint8Array; imports: HostFunction[] }>;
  close(): Promise<void>;
}

/** One thread, started on the first registration and ended after a minute without one. */
export function createModulePreparation(): ModulePreparation {
  let pool: Piscina<PrepareTask, PrepareResult> | undefined;
  return {
    async prepare(wasm, manifest, options) {
      pool ??= new Piscina<PrepareTask, PrepareResult>({ filename: workerScript('overlays/instrument-worker'), minThreads: 0, maxThreads: 1, idleTimeout: 60_000 });
      const result = await pool.run({ wasm, manifest, options });
      if (!result.ok) throw fromPreparationFailure(result.failure);
      return { module: result.module, imports: result.imports };
    },
    async close() {
      await pool?.destroy();
      pool = undefined;
    },
  };
}
