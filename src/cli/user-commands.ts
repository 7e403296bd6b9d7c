import { ConfigError } from '../errors.js';
import { clientOf, print, show, type ApiTarget } from './http.js';

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
  const api = clientOf(options.target);
  switch (sub) {
    case 'create': {
      const usage = 'forge user create <name> --role reader|contributor|operator|admin --trust 0-100';
      const name = need(rest[0], 'name', usage);
      const trust = Number(need(options.trust, '--trust', usage));
      const role = need(options.role, '--role', usage) as 'reader' | 'contributor' | 'operator' | 'admin';
      const created = await api.POST('/v2/users', { body: { name, role, trust_level: trust } });
      if (!created.data) return show(created);
      const user = created.data;
      const key = await api.POST('/v2/users/{id}/keys', { params: { path: { id: user.id } }, body: { label: options.label ?? 'created by forge user create' } });
      if (!key.data) return show(key);
      // The key is shown this once: the server keeps only its hash.
      print({ ...user, api_key: key.data.api_key });
      return;
    }
    case 'list':
      return show(await api.GET('/v2/users'));
    default:
      throw new ConfigError([{ field: 'user', message: `unknown subcommand "${sub ?? ''}"; use create or list` }]);
  }
}

export async function keyCommand(sub: string | undefined, rest: readonly string[], options: UserCommandOptions): Promise<void> {
  const api = clientOf(options.target);
  switch (sub) {
    case 'create': {
      const userId = need(rest[0], 'user', 'forge key create <user-id> [--label LABEL]');
      return show(await api.POST('/v2/users/{id}/keys', { params: { path: { id: userId } }, body: { label: options.label ?? '' } }));
    }
    case 'revoke': {
      const keyId = need(rest[0], 'key', 'forge key revoke <key-id>');
      return show(await api.DELETE('/v2/keys/{id}', { params: { path: { id: keyId } } }));
    }
    default:
      throw new ConfigError([{ field: 'key', message: `unknown subcommand "${sub ?? ''}"; use create or revoke` }]);
  }
}
