import { ForgeError } from '../errors.js';

/** The module is not valid WebAssembly, or uses a feature overlays may not use. */
export class InvalidModuleError extends ForgeError {
  constructor(message: string) {
    super('validation_failed', `invalid overlay module: ${message}`, { retryable: false });
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
