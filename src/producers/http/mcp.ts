import type { Router } from 'express';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createMcpServer, type McpDeps } from '../../mcp/server.js';
import { MCP_PATH } from './errors.js';
import { guardedRouter, requirePrincipal } from './guard.js';

/** Whether an Accept header admits JSON (no header admits anything). */
function acceptsJson(accept: string | undefined): boolean {
  if (!accept) return true;
  return accept.split(',').some((part) => {
    const type = part.split(';')[0]?.trim().toLowerCase();
    const q = /;\s*q=([0-9.]+)/.exec(part)?.[1];
    return (type === 'application/json' || type === 'application/*' || type === '*/*') && (q === undefined || Number(q) > 0);
  });
}

/**
 * `/mcp`: the Model Context Protocol over streamable HTTP, stateless — each POST is answered by a server
 * bound to the caller's own identity and trust (its API key or token), so no session outlives its
 * credential. GET and DELETE (streams and sessions) are not offered: 405. Answers are always JSON.
 */
export function mcpRouter(deps: McpDeps): Router {
  const r = guardedRouter('');
  r.post(MCP_PATH, async (req, res) => {
    const principal = requirePrincipal(res);
    // Answers are JSON (never a stream): a client that takes JSON is served, whether or not its Accept
    // also names text/event-stream as the protocol asks; one that takes neither is told so.
    if (!acceptsJson(req.headers.accept)) {
      res
        .status(406)
        .json({ jsonrpc: '2.0', id: null, error: { code: -32000, message: `Not Acceptable: answers are application/json, and Accept is "${req.headers.accept ?? ''}"` } });
      return;
    }
    req.headers.accept = 'application/json, text/event-stream';
    // A body of another type is refused before this (415); here, a POST without one.
    if (!req.is('application/json')) {
      res.status(400).json({ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Invalid Request: POST a JSON-RPC message as application/json' } });
      return;
    }
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
  r.get(MCP_PATH, stateless);
  r.delete(MCP_PATH, stateless);
  return r;
}
