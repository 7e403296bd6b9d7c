import { ConfigError } from '../errors.js';
import { callApi, printResponse, type ApiTarget } from './http.js';

export interface UserCommandOptions {
  readonly target: ApiTarget;
  readonly role?: string;
  readonly trust?: string;
  readonly label?: string;
}

const need = (value: string | undefined, field: string, usage: string): string => {
  if (!value) throw new ConfigError([{ field, message: usage }]);
  return value;
};

/**
 * `forge user create|list` and `forge key create|revoke` against a running ingress, as an admin (its API
 * key from --api-key, FORGE_API_KEY or the local admin.key).
 */
export async function userCommand(sub: string | undefined, rest: readonly string[], options: UserCommandOptions): Promise<void> {
  const api = options.target;
  switch (sub) {
    case 'create': {
      const usage = 'forge user create <name> --role reader|contributor|operator|admin --trust 0-100';
      const name = need(rest[0], 'name', usage);
      const trust = Number(need(options.trust, '--trust', usage));
      const created = await callApi(api, '/v2/users', { json: { name, role: need(options.role, '--role', usage), trust_level: trust } });
      if (!created.ok) return printResponse(created);
      const user = (await created.json()) as { id: string; name: string; role: string; trust_level: number };
      const key = await callApi(api, `/v2/users/${user.id}/keys`, { json: { label: options.label ?? 'created by forge user create' } });
      if (!key.ok) return printResponse(key);
      const { api_key } = (await key.json()) as { api_key: string };
      // The key is shown this once: the server keeps only its hash.
      console.log(JSON.stringify({ ...user, api_key }, null, 2));
      return;
    }
    case 'list':
      return printResponse(await callApi(api, '/v2/users'));
    default:
      throw new ConfigError([{ field: 'user', message: `unknown subcommand "${sub ?? ''}"; use create or list` }]);
  }
}

export async function keyCommand(sub: string | undefined, rest: readonly string[], options: UserCommandOptions): Promise<void> {
  const api = options.target;
  switch (sub) {
    case 'create': {
      const userId = need(rest[0], 'user', 'forge key create <user-id> [--label LABEL]');
      return printResponse(await callApi(api, `/v2/users/${encodeURIComponent(userId)}/keys`, { json: { label: options.label ?? '' } }));
    }
    case 'revoke': {
      const keyId = need(rest[0], 'key', 'forge key revoke <key-id>');
      return printResponse(await callApi(api, `/v2/keys/${encodeURIComponent(keyId)}`, { method: 'DELETE' }));
    }
    default:
      throw new ConfigError([{ field: 'key', message: `unknown subcommand "${sub ?? ''}"; use create or revoke` }]);
  }
}
