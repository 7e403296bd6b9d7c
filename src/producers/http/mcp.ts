import type { Router } from 'express';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createMcpServer, type McpDeps } from '../../mcp/server.js';
import { guardedRouter, requirePrincipal } from './guard.js';

/**
 * `/mcp`: the Model Context Protocol over streamable HTTP, stateless — each POST is answered by a server
 * bound to the caller's own identity and trust (its API key or token), so no session outlives its
 * credential. GET and DELETE (streams and sessions) are not offered: 405.
 */
export function mcpRouter(deps: McpDeps): Router {
  const r = guardedRouter('');
  r.post('/mcp', async (req, res) => {
    const principal = requirePrincipal(res);
    const server = createMcpServer(deps, { caller: principal.caller, role: principal.role });
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  });
  const stateless = (_req: unknown, res: import('express').Response) => {
    res.status(405).set('allow', 'POST').json({ error: 'method_not_allowed', message: 'this MCP endpoint is stateless: POST JSON-RPC messages to it' });
  };
  r.get('/mcp', stateless);
  r.delete('/mcp', stateless);
  return r;
}
