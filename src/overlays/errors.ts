import { ForgeError } from '../errors.js';

/** The module is not valid WebAssembly, or uses a feature overlays may not use. */
export class InvalidModuleError extends ForgeError {
  readonly reason: string;
  constructor(reason: string) {
    super('validation_failed', `invalid overlay module: ${reason}`, { retryable: false });
    this.reason = reason;
  }
}

/** The module asks for more memory up front than its overlay may have. */
export class MemoryLimitError extends ForgeError {
  readonly requestedPages: number;
  readonly maxPages: number;
  constructor(requestedPages: number, maxPages: number) {
    super('validation_failed', `memory limit exceeded: ${requestedPages} pages requested initially, ${maxPages} allowed`, { retryable: false });
    this.requestedPages = requestedPages;
    this.maxPages = maxPages;
  }

  override details(): Record<string, unknown> {
    return { requested_pages: this.requestedPages, max_pages: this.maxPages };
  }
}

/** The module declares more tables, or larger ones, than an overlay may have. */
export class TableLimitError extends ForgeError {
  readonly tables: number;
  readonly maxTables: number;
  readonly requestedElements: number;
  readonly maxElements: number;
  constructor(fields: { tables: number; maxTables: number; requestedElements: number; maxElements: number }) {
    super(
      'validation_failed',
      fields.tables > fields.maxTables
        ? `table limit exceeded: ${fields.tables} tables declared, ${fields.maxTables} allowed`
        : `table limit exceeded: ${fields.requestedElements} elements requested initially, ${fields.maxElements} allowed per table`,
      { retryable: false },
    );
    this.tables = fields.tables;
    this.maxTables = fields.maxTables;
    this.requestedElements = fields.requestedElements;
    this.maxElements = fields.maxElements;
  }

  override details(): Record<string, unknown> {
    return { tables: this.tables, max_tables: this.maxTables, requested_elements: this.requestedElements, max_elements: this.maxElements };
  }
}
