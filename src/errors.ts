/**
 * Forge's error classes. Every error carries a stable `code` and the context that explains it, so callers
 * branch on the class (or `code`), never on message text. Errors that cross a process or thread boundary
 * are rebuilt from `{ name, code, message }` by `isForgeError` checks on `code`, which survive structured
 * cloning where `instanceof` does not.
 */

/** A code and the HTTP status it answers with when it ends a request (5xx: not the caller's fault). */
const HTTP_STATUS = {
  config_invalid: 500,
  validation_failed: 400,
  not_found: 404,
  conflict: 409,
  forbidden: 403,
  unauthenticated: 401,
  unsupported_media_type: 415,
  misdirected_request: 421,
  rate_limited: 429,
  registration_closed: 403,
  permission_denied: 403,
  security_denied: 403,
  governance_required: 403,
  trust_flow_violation: 409,
  write_down: 403,
  session_required: 403,
  phase_timeout: 504,
  migration_refused: 409,
  migration_incomplete: 500,
  redis_server_missing: 500,
  redis_start_failed: 500,
  redis_unavailable: 503,
  blob_corrupt: 500,
  provider_failed: 502,
  overlay_event_failed: 502,
  upload_rejected: 400,
  upload_too_large: 413,
  // What the JSON body parser refused, by its type.
  entity_parse_failed: 400,
  entity_too_large: 413,
  entity_too_deep: 400,
  entity_verify_failed: 403,
  charset_unsupported: 415,
  encoding_unsupported: 415,
  request_aborted: 400,
  request_size_invalid: 400,
  parameters_too_many: 413,
} as const satisfies Record<string, number>;

export type ForgeErrorCode = keyof typeof HTTP_STATUS;

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

  /** The HTTP status of this error as an answer to a request. */
  get httpStatus(): number {
    return HTTP_STATUS[this.code];
  }

  /**
   * What a client needs beyond the message to act on the error (the fields that were wrong, the numbers
   * that were exceeded); it becomes the `details` of the HTTP body. Subclasses with context override it.
   */
  details(): Record<string, unknown> | undefined {
    return undefined;
  }

  /** Headers that go with this error's HTTP answer (`Retry-After`, `WWW-Authenticate`). */
  httpHeaders(): Record<string, string> {
    return {};
  }

  /** The HTTP body of this error: `{error: code, message, details?}`. */
  toBody(): { error: ForgeErrorCode; message: string; details?: Record<string, unknown> } {
    const details = this.details();
    return { error: this.code, message: this.message, ...(details ? { details } : {}) };
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

  override details(): Record<string, unknown> {
    return { issues: this.issues };
  }
}

/** One problem with a request's input, as zod reports it: where (a JSON path) and what. */
export interface InputIssue {
  readonly path: ReadonlyArray<PropertyKey>;
  readonly message: string;
  readonly code?: string;
}

/** A request's body, query, headers or multipart fields do not fit the schema: HTTP 400 with each issue. */
export class RequestValidationError extends ForgeError {
  /** `body`, `query`, `headers` or `multipart body`. */
  readonly where: string;
  readonly issues: readonly InputIssue[];
  constructor(where: string, issues: readonly InputIssue[]) {
    super('validation_failed', `invalid ${where}: ${issues.map((i) => `${i.path.map(String).join('.') || '(root)'} ${i.message}`).join('; ')}`, { retryable: false });
    this.where = where;
    this.issues = issues;
  }

  override details(): Record<string, unknown> {
    return { where: this.where, issues: this.issues.map((i) => ({ ...i, path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)) })) };
  }
}

/** No credential, or one that is not (or no longer) valid: HTTP 401 with `WWW-Authenticate: Bearer`. */
export class AuthenticationError extends ForgeError {
  /** Why, for the caller: `missing`, `invalid`, `revoked_or_unknown`, `disabled`, `expired`, `refresh_reused`. */
  readonly reason: 'missing' | 'invalid' | 'revoked_or_unknown' | 'disabled' | 'expired' | 'refresh_reused' | 'totp_required';
  constructor(reason: AuthenticationError['reason'], message: string) {
    super('unauthenticated', message, { retryable: false });
    this.reason = reason;
  }

  override details(): Record<string, unknown> {
    return { reason: this.reason };
  }

  override httpHeaders(): Record<string, string> {
    return { 'WWW-Authenticate': `Bearer realm="forge", error="invalid_token"` };
  }
}

/** The caller is known but its role does not hold the permission the route needs: HTTP 403. */
export class PermissionDeniedError extends ForgeError {
  readonly permission: string;
  readonly requiredRole: string;
  readonly role: string;
  constructor(permission: string, requiredRole: string, role: string) {
    super('permission_denied', `${permission} needs the ${requiredRole} role or above; you are ${role}`, { retryable: false });
    this.permission = permission;
    this.requiredRole = requiredRole;
    this.role = role;
  }

  override details(): Record<string, unknown> {
    return { permission: this.permission, required_role: this.requiredRole, your_role: this.role };
  }
}

/** A request body of a type the route does not take (a browser's cross-site form or text/plain post, say). */
export class UnsupportedMediaTypeError extends ForgeError {
  readonly contentType: string;
  readonly accepted: readonly string[];
  constructor(contentType: string, accepted: readonly string[]) {
    super('unsupported_media_type', `a body of type "${contentType}" is not accepted here; send ${accepted.join(' or ')}`, { retryable: false });
    this.contentType = contentType;
    this.accepted = accepted;
  }

  override details(): Record<string, unknown> {
    return { content_type: this.contentType, accepted: this.accepted };
  }
}

