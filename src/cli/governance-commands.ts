import type { operations } from '../client/api-types.js';
import { ConfigError } from '../errors.js';
import { clientOf, show, type ApiTarget } from './http.js';
import { json, need } from './overlay-commands.js';

type ProposeBody = operations['post_v2_governance_proposals']['requestBody']['content']['application/json'];

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
  const api = clientOf(options.target);
  const proposal = (usage: string) => ({ params: { path: { id: need(rest[0], 'id', usage) } } });
  type Kind = 'policy' | 'overlay_activation' | 'trust_change' | 'config_change';
  type Choice = 'for' | 'against' | 'abstain';
  switch (sub) {
    case 'list':
      return show(await api.GET('/v2/governance/proposals', { params: { query: options.status ? { status: options.status as 'draft' | 'voting' | 'closed' } : {} } }));
    case 'show':
      return show(await api.GET('/v2/governance/proposals/{id}', proposal('forge governance show <id>')));
    case 'propose':
      return show(
        await api.POST('/v2/governance/proposals', {
          // The action's shape depends on the kind: the server checks it and says what is wrong.
          body: {
            title: need(options.title, '--title'),
            description: need(options.description, '--description'),
            kind: need(options.kind, '--kind', 'is required: policy, overlay_activation, trust_change or config_change') as Kind,
            action: json(need(options.action, '--action', 'is required, as JSON (e.g. {"overlay_id": "…"})'), 'action') as Record<string, unknown>,
            ...(options.open ? { open: true } : {}),
            ...(options.closesAt ? { closes_at: options.closesAt } : {}),
          } as ProposeBody,
        }),
      );
    case 'open':
      return show(
        await api.POST('/v2/governance/proposals/{id}/open', {
          ...proposal('forge governance open <id> [--closes-at ISO]'),
          body: options.closesAt ? { closes_at: options.closesAt } : {},
        }),
      );
    case 'vote':
      return show(
        await api.POST('/v2/governance/proposals/{id}/votes', {
          ...proposal('forge governance vote <id> for|against|abstain'),
          body: { choice: need(rest[1], 'choice', 'for, against or abstain') as Choice },
        }),
      );
    case 'tally':
      return show(await api.GET('/v2/governance/proposals/{id}/votes', proposal('forge governance tally <id>')));
    case 'analysis':
      return show(
        await api.GET('/v2/governance/proposals/{id}/analysis', {
          params: { ...proposal('forge governance analysis <id> [--refresh]').params, query: options.refresh ? { refresh: 'true' } : {} },
        }),
      );
    case 'delegate': {
      // A user's id (a UUID) or name.
      const who = need(rest[0], 'user', 'forge governance delegate <user name or id>');
      return show(await api.PUT('/v2/governance/delegation', { body: /^[0-9a-f]{8}-[0-9a-f]{4}-/i.test(who) ? { delegate_id: who } : { delegate_name: who } }));
    }
    case 'undelegate':
      return show(await api.DELETE('/v2/governance/delegation'));
    case 'delegation':
      return show(await api.GET('/v2/governance/delegation'));
    case 'settings':
      return show(await api.GET('/v2/governance/settings'));
    default:
      throw new ConfigError([{ field: 'governance', message: `unknown subcommand "${sub ?? ''}"; ${USAGE}` }]);
  }
}
