import createClient, { type Client } from 'openapi-fetch';
import type { paths } from './api-types.js';

export type { paths } from './api-types.js';

/** The typed client of the Forge API, generated from its OpenAPI document (`src/client/api-types.ts`). */
export type ForgeClient = Client<paths>;

/**
 * A client for one Forge: every path, parameter, body and answer is typed from the document, so a call
 * the API does not take does not compile. `apiKey` is an API key or an access token.
 */
export function forgeClient(base: string, apiKey?: string): ForgeClient {
  return createClient<paths>({
    baseUrl: base.replace(/\/+$/, ''),
    headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {},
  });
}
