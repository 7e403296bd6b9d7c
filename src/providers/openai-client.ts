import { setTimeout as sleep } from 'node:timers/promises';
import { ProviderError } from '../errors.js';

export interface OpenAiClientOptions {
  /** The API root, e.g. `https://api.openai.com/v1` or a local server's `http://127.0.0.1:11434/v1`. */
  readonly baseUrl: string;
  /** Sent as `Authorization: Bearer …`; local servers often need none. */
  readonly apiKey?: string | undefined;
  /** Per attempt. @defaultValue 8000 */
  readonly timeoutMs?: number;
  /** Attempts per call, for 408, 409, 429, 5xx and network errors. @defaultValue 3 */
  readonly maxAttempts?: number;
  /** The first retry's delay; each later one doubles it, with jitter, or waits what `Retry-After` asks. @defaultValue 250 */
  readonly backoffMs?: number;
}

const RETRYABLE_STATUS = new Set([408, 409, 429, 500, 502, 503, 504]);
/** The longest `Retry-After` honoured; a server asking for more fails the call instead of stalling a phase. */
const MAX_RETRY_AFTER_MS = 10_000;

/**
 * A small client for the OpenAI HTTP API shape that many servers speak (OpenAI, Azure's compatible
 * endpoint, vLLM, Ollama, LM Studio, llama.cpp): JSON POSTs with a timeout per attempt and retries with
 * exponential backoff on what a retry can fix. Errors are `ProviderError`s naming the endpoint, the status
 * and the attempts made; the API key never appears in them.
 */
export class OpenAiClient {
  readonly baseUrl: string;
  private readonly apiKey: string | undefined;
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly backoffMs: number;

  constructor(options: OpenAiClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.apiKey = options.apiKey;
    this.timeoutMs = options.timeoutMs ?? 8000;
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 3);
    this.backoffMs = options.backoffMs ?? 250;
  }

  async post<T>(path: string, body: unknown, parse: (json: unknown) => T): Promise<T> {
    const url = `${this.baseUrl}${path}`;
    let last: { status: number | null; message: string } = { status: null, message: 'not attempted' };
    let attempts = 0;
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      attempts = attempt;
      let retryAfterMs: number | null = null;
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json', ...(this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {}) },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        const text = await res.text();
        if (res.ok) {
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            throw new ProviderError(url, res.status, attempt, 'answered with a body that is not JSON', false);
          }
          return parse(json);
        }
        last = { status: res.status, message: errorMessage(text) ?? res.statusText };
        if (!RETRYABLE_STATUS.has(res.status)) throw new ProviderError(url, res.status, attempt, last.message, false);
        retryAfterMs = retryAfter(res.headers.get('retry-after'));
      } catch (error) {
        if (error instanceof ProviderError) throw error;
        const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
        last = {
          status: null,
          message: timedOut
            ? `no answer within ${this.timeoutMs} ms`
            : error instanceof Error
              ? error.cause instanceof Error
                ? error.cause.message
                : error.message
              : String(error),
        };
      }
      if (attempt === this.maxAttempts) break;
      if (retryAfterMs !== null && retryAfterMs > MAX_RETRY_AFTER_MS) break;
      const backoff = this.backoffMs * 2 ** (attempt - 1);
      await sleep(retryAfterMs ?? backoff / 2 + Math.random() * (backoff / 2));
    }
    // A Retry-After past the bound ends the retries early: report the attempts actually made.
    throw new ProviderError(url, last.status, attempts, last.message, true);
  }
}

/** The `error.message` of an OpenAI-style error body, if it has one. */
function errorMessage(text: string): string | null {
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown } | string };
    if (typeof body.error === 'string') return body.error;
    if (typeof body.error?.message === 'string') return body.error.message;
  } catch {
    // not JSON
  }
  return text.trim().slice(0, 200) || null;
}

function retryAfter(header: string | null): number | null {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}