/** A Host header Forge does not answer to (DNS rebinding): HTTP 421. */
export class MisdirectedRequestError extends ForgeError {
  readonly host: string;
  constructor(host: string) {
    super('misdirected_request', `this server does not answer to host "${host}"; add it to FORGE_ALLOWED_HOSTS if it should`, { retryable: false });
    this.host = host;
  }

  override details(): Record<string, unknown> {
    return { host: this.host };
  }
}

/** Redis is down or reconnecting: nothing can be accepted or run now; retry after `retryAfterS`. */
export class FleetUnavailableError extends ForgeError {
  readonly state: string;
  readonly retryAfterS: number;
  constructor(state: string, retryAfterS = 5) {
    super('redis_unavailable', `Redis is ${state}; retry shortly`);
    this.state = state;
    this.retryAfterS = retryAfterS;
  }

  override httpHeaders(): Record<string, string> {
    return { 'Retry-After': String(this.retryAfterS) };
  }
}

/** An overlay upload the multipart parser refused (too large, too many fields or files). */
export class UploadRejectedError extends ForgeError {
  readonly field: string | null;
  constructor(message: string, field: string | null, tooLarge: boolean) {
    super(tooLarge ? 'upload_too_large' : 'upload_rejected', message, { retryable: false });
    this.field = field;
  }

  override details(): Record<string, unknown> | undefined {
    return this.field ? { field: this.field } : undefined;
  }
}

/** The JSON body could not be read: malformed, too large, an unsupported charset. `type` is the parser's. */
export class RequestBodyError extends ForgeError {
  readonly type: string;
  constructor(code: ForgeErrorCode, type: string, message: string) {
    super(code, message, { retryable: false });
    this.type = type;
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

  override details(): Record<string, unknown> {
    return { required_trust: this.required, your_trust: this.actual };
  }
}

/** A limited action asked too often: HTTP 429 with Retry-After, naming the limit. */
export class RateLimitedError extends ForgeError {
  readonly what: string;
  readonly limit: number;
  readonly windowS: number;
  readonly retryAfterS: number;
  constructor(what: string, limit: number, windowS: number, retryAfterS: number) {
    super('rate_limited', `${what}: at most ${limit} every ${windowS} s; try again in ${retryAfterS} s`, { retryable: true });
    this.what = what;
    this.limit = limit;
    this.windowS = windowS;
    this.retryAfterS = retryAfterS;
  }

  override details(): Record<string, unknown> {
    return { limit: this.limit, window_s: this.windowS, retry_after_s: this.retryAfterS };
  }

  override httpHeaders(): Record<string, string> {
    return { 'Retry-After': String(this.retryAfterS) };
  }
}

/** Something only a browser session may do (buy an access token) was asked with another credential. */
export class SessionRequiredError extends ForgeError {
  readonly via: string;
  constructor(what: string, via: string) {
    super(
      'session_required',
      `${what} needs a browser session (sign in at /admin/login); it was asked with ${via === 'token' ? 'an access token' : `a credential of kind ${via}`}`,
      { retryable: false },
    );
    this.via = via;
  }

  override details(): Record<string, unknown> {
    return { via: this.via };
  }
}

/** The security phase refused a request. The request ends `rejected` and nothing after security runs. */
export class SecurityDeniedError extends ForgeError {
  readonly reason: string;
  constructor(reason: string) {
    super('security_denied', `request denied: ${reason}`, { retryable: false });
    this.reason = reason;
  }

  override details(): Record<string, unknown> {
    return { reason: this.reason };
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

  override details(): Record<string, unknown> {
    return { phase: this.phase, timeout_ms: this.timeoutMs };
  }
}

/** A store copy (`forge migrate`) that would mix two stores: the target holds other data. */
export class MigrationRefusedError extends ForgeError {
  constructor(message: string) {
    super('migration_refused', message, { retryable: false });
  }
}

/** A store copy whose result does not match its source: `mismatches` names each kind whose counts differ. */
export class MigrationIncompleteError extends ForgeError {
  readonly mismatches: ReadonlyArray<{ kind: string; source: number; target: number }>;
  constructor(message: string, mismatches: ReadonlyArray<{ kind: string; source: number; target: number }>) {
    super('migration_incomplete', message, { retryable: false });
    this.mismatches = mismatches;
  }

  override details(): Record<string, unknown> {
    return { mismatches: this.mismatches };
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

/** A stored blob whose bytes no longer hash to the sha256 its key names: corrupted or replaced in storage. */
export class BlobIntegrityError extends ForgeError {
  readonly key: string;
  readonly expected: string;
  readonly actual: string;
  constructor(key: string, expected: string, actual: string) {
    super('blob_corrupt', `blob ${key} is corrupt: its key names sha256 ${expected}, its bytes hash to ${actual}`, { retryable: false });
    this.key = key;
    this.expected = expected;
    this.actual = actual;
  }

  override details(): Record<string, unknown> {
    return { key: this.key, expected_sha256: this.expected, actual_sha256: this.actual };
  }
}

/** A model provider (an OpenAI-compatible endpoint) failed a call, after the attempts it was given. */
export class ProviderError extends ForgeError {
  readonly url: string;
  readonly status: number | null;
  readonly attempts: number;
  readonly reason: string;
  constructor(url: string, status: number | null, attempts: number, reason: string, retryable: boolean) {
    super('provider_failed', `${url} failed after ${attempts} attempt${attempts === 1 ? '' : 's'}${status === null ? '' : ` (HTTP ${status})`}: ${reason}`, { retryable });
    this.url = url;
    this.status = status;
    this.attempts = attempts;
    this.reason = reason;
  }

  override details(): Record<string, unknown> {
    return { url: this.url, status: this.status, attempts: this.attempts, reason: this.reason };
  }
}
