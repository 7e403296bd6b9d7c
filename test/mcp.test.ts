import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callJson, createServedForge, createUserWithKey, type ServedForge } from './helpers/forge.js';

const cli = path.join(path.resolve(import.meta.dirname, '..'), 'dist', 'src', 'cli', 'main.js');
const ROOT = { id: 'root', roles: ['admin'], trust_level: 100 };

let t: ServedForge;
let low: { id: string; apiKey: string };
let high: { id: string; apiKey: string };
let open: string;
let secret: string;
const clients: Client[] = [];

beforeAll(async () => {
  t = await createServedForge();
  low = await createUserWithKey(t.forge, 'agent-low', 'reader', 40);
  high = await createUserWithKey(t.forge, 'agent-high', 'contributor', 80);
  open = (await t.forge.capsules.create(ROOT, { content: 'Settlement runs nightly at 23:00 UTC.', type: 'knowledge', trust_level: 40 })).id;
  secret = (await t.forge.capsules.create(ROOT, { content: 'Settlement signing keys rotate on the first of each month; code name KESTREL.', type: 'knowledge', trust_level: 80 }))
    .id;
}, 30_000);
afterAll(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  await t.cleanup();
});

const httpTransport = (key: string | null): Transport =>
  new StreamableHTTPClientTransport(new URL('/mcp', t.url), { requestInit: { headers: key ? { authorization: `Bearer ${key}` } : {} } });
const stdioTransport = (key: string): Transport =>
  new StdioClientTransport({ command: process.execPath, args: [cli, 'mcp', '--target', t.url, '--api-key', key], env: { PATH: process.env.PATH ?? '' }, stderr: 'ignore' });

async function connect(transport: Transport): Promise<Client> {
  const client = new Client({ name: 'forge-test', version: '1.0.0' });
  await client.connect(transport);
  clients.push(client);
  return client;
}

type ToolResult = { isError?: boolean; content: Array<{ type: string; text?: string }>; structuredContent?: Record<string, unknown> };
const call = async (client: Client, name: string, args: Record<string, unknown>) => (await client.callTool({ name, arguments: args })) as ToolResult;

describe.each([
  ['streamable HTTP (/mcp)', (key: string) => httpTransport(key)],
  ['stdio (forge mcp)', (key: string) => stdioTransport(key)],
])('the MCP server over %s', (_name, transport) => {
  it('offers the tools and capsule resources, bound to the key: a trust-40 key never sees a trust-80 capsule', async () => {
    const client = await connect(transport(low.apiKey));
    expect((await client.listTools()).tools.map((tool) => tool.name).sort()).toEqual(['ask', 'create_capsule', 'read_capsule', 'search_capsules']);

    const found = await call(client, 'search_capsules', { query: 'settlement signing keys rotate', limit: 10 });
    expect(found.isError).toBeFalsy();
    const ids = (found.structuredContent?.results as Array<{ id: string }>).map((r) => r.id);
    expect(ids).toContain(open);
    expect(ids).not.toContain(secret);
    expect(JSON.stringify(found)).not.toContain('KESTREL');

    const hidden = await call(client, 'read_capsule', { id: secret });
    expect(hidden.isError).toBe(true);
    expect(hidden.content[0]?.text).toContain('not_found');
    const read = await call(client, 'read_capsule', { id: open });
    expect(read.structuredContent).toMatchObject({ capsule: { id: open, trust_level: 40 }, lineage: [], redacted: 0 });

    const listed = (await client.listResources()).resources.map((r) => r.uri);
    expect(listed).toContain(`forge://capsules/${open}`);
    expect(listed).not.toContain(`forge://capsules/${secret}`);
    const resource = (await client.readResource({ uri: `forge://capsules/${open}` })).contents[0] as { text?: string };
    expect(JSON.parse(String(resource.text))).toMatchObject({ id: open });
    await expect(client.readResource({ uri: `forge://capsules/${secret}` })).rejects.toThrow();

    const answered = await call(client, 'ask', { question: 'When does settlement run?' });
    expect(answered.structuredContent).toMatchObject({ status: 'completed', citations: [{ id: open, trust_level: 40 }] });
    expect(JSON.stringify(answered)).not.toContain('KESTREL');

    // A reader may not write.
    const refused = await call(client, 'create_capsule', { content: 'An agent note.' });
    expect(refused).toMatchObject({ isError: true, content: [{ text: expect.stringContaining('permission_denied') }] });
  }, 40_000);

  it('lets a contributor remember something, at no more than its trust, with its sources as lineage', async () => {
    const client = await connect(transport(high.apiKey));
    const made = await call(client, 'create_capsule', { content: 'Keys rotate monthly; settlement nightly.', type: 'insight', derived_from: [open, secret] });
    expect(made.isError).toBeFalsy();
    const capsule = (made.structuredContent as { capsule: { id: string; trust_level: number } }).capsule;
    expect(capsule.trust_level).toBe(80);
    const traced = await call(client, 'read_capsule', { id: capsule.id });
    expect((traced.structuredContent?.lineage as Array<{ capsule: { id: string } }>).map((e) => e.capsule.id).sort()).toEqual([open, secret].sort());
    const above = await call(client, 'create_capsule', { content: 'Above me.', trust_level: 90 });
    expect(above.isError).toBe(true);
  }, 40_000);
});

it('refuses /mcp without a credential (401) and answers GET with 405', async () => {
  await expect(connect(httpTransport(null))).rejects.toThrow();
  const anonymous = await fetch(new URL('/mcp', t.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
  });
  expect(anonymous.status).toBe(401);
  expect((await callJson(t.url, 'GET', '/mcp')).status).toBe(405);
});
