import { forgeClient, type ForgeClient } from '../client/index.js';
import { human } from './format.js';

let asJson = false;

/** `--json`: answers printed as the API's JSON, for machines; otherwise as tables and fields, for people. */
export function printJson(on: boolean): void {
  asJson = on;
}

/** Prints a value as the output mode says. */
export function print(value: unknown): void {
  const text = asJson ? (typeof value === 'string' ? value : JSON.stringify(value, null, 2)) : human(value);
  if (text !== '') console.log(text);
}

/** Where a client command sends its calls, and the API key it sends (`--api-key`, `FORGE_API_KEY`). */
export interface ApiTarget {
  readonly base: string;
  readonly apiKey: string | undefined;
}

const clients = new WeakMap<ApiTarget, ForgeClient>();
let called: string | undefined;

/** The base URL of the target a command last made a client for (what an unreachable call says it tried). */
export function lastTarget(): string | undefined {
  return called;
}

/** The typed client of a target: the CLI calls the API only through the contract (src/client). */
export function clientOf(target: ApiTarget): ForgeClient {
  called = target.base;
  let client = clients.get(target);
  if (!client) clients.set(target, (client = forgeClient(target.base, target.apiKey)));
  return client;
}

/** An answer of the typed client. */
export interface ApiResult {
  readonly data?: unknown;
  readonly error?: unknown;
  readonly response: Response;
}

/** The body of a successful answer. @throws Error with the API's message when it did not succeed */
export function dataOf<T>(result: { readonly data?: T; readonly error?: unknown; readonly response: Response }): T {
  if (result.error !== undefined || result.data === undefined) {
    const message = (result.error as { message?: string } | undefined)?.message ?? `HTTP ${result.response.status}`;
    throw new Error(`${result.response.url}: ${message}`);
  }
  return result.data;
}

/** Prints an answer (`print`); a non-2xx answer sets the exit code to 1 (401: says how to authenticate). */
export function show(result: ApiResult): void {
  const body = result.error ?? result.data;
  if (body !== undefined && body !== '') print(body);
  if (result.response.status === 401) console.error('forge: give an API key with --api-key or FORGE_API_KEY (a new data dir has one in <data-dir>/admin.key)');
  if (!result.response.ok) process.exitCode = 1;
}
