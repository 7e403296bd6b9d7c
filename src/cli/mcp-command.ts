import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { ApiTarget } from './http.js';

/**
 * `forge mcp`: the MCP server over stdio, for agents that launch their tools as processes. It relays each
 * message to the ingress's `/mcp` with the API key (`--api-key`, `FORGE_API_KEY`), so the tools run there,
 * as that key's user, at its trust; nothing is decided here. Diagnostics go to stderr (stdout carries the
 * protocol).
 */
export async function mcpCommand(target: ApiTarget): Promise<void> {
  if (!target.apiKey) console.error('forge mcp: no API key (--api-key or FORGE_API_KEY); the ingress will refuse every call with 401');
  const stdio = new StdioServerTransport();
  const remote = new StreamableHTTPClientTransport(new URL('/mcp', target.base), {
    requestInit: { headers: target.apiKey ? { authorization: `Bearer ${target.apiKey}` } : {} },
  });
  const answerWithError = (message: JSONRPCMessage, err: unknown) => {
    // A request that could not be relayed still gets an answer, so the agent is not left waiting.
    if ('id' in message && 'method' in message) {
      void stdio.send({ jsonrpc: '2.0', id: message.id, error: { code: -32603, message: `forge mcp: ${err instanceof Error ? err.message : String(err)}` } });
    }
  };
  stdio.onmessage = (message) => void remote.send(message).catch((err: unknown) => answerWithError(message, err));
  remote.onmessage = (message) => void stdio.send(message);
  remote.onerror = (err) => console.error(`forge mcp: ${err.message}`);
  const closed = new Promise<void>((resolve) => {
    stdio.onclose = () => resolve();
  });
  await remote.start();
  await stdio.start();
  console.error(`forge mcp: relaying stdio to ${new URL('/mcp', target.base).href}`);
  await closed;
  await remote.close();
}
