import { ConfigError } from '../errors.js';
import { clientOf, show, type ApiTarget } from './http.js';

export interface DlqCommandOptions {
  readonly target: ApiTarget;
  readonly queue?: string;
  readonly error?: string;
  readonly since?: string;
  readonly until?: string;
  readonly request?: string;
  readonly all?: boolean;
}

/** `forge dlq list|show|retry|purge` against a running ingress. */
export async function dlqCommand(sub: string | undefined, rest: readonly string[], options: DlqCommandOptions): Promise<void> {
  const api = clientOf(options.target);
  const filter = Object.fromEntries(
    Object.entries({ queue: options.queue, error: options.error, since: options.since, until: options.until, request_id: options.request }).filter(([, v]) => v !== undefined),
  ) as Record<string, string>;
  const id = rest[0];
  switch (sub) {
    case 'list':
      return show(await api.GET('/v2/dead-letters', { params: { query: filter } }));
    case 'show':
      if (!id) throw new ConfigError([{ field: 'id', message: 'forge dlq show <id>' }]);
      return show(await api.GET('/v2/dead-letters/{id}', { params: { path: { id } } }));
    case 'retry':
      if (id) return show(await api.POST('/v2/dead-letters/{id}/retry', { params: { path: { id } } }));
      if (!options.all) throw new ConfigError([{ field: 'id', message: 'forge dlq retry <id>, or --all [--queue Q] [--error TEXT] [--since T] [--until T]' }]);
      return show(await api.POST('/v2/dead-letters/retry', { body: filter }));
    case 'purge':
      if (id) return show(await api.DELETE('/v2/dead-letters/{id}', { params: { path: { id } } }));
      if (!options.all && Object.keys(filter).length === 0) throw new ConfigError([{ field: '--all', message: 'purging every dead letter needs --all (or give filters)' }]);
      return show(await api.POST('/v2/dead-letters/purge', { body: filter }));
    default:
      throw new ConfigError([{ field: 'dlq', message: `unknown subcommand "${sub ?? ''}"; use list, show, retry or purge` }]);
  }
}
