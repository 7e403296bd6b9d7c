import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Principal } from '../auth/authenticate.js';
import { allows } from '../auth/authorization.js';
import { canReadEvent } from '../auth/policy.js';
import { ForgeError } from '../errors.js';
import type { ForgeEvent, GraphStore } from '../store/graph-store.js';

/** The host of an Origin header, or null when it names none (`null`) or is not an http(s) URL. */
function originHost(origin: string): string | null {
  try {
    const url = new URL(origin);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.host : null;
  } catch {
    return null;
  }
}

/** Where the live event stream is served. */
export const EVENT_STREAM_PATH = '/ws/events';
/** A client that lets this much go unread is closed (1013) rather than buffered without end. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
const PAGE = 500;
const BACKLOG_LIMIT = 5000;

interface Client {
  readonly ws: WebSocket;
  readonly reauthenticate: () => Promise<Principal | null>;
  principal: Principal;
  readonly kinds: ReadonlySet<string> | null;
  readonly cascade: string | null;
  /** The newest event this client has been considered for. */
  seen: number;
}

export interface EventStreamDeps {
  readonly store: Pick<GraphStore, 'listEvents' | 'latestEventSeq'>;
  /** The same authentication as the API: the upgrade request's credential (or session), or null. */
  readonly authenticate: (req: IncomingMessage) => Promise<Principal | null>;
  /** Host names the ingress answers to (null: any). */
  readonly allowedHosts: readonly string[] | null;
  /** How often new events are looked for. @defaultValue 200 */
  readonly pollMs?: number;
  /** How often each client's credential is checked again (a revoked key or a disabled user ends it). @defaultValue 30000 */
  readonly recheckMs?: number;
}

