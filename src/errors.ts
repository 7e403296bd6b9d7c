/**
 * Forge's error classes. Every error carries a stable `code` and the context that explains it, so callers
 * branch on the class (or `code`), never on message text. Errors that cross a process or thread boundary
 * are rebuilt from `{ name, code, message }` by `isForgeError` checks on `code`, which survive structured
 * cloning where `instanceof` does not.
 */

export type ForgeErrorCode =
  | 'config_invalid'
  | 'validation_failed'
  | 'not_found'
  | 'conflict'
  | 'forbidden'
  | 'security_denied'
  | 'phase_timeout'
  | 'redis_server_missing'
  | 'redis_start_failed';

export class ForgeError extends Error {
  readonly code: ForgeErrorCode;
  /** False when retrying cannot help (the input or the caller is the problem). */
  readonly retryable: boolean;

  constructor(code: ForgeErrorCode, message: string, options?: { cause?: unknown; retryable?: boolean }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options?.retryable ?? true;
  }
}

export function isForgeError(value: unknown): value is ForgeError {
  return value instanceof ForgeError;
}

export interface FieldIssue {
  /** The field as the user wrote it: an environment variable, a flag, or a JSON path. */
  readonly field: string;
  readonly message: string;
}

/** Configuration that cannot be used. Start-up stops with this message. */
export class ConfigError extends ForgeError {
  readonly issues: readonly FieldIssue[];
  constructor(issues: readonly FieldIssue[]) {
    super('config_invalid', `invalid configuration:\n${issues.map((i) => `  ${i.field}: ${i.message}`).join('\n')}`, {
      retryable: false,
    });
    this.issues = issues;
  }
}

export class NotFoundError extends ForgeError {
  readonly entity: string;
  readonly id: string;
  constructor(entity: string, id: string) {
    super('not_found', `${entity} ${id} not found`, { retryable: false });
    this.entity = entity;
    this.id = id;
  }
}

export class ConflictError extends ForgeError {
  readonly entity: string;
  readonly id: string;
  constructor(entity: string, id: string, reason: string) {
    super('conflict', `${entity} ${id}: ${reason}`, { retryable: false });
    this.entity = entity;
    this.id = id;
  }
}

/** The caller may not do this; `required` and `actual` are trust levels. */
export class ForbiddenError extends ForgeError {
  readonly required: number;
  readonly actual: number;
  constructor(message: string, required: number, actual: number) {
    super('forbidden', message, { retryable: false });
    this.required = required;
    this.actual = actual;
  }
}

/** The security phase refused a request. The request ends `rejected` and nothing after security runs. */
export class SecurityDeniedError extends ForgeError {
  readonly reason: string;
  constructor(reason: string) {
    super('security_denied', `request denied: ${reason}`, { retryable: false });
    this.reason = reason;
  }
}

export class PhaseTimeoutError extends ForgeError {
  readonly phase: string;
  readonly timeoutMs: number;
  constructor(phase: string, timeoutMs: number) {
    super('phase_timeout', `${phase} phase timed out after ${timeoutMs} ms`);
    this.phase = phase;
    this.timeoutMs = timeoutMs;
  }
}

export class RedisServerMissingError extends ForgeError {
  readonly binary: string;
  constructor(binary: string) {
    super(
      'redis_server_missing',
      `redis-server was not found (looked for "${binary}" on PATH). Install it with ` +
        '`sudo apt-get install -y redis-server` (Debian/Ubuntu), or set REDIS_URL to a running Redis 6.2+.',
      { retryable: false },
    );
    this.binary = binary;
  }
}

export class RedisStartError extends ForgeError {
  readonly logTail: string;
  constructor(message: string, logTail: string) {
    super('redis_start_failed', `${message}${logTail ? `\nredis-server said:\n${logTail}` : ''}`, { retryable: false });
    this.logTail = logTail;
  }
}
