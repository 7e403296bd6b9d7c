import { ConfigError } from '../errors.js';
import { callApi, printResponse as show, type ApiTarget } from './http.js';
import { json, need } from './overlay-commands.js';

export interface GovernanceCommandOptions {
  readonly target: ApiTarget;
  readonly status?: string;
  readonly title?: string;
  readonly description?: string;
  readonly kind?: string;
  readonly action?: string;
  readonly open?: boolean;
  readonly closesAt?: string;
  readonly refresh?: boolean;
}

const USAGE = 'use list, show, propose, open, vote, tally, analysis, delegate, undelegate, delegation or settings';

/** `forge governance …`: proposals, votes and delegation through the API. */
export async function governanceCommand(sub: string | undefined, rest: readonly string[], options: GovernanceCommandOptions): Promise<void> {
  const api = options.target;
  const proposal = (usage: string) => `/v2/governance/proposals/${encodeURIComponent(need(rest[0], 'id', usage))}`;
  switch (sub) {
    case 'list':
      return show(await callApi(api, `/v2/governance/proposals${options.status ? `?status=${encodeURIComponent(options.status)}` : ''}`));
    case 'show':
      return show(await callApi(api, proposal('forge governance show <id>')));
    case 'propose':
      return show(
        await callApi(api, '/v2/governance/proposals', {
          json: {
            title: need(options.title, '--title'),
            description: need(options.description, '--description'),
            kind: need(options.kind, '--kind', 'is required: policy, overlay_activation, trust_change or config_change'),
            action: json(need(options.action, '--action', 'is required, as JSON (e.g. {"overlay_id": "…"})'), 'action'),
            ...(options.open ? { open: true } : {}),
            ...(options.closesAt ? { closes_at: options.closesAt } : {}),
          },
        }),
      );
    case 'open':
      return show(await callApi(api, `${proposal('forge governance open <id> [--closes-at ISO]')}/open`, { json: options.closesAt ? { closes_at: options.closesAt } : {} }));
    case 'vote':
      return show(
        await callApi(api, `${proposal('forge governance vote <id> for|against|abstain')}/votes`, { json: { choice: need(rest[1], 'choice', 'for, against or abstain') } }),
      );
    case 'tally':
      return show(await callApi(api, `${proposal('forge governance tally <id>')}/votes`));
    case 'analysis':
      return show(await callApi(api, `${proposal('forge governance analysis <id> [--refresh]')}/analysis${options.refresh ? '?refresh=true' : ''}`));
    case 'delegate':
      return show(await callApi(api, '/v2/governance/delegation', { method: 'PUT', json: { delegate_id: need(rest[0], 'user-id', 'forge governance delegate <user-id>') } }));
    case 'undelegate':
      return show(await callApi(api, '/v2/governance/delegation', { method: 'DELETE' }));
    case 'delegation':
      return show(await callApi(api, '/v2/governance/delegation'));
    case 'settings':
      return show(await callApi(api, '/v2/governance/settings'));
    default:
      throw new ConfigError([{ field: 'governance', message: `unknown subcommand "${sub ?? ''}"; ${USAGE}` }]);
  }
}
