import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { allows, PERMISSIONS } from '../auth/authorization.js';
import { ForgeError, PermissionDeniedError } from '../errors.js';
import type { RequestService } from '../producers/requests.js';
import type { CapsuleService } from '../services/capsules.js';
import { CAPSULE_TYPES, type Capsule, type Role, type Caller } from '../store/graph-store.js';
import { packageVersion } from '../util/package-root.js';

export interface McpDeps {
  readonly capsules: Pick<CapsuleService, 'search' | 'get' | 'lineage' | 'create' | 'list'>;
  readonly requests: Pick<RequestService, 'submit' | 'waitFor'>;
}

/** Who the MCP session acts as: the user behind its API key (never anything the client sends). */
export interface McpIdentity {
  readonly caller: Caller;
  readonly role: Role;
}

const text = (value: unknown) => ({ content: [{ type: 'text' as const, text: JSON.stringify(value, null, 2) }], structuredContent: value as Record<string, unknown> });
const failure = (err: unknown) => ({
  isError: true,
  content: [{ type: 'text' as const, text: err instanceof ForgeError ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err) }],
});
/** A tool's answer: its result as JSON text and structured content, or any error as the tool's error. */
async function answer(work: () => Promise<Record<string, unknown>>) {
  try {
    return text(await work());
  } catch (err) {
    return failure(err);
  }
}

// A stale capsule (its sources moved on) says so: an agent should not rely on it.
const capsuleView = (c: Capsule) => ({
  id: c.id,
  version: c.version,
  type: c.type,
  trust_level: c.trust_level,
  tags: c.tags,
  content: c.content,
  created_at: c.created_at,
  stale: c.stale,
});

/**
 * Forge's memory for AI agents over the Model Context Protocol, bound to one identity: every tool and
 * resource goes through the same services (and so the same trust rules) as the HTTP API. Tools: search
 * capsules, ask a question (an answer with citations, through the pipeline), read a capsule with its
 * lineage, create a capsule (contributors). Resources: `forge://capsules/{id}`.
 */
export function createMcpServer(deps: McpDeps, identity: McpIdentity): McpServer {
  const { caller } = identity;
  const server = new McpServer({ name: 'forge', version: packageVersion() }, { capabilities: { tools: {}, resources: {} } });

  server.registerTool(
    'search_capsules',
    {
      title: 'Search knowledge',
      description: 'Hybrid (semantic + keyword) search over the capsules you may read. Returns the best matches with their trust level and score.',
      inputSchema: { query: z.string().min(1).max(2000), limit: z.number().int().min(1).max(50).default(5) },
      annotations: { readOnlyHint: true },
    },
    async ({ query, limit }) =>
      answer(async () => {
        const hits = await deps.capsules.search(caller, { q: query, limit });
        return { results: hits.map((h) => ({ ...capsuleView(h.capsule), score: h.score })) };
      }),
  );

  server.registerTool(
    'ask',
    {
      title: 'Ask Forge',
      description: 'Asks a question through the full pipeline. The answer cites the capsules it came from (ids, versions, trust); trace each with read_capsule.',
      inputSchema: { question: z.string().min(1).max(10_000), wait_ms: z.number().int().min(100).max(60_000).default(20_000) },
    },
    async ({ question, wait_ms }) =>
      answer(async () => {
        const { record } = await deps.requests.submit(caller, { query: question });
        const done = await deps.requests.waitFor(record.id, wait_ms);
        const citations = await Promise.all(
          done.citations.map(async (id) => {
            const c = await deps.capsules.get(caller, id).catch(() => null);
            return c ? { id, version: c.version, trust_level: c.trust_level } : { id, redacted: true };
          }),
        );
        return { request_id: done.id, status: done.status, answer: done.answer, citations, error: done.error };
      }),
  );

  server.registerTool(
    'read_capsule',
    {
      title: 'Read a capsule with its lineage',
      description: 'One capsule and its DERIVED_FROM ancestry (the isnad): each ancestor you may read, and how many you may not.',
      inputSchema: { id: z.string().min(1).max(200) },
      annotations: { readOnlyHint: true },
    },
    async ({ id }) =>
      answer(async () => {
        const capsule = await deps.capsules.get(caller, id);
        const lineage = await deps.capsules.lineage(caller, id);
        return {
          capsule: capsuleView(capsule),
          lineage: lineage.entries.map((e) => ({ depth: e.depth, reason: e.edge.reason, capsule: capsuleView(e.capsule) })),
          redacted: lineage.redacted,
          truncated: lineage.truncated,
        };
      }),
  );

  server.registerTool(
    'create_capsule',
    {
      title: 'Remember something',
      description: 'Creates a capsule (needs the contributor role). Its trust is at most yours; name the capsules it derives from to keep its lineage.',
      inputSchema: {
        content: z.string().min(1).max(100_000),
        type: z.enum(CAPSULE_TYPES).default('knowledge'),
        tags: z.array(z.string().min(1).max(64)).max(32).optional(),
        trust_level: z.number().int().min(0).max(100).optional(),
        derived_from: z.array(z.string().min(1).max(200)).max(20).optional(),
      },
    },
    async ({ content, type, tags, trust_level, derived_from }) =>
      answer(async () => {
        if (!allows(identity.role, 'capsule:write')) throw new PermissionDeniedError('capsule:write', PERMISSIONS['capsule:write'], identity.role);
        const capsule = await deps.capsules.create(caller, {
          content,
          type,
          ...(tags ? { tags } : {}),
          ...(trust_level === undefined ? {} : { trust_level }),
          ...(derived_from ? { derived_from: derived_from.map((parent_id) => ({ parent_id, reason: 'cited-by-agent' })) } : {}),
          metadata: { created_via: 'mcp' },
        });
        return { capsule: capsuleView(capsule) };
      }),
  );

  server.registerResource(
    'capsule',
    new ResourceTemplate('forge://capsules/{id}', {
      list: async () => {
        const page = await deps.capsules.list(caller, {}, { limit: 100 });
        return { resources: page.items.map((c) => ({ uri: `forge://capsules/${c.id}`, name: `${c.type} ${c.id} v${c.version}`, mimeType: 'application/json' })) };
      },
    }),
    { title: 'Capsule', description: 'A capsule you may read, as JSON', mimeType: 'application/json' },
    async (uri, { id }) => {
      const capsule = await deps.capsules.get(caller, String(id));
      return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(capsuleView(capsule)) }] };
    },
  );
  return server;
}
