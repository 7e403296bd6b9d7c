import { ConfigError } from '../errors.js';
import { postJson, printResponse } from './http.js';

export interface DlqCommandOptions {
  readonly target: string;
  readonly queue?: string;
  readonly error?: string;
  readonly since?: string;
  readonly until?: string;
  readonly request?: string;
  readonly all?: boolean;
}

/** `forge dlq list|show|retry|purge` against a running ingress. */
export async function dlqCommand(sub: string | undefined, rest: readonly string[], options: DlqCommandOptions): Promise<void> {
  const base = options.target.replace(/\/+$/, '');
  const filter = Object.fromEntries(
    Object.entries({ queue: options.queue, error: options.error, since: options.since, until: options.until, request_id: options.request }).filter(([, v]) => v !== undefined),
  ) as Record<string, string>;
  const id = rest[0];
  switch (sub) {
    case 'list':
      return printResponse(await fetch(`${base}/v2/dead-letters?${new URLSearchParams(filter)}`));
    case 'show':
      if (!id) throw new ConfigError([{ field: 'id', message: 'forge dlq show <id>' }]);
      return printResponse(await fetch(`${base}/v2/dead-letters/${encodeURIComponent(id)}`));
    case 'retry':
      if (id) return printResponse(await postJson(base, `/v2/dead-letters/${encodeURIComponent(id)}/retry`, {}));
      if (!options.all) throw new ConfigError([{ field: 'id', message: 'forge dlq retry <id>, or --all [--queue Q] [--error TEXT] [--since T] [--until T]' }]);
      return printResponse(await postJson(base, '/v2/dead-letters/retry', filter));
    case 'purge':
      if (id) return printResponse(await fetch(`${base}/v2/dead-letters/${encodeURIComponent(id)}`, { method: 'DELETE' }));
      if (!options.all && Object.keys(filter).length === 0) throw new ConfigError([{ field: '--all', message: 'purging every dead letter needs --all (or give filters)' }]);
      return printResponse(await postJson(base, '/v2/dead-letters/purge', filter));
    default:
      throw new ConfigError([{ field: 'dlq', message: `unknown subcommand "${sub ?? ''}"; use list, show, retry or purge` }]);
  }
}
