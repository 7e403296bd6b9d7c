/** Where a client command sends its calls, and the API key it sends (`--api-key`, `FORGE_API_KEY`). */
export interface ApiTarget {
  readonly base: string;
  readonly apiKey: string | undefined;
}

/** One call to the API with the target's credential. */
export function callApi(target: ApiTarget, path: string, init: { method?: string; json?: unknown; body?: FormData } = {}): Promise<Response> {
  const headers: Record<string, string> = {};
  if (target.apiKey) headers.authorization = `Bearer ${target.apiKey}`;
  if (init.json !== undefined) headers['content-type'] = 'application/json';
  return fetch(`${target.base.replace(/\/+$/, '')}${path}`, {
    method: init.method ?? (init.json === undefined && init.body === undefined ? 'GET' : 'POST'),
    headers,
    ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : init.body ? { body: init.body } : {}),
  });
}

/** Prints an API answer as indented JSON; a non-2xx answer sets the exit code to 1 (401: says how to authenticate). */
export async function printResponse(res: Response): Promise<void> {
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: print as is
  }
  if (text) console.log(typeof body === 'string' ? body : JSON.stringify(body, null, 2));
  if (res.status === 401) console.error('forge: give an API key with --api-key or FORGE_API_KEY (a new data dir has one in <data-dir>/admin.key)');
  if (!res.ok) process.exitCode = 1;
}