function refuse(socket: Duplex, status: number, reason: string, extra = ''): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json\r\n${extra}\r\n${JSON.stringify({ error: reason })}`);
}

/** The subprotocol a browser names to open the stream, with its bearer credential as a second one. */
export const STREAM_PROTOCOL = 'forge.events';

/**
 * The bearer credential a browser sent as a WebSocket subprotocol (`bearer.<token>`, beside
 * STREAM_PROTOCOL): browsers cannot set `Authorization` on a WebSocket, so the dashboard sends its access
 * token this way. Null when none was offered.
 */
export function bearerFromProtocols(header: string | string[] | undefined): string | null {
  const offered = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((p) => p.trim());
  if (!offered.includes(STREAM_PROTOCOL)) return null;
  const bearer = offered.find((p) => p.startsWith('bearer.'));
  return bearer ? `Bearer ${bearer.slice('bearer.'.length)}` : null;
}

/**
 * `GET /ws/events` as a WebSocket: events as they are recorded, live, to authenticated readers, each only
 * at or below its trust (the trust-flow rule), filtered by `?kinds=a,b` and `?cascade_id=`, resuming from
 * `?after_seq=` (a missed stretch is replayed from the store first). One poller per ingress reads new
 * events from the graph store, so events recorded by any process reach every client.
 *
 * Messages: `{"type": "hello", "trust_level", "after_seq"}` once, then `{"type": "event", "event"}`.
 * A browser authenticates with subprotocols `forge.events, bearer.<access token>` (the server answers with
 * `forge.events`); other clients send `Authorization`.
 * Close codes: 4401 when the credential stops being valid, 1013 for a client too slow to keep up.
 */
export class EventStream {
  private readonly wss = new WebSocketServer({
    noServer: true,
    maxPayload: 4096,
    // Never echo the credential back: the only protocol chosen is STREAM_PROTOCOL.
    handleProtocols: (offered) => (offered.has(STREAM_PROTOCOL) ? STREAM_PROTOCOL : false),
  });
  private readonly clients = new Set<Client>();
  private readonly deps: EventStreamDeps;
  private timer: NodeJS.Timeout | null = null;
  private polling = false;
  private lastRecheck = Date.now();

  constructor(deps: EventStreamDeps) {
    this.deps = deps;
  }

  /** The server's `upgrade` handler. */
  readonly upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    void this.accept(req, socket, head).catch((err: unknown) => {
      if (err instanceof ForgeError) refuse(socket, err.httpStatus, err.message, err.httpStatus === 401 ? 'WWW-Authenticate: Bearer\r\n' : '');
      else {
        console.error('[forge] event stream upgrade failed:', err);
        refuse(socket, 500, 'internal error');
      }
    });
  };

  private async accept(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://forge.invalid');
    if (url.pathname !== EVENT_STREAM_PATH) return refuse(socket, 404, `no WebSocket at ${url.pathname}`);
    const host = (req.headers.host ?? '')
      .replace(/:\d+$/, '')
      .replace(/^\[|\]$/g, '')
      .toLowerCase();
    if (this.deps.allowedHosts && !this.deps.allowedHosts.includes(host)) return refuse(socket, 421, `not served for host ${host}`);
    // A browser's session cookie is sent with cross-site WebSocket requests too: those need a same-origin
    // Origin. An Origin that names no origin (`null`, from a sandboxed frame or a file) or is not a URL is refused.
    const origin = req.headers.origin;
    if (origin !== undefined) {
      const host = originHost(origin);
      if (host === null) return refuse(socket, 403, `origin ${origin.slice(0, 100)} is not an origin that may open this stream`);
      if (!req.headers.authorization && !bearerFromProtocols(req.headers['sec-websocket-protocol']) && host !== req.headers.host)
        return refuse(socket, 403, `origin ${origin} may not open this stream`);
    }
    const principal = await this.deps.authenticate(req);
    if (!principal) return refuse(socket, 401, 'this stream needs a credential: send Authorization: Bearer forge_…', 'WWW-Authenticate: Bearer\r\n');
    if (!allows(principal.role, 'event:read')) return refuse(socket, 403, `event:read needs the reader role or above; you are ${principal.role}`);
    const afterSeq = url.searchParams.get('after_seq');
    const kinds = url.searchParams.get('kinds');
    const filters = {
      kinds: kinds
        ? new Set(
            kinds
              .split(',')
              .map((k) => k.trim())
              .filter(Boolean),
          )
        : null,
      cascade: url.searchParams.get('cascade_id'),
      after: afterSeq !== null && /^\d+$/.test(afterSeq) ? Number(afterSeq) : null,
    };
    const latest = await this.deps.store.latestEventSeq();
    // A resuming client starts where it left off, at most BACKLOG_LIMIT events back; a new one at the newest event.
    const start = filters.after === null ? latest : Math.max(filters.after, latest - BACKLOG_LIMIT);
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const client: Client = { ws, principal, reauthenticate: () => this.deps.authenticate(req), kinds: filters.kinds, cascade: filters.cascade, seen: start };
      ws.send(JSON.stringify({ type: 'hello', trust_level: principal.caller.trust_level, after_seq: start }));
      this.clients.add(client);
      ws.on('close', () => this.clients.delete(client));
      this.start();
    });
  }

  private wants(client: Client, event: ForgeEvent): boolean {
    return canReadEvent(client.principal.caller.trust_level, event) && (!client.kinds || client.kinds.has(event.kind)) && (!client.cascade || client.cascade === event.cascade_id);
  }

  private send(client: Client, event: ForgeEvent): boolean {
    if (!this.wants(client, event)) return false;
    if (client.ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      client.ws.close(1013, 'too slow: more than 4 MiB of events unread');
      return false;
    }
    client.ws.send(JSON.stringify({ type: 'event', event }));
    return true;
  }

  private start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.poll(), this.deps.pollMs ?? 200);
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    if (this.clients.size === 0) {
      if (this.timer) clearInterval(this.timer);
      this.timer = null;
      return;
    }
    this.polling = true;
    try {
      if (Date.now() - this.lastRecheck > (this.deps.recheckMs ?? 30_000)) {
        this.lastRecheck = Date.now();
        await this.recheck();
      }
      // From the client furthest behind (a resuming one replays from the store this way); each event goes
      // to each client once, in order.
      for (;;) {
        const from = Math.min(...[...this.clients].map((c) => c.seen));
        const page = await this.deps.store.listEvents({ after_seq: from, limit: PAGE });
        for (const event of page) {
          for (const client of this.clients) {
            if (event.seq <= client.seen) continue;
            client.seen = event.seq;
            this.send(client, event);
          }
        }
        if (page.length < PAGE) break;
      }
    } catch (err) {
      console.error('[forge] event stream could not read new events:', err instanceof Error ? err.message : err);
    } finally {
      this.polling = false;
    }
  }

  /** Each client's credential again: its trust may have changed; a revoked key or disabled user ends the stream. */
  private async recheck(): Promise<void> {
    for (const client of this.clients) {
      const principal = await client.reauthenticate().catch(() => null);
      if (!principal) client.ws.close(4401, 'credential no longer valid');
      else client.principal = principal;
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    for (const client of this.clients) client.ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
