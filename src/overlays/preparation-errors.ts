import { InvalidModuleError, MemoryLimitError, TableLimitError } from './errors.js';
import { OverlayModuleError } from './validate.js';

/** A refusal of the preparation thread, as plain data that crosses the thread boundary. */
export type PreparationFailure =
  | { readonly kind: 'invalid'; readonly reason: string }
  | { readonly kind: 'memory'; readonly requestedPages: number; readonly maxPages: number }
  | { readonly kind: 'tables'; readonly tables: number; readonly maxTables: number; readonly requestedElements: number; readonly maxElements: number }
  | { readonly kind: 'module'; readonly problems: readonly string[] }
  | { readonly kind: 'other'; readonly message: string };

export function toPreparationFailure(err: unknown): PreparationFailure {
  if (err instanceof OverlayModuleError) return { kind: 'module', problems: err.problems };
  if (err instanceof MemoryLimitError) return { kind: 'memory', requestedPages: err.requestedPages, maxPages: err.maxPages };
  if (err instanceof TableLimitError) return { kind: 'tables', tables: err.tables, maxTables: err.maxTables, requestedElements: err.requestedElements, maxElements: err.maxElements };
  if (err instanceof InvalidModuleError) return { kind: 'invalid', reason: err.reason };
  return { kind: 'other', message: err instanceof Error ? err.message : String(err) };
}

/** The error the preparation thread refused with, as the same class on this side. */
export function fromPreparationFailure(failure: PreparationFailure): Error {
  switch (failure.kind) {
    case 'module':
      return new OverlayModuleError(failure.problems);
    case 'memory':
      return new MemoryLimitError(failure.requestedPages, failure.maxPages);
    case 'tables':
      return new TableLimitError(failure);
    case 'invalid':
      return new InvalidModuleError(failure.reason);
    case 'other':
      return new Error(`overlay preparation failed: ${failure.message}`);
  }
}
