import { ConfigError } from '../errors.js';
import type { CascadeNode, CascadeTree } from '../events/cascades.js';
import { clientOf, show, type ApiTarget } from './http.js';
import { json, need } from './overlay-commands.js';

export interface EventCommandOptions {
  readonly target: ApiTarget;
  readonly kind?: string;
  readonly cascade?: string;
  readonly json?: boolean;
}

/** `forge events [list] [--kind K] [--cascade ID]`, `forge events publish KIND [PAYLOAD-JSON]`, `forge events replay SUBSCRIBER AFTER-SEQ`. */
export async function eventsCommand(sub: string | undefined, rest: readonly string[], options: EventCommandOptions): Promise<void> {
  if (sub === 'publish') {
    const kind = need(rest[0], 'kind', "forge events publish <kind> ['{json payload}']");
    return show(await clientOf(options.target).POST('/v2/events', { body: { kind, payload: (json(rest[1], 'payload') ?? {}) as Record<string, unknown> } }));
  }
  if (sub === 'replay') {
    const usage = 'forge events replay <subscriber> <after-seq> [--kind K]';
    const after = Number(need(rest[1], 'after-seq', usage));
    if (!Number.isInteger(after) || after < 0) throw new ConfigError([{ field: 'after-seq', message: `is a sequence number (0 or more), not ${rest[1]}` }]);
    return show(
      await clientOf(options.target).POST('/v2/events/replay', {
        body: { subscriber: need(rest[0], 'subscriber', usage), after_seq: after, ...(options.kind ? { kind: options.kind } : {}) },
      }),
    );
  }
  if (sub !== undefined && sub !== 'list') throw new ConfigError([{ field: 'events', message: `unknown subcommand "${sub}"; use list, publish or replay` }]);
  const query = { ...(options.kind ? { kind: options.kind } : {}), ...(options.cascade ? { cascade_id: options.cascade } : {}) };
  return show(await clientOf(options.target).GET('/v2/events', { params: { query } }));
}

const shorten = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** The tree of a cascade, one line per event and per hop. */
export function drawCascade(tree: CascadeTree): string[] {
  const lines = [`cascade ${tree.cascade_id}: ${tree.events} events, ${tree.delivered} delivered, ${tree.stopped.cycle + tree.stopped.hop_limit} stopped, depth ${tree.depth}`];
  const walk = (node: CascadeNode, indent: string) => {
    if (!('links' in node)) {
      lines.push(`${indent}[hop ${node.event.hop}] (above your trust; ${node.hidden} more hidden below it)`);
      return;
    }
    const e = node.event;
    const from = e.source.type === 'overlay' ? `overlay:${e.source.name ?? e.source.id}` : `${e.source.type}:${e.source.name ?? e.source.id}`;
    lines.push(`${indent}[hop ${e.hop}] ${e.kind} from ${from}  ${shorten(JSON.stringify(e.payload), 100)}`);
    for (const l of node.links) lines.push(`${indent}  → ${l.target} ${l.outcome === 'delivered' ? 'delivered' : `STOPPED (${l.reason === 'cycle' ? 'a cycle' : 'hop limit'})`}`);
    for (const child of node.children) walk(child, `${indent}    `);
  };
  walk(tree.root, '  ');
  return lines;
}

/** `forge cascade ID [--json]`: a cascade drawn as a tree (or its JSON). */
export async function cascadeCommand(id: string | undefined, options: EventCommandOptions): Promise<void> {
  const result = await clientOf(options.target).GET('/v2/cascades/{id}', { params: { path: { id: need(id, 'id', 'forge cascade <event-or-cascade-id>') } } });
  if (!result.data || options.json) return show(result);
  console.log(drawCascade(result.data as unknown as CascadeTree).join('\n'));
}
