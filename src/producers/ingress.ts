import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Registry } from 'prom-client';
import type { ForgeConfig } from '../config/index.js';
import { FleetUnavailableError } from '../errors.js';
import type { FleetState } from '../fleet/fleet-state.js';
import type { ForgeQueues } from '../flows/queues.js';
import type { OverlayCanaries } from '../overlays/canary.js';
import type { OverlayExecutor } from '../overlays/executor.js';
import type { OverlayHealth } from '../overlays/health.js';
import type { OverlayRegistry } from '../overlays/registry.js';
import type { AuditCheckpoints } from '../services/audit-checkpoints.js';
import type { CapsuleService } from '../services/capsules.js';
import type { GraphStore } from '../store/graph-store.js';
import type { DeadLetterService } from '../workers/dead-letters.js';
import { allowedMethods } from '../auth/authorization.js';
import { authenticate, authenticateSession, scrapePrincipal } from '../auth/authenticate.js';
import { loginRouter } from './http/login.js';
import { authRouter } from './http/auth.js';
import type { TokenService } from '../auth/tokens.js';
import { OidcVerifier } from '../auth/oidc.js';
import { hostAllowList, jsonBodiesOnly, jsonDepthGuard, wellEncodedPaths } from './http/browser-safety.js';
import type { UserService } from '../services/users.js';
import { usersRouter } from './http/users.js';
import { adminRouter } from './http/admin.js';
import { capsulesRouter } from './http/capsules.js';
import { deadLettersRouter } from './http/dead-letters.js';
import { errorMapper } from './http/errors.js';
import type { EventQueries } from '../events/cascades.js';
import type { EventBus } from '../events/bus.js';
import type { Governance } from '../governance/governance.js';
import type { GovernanceGate } from '../governance/gate.js';
import type { AuditLogReader } from '../services/audit-log.js';
import { overlaysRouter } from './http/overlays.js';
import { eventsRouter } from './http/events.js';
import { bearerFromProtocols, EVENT_STREAM_PATH, EventStream } from './event-stream.js';
import { guardedRouter } from './http/guard.js';
import { mcpRouter } from './http/mcp.js';
import { webRouter } from './http/web.js';
import { traceHttp, tracingOn } from '../telemetry/tracing.js';
import { governanceRouter } from './http/governance.js';
import { requestsRouter } from './http/requests.js';
import { probesRouter, systemRouter } from './http/system.js';
import type { RequestService } from './requests.js';

/** What the ingress serves. A `Forge` is one; the HTTP layer depends on these services, not on the app. */
export interface IngressServices {
  readonly config: Pick<ForgeConfig, 'http' | 'overlayMaxWasmBytes' | 'metricsToken' | 'allowedHosts' | 'selfRegistration' | 'oidc'>;
  readonly fleet: Pick<FleetState, 'available' | 'describe' | 'ping' | 'requests' | 'sessions' | 'rateLimits'>;
  readonly store: GraphStore;
  readonly queues: Pick<ForgeQueues, 'phases' | 'partitions' | 'deadLetters' | 'overlayExpiry' | 'healthChecks'>;
  readonly capsules: CapsuleService;
  readonly requests: Pick<RequestService, 'submit' | 'get' | 'waitFor' | 'list'>;
  readonly overlays: { readonly registry: OverlayRegistry; readonly executor: OverlayExecutor; readonly health: OverlayHealth; readonly canaries: OverlayCanaries };
  readonly dlq: DeadLetterService;
  readonly users: UserService;
  readonly tokens: TokenService;
  readonly metrics: { readonly registry: Registry };
  readonly audit: Pick<AuditCheckpoints, 'verify'>;
  readonly auditLog: Pick<AuditLogReader, 'read'>;
  readonly eventLog: EventQueries;
  readonly events: Pick<EventBus, 'replay'>;
  readonly governance: Governance;
  readonly gate: GovernanceGate;
}

/** Reads served by the graph store alone: they keep working while Redis is away. */
const READS_WITHOUT_REDIS = /^\/(capsules(\/.*)?|system\/health|system\/audit-log|openapi\.json)$/;

/** The `/v2` API, Bull Board at `/admin/queues`, `/healthz` and `/metrics`, as one Express app. */
export function createIngressApp(services: IngressServices): express.Express {
  const { config, fleet, store, queues, overlays } = services;
  const oidc = config.oidc ? new OidcVerifier(config.oidc) : null;
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');

  // Before anything else: only the hosts Forge answers to, and only body types a browser cannot post across
  // sites unasked. No CORS headers are ever sent, so browsers keep other origins out.
  // With tracing on, each HTTP request is the root of its trace (the jobs it queues continue it).
  if (tracingOn()) {
    app.use((req: Request, res: Response, next: NextFunction) =>
      traceHttp(req.method, req.path, (_span, done) => {
        res.once('finish', () => done(res.statusCode, (req.route as { path?: string } | undefined)?.path ? `${req.baseUrl}${(req.route as { path: string }).path}` : undefined));
        next();
      }),
    );
  }
  app.use(hostAllowList(config.allowedHosts));
  app.use(wellEncodedPaths());
  app.use(declaredMethodsOnly());
  app.use(jsonBodiesOnly());
  // Identity comes from the credential only: a principal (or null for an anonymous caller) before any
  // router runs; each route then authorises it from the table.
  app.use((req: Request, res: Response, next: NextFunction) => {
    res.locals.correlationId = req.get('x-correlation-id') ?? randomUUID();
    // The session cookie is sent only to /admin (Bull Board); the API takes bearer credentials.
    const header = req.get('authorization');
    const scraper = req.path === '/metrics' ? scrapePrincipal(config.metricsToken, header) : null;
    const found = scraper
      ? Promise.resolve(scraper)
      : header || !req.path.startsWith('/admin/')
        ? authenticate(store, services.tokens, header, oidc)
        : authenticateSession(store, fleet.sessions, req.get('cookie'));
    found.then((principal) => {
      res.locals.principal = principal;
      next();
    }, next);
  });
  app.use(express.json({ limit: config.http.bodyLimit, strict: true, verify: jsonDepthGuard }));
  app.use(probesRouter({ metrics: services.metrics.registry }));

  app.use(loginRouter({ store, sessions: fleet.sessions, limits: fleet.rateLimits, tokens: services.tokens }));
  const board = adminRouter({
    queues: [...queues.partitions.flatMap((p) => Object.values(p)), queues.overlayExpiry, queues.healthChecks],
    readOnlyQueues: [queues.deadLetters],
    audit: store,
  });
  app.use(board.basePath, board.guard, board.router);

  const v2 = express.Router();
  // Without Redis nothing can be accepted or run: answer 503 at once (instead of waiting on a reconnect)
  // so clients back off and retry.
  v2.use((req, _res, next) => {
    if (fleet.available() || (req.method === 'GET' && READS_WITHOUT_REDIS.test(req.path))) return next();
    next(new FleetUnavailableError(fleet.describe()));
  });
  v2.use(authRouter({ store, tokens: services.tokens, limits: fleet.rateLimits, users: services.users, selfRegistration: config.selfRegistration }));
  v2.use(usersRouter({ users: services.users }));
  v2.use(requestsRouter({ requests: services.requests }));
  v2.use(capsulesRouter({ capsules: services.capsules, requests: services.requests }));
  v2.use(overlaysRouter({ ...overlays, maxWasmBytes: config.overlayMaxWasmBytes, events: services.eventLog }));
  v2.use(eventsRouter({ events: services.eventLog, bus: services.events }));
  v2.use(governanceRouter({ governance: services.governance, limits: fleet.rateLimits }));
  v2.use(deadLettersRouter({ dlq: services.dlq }));
  v2.use(
    systemRouter({ fleet, store, queues, registry: overlays.registry, health: overlays.health, counters: fleet.requests, audit: services.auditLog, auditVerifier: services.audit }),
  );
  app.use('/v2', v2);

  // The live event stream: a WebSocket upgrade on the server (see `listen`); a plain GET is told to upgrade.
  const stream = new EventStream({
    store,
    allowedHosts: config.allowedHosts,
    recheckMs: config.http.streamRecheckMs,
    authenticate: (req) => {
      const header = req.headers.authorization ?? bearerFromProtocols(req.headers['sec-websocket-protocol']) ?? undefined;
      return header ? authenticate(store, services.tokens, header, oidc) : authenticateSession(store, fleet.sessions, req.headers.cookie);
    },
  });
  app.locals.eventStream = stream;
  const ws = guardedRouter('');
  ws.get(EVENT_STREAM_PATH, (_req, res) => {
    res
      .status(426)
      .set('upgrade', 'websocket')
      .json({ error: 'upgrade_required', message: `${EVENT_STREAM_PATH} is a WebSocket: connect with Upgrade: websocket` });
  });
  app.use(ws);
  app.use(webRouter());
  app.use(mcpRouter({ capsules: services.capsules, requests: services.requests }));

  app.use((req, res) => {
    res.status(404).json({ error: 'not_found', message: `no route for ${req.method} ${req.path}` });
  });
  app.use(errorMapper({ fleetAvailable: () => fleet.available(), fleetState: () => fleet.describe() }));
  return app;
}

/**
 * A path the route table serves, asked with a method it does not serve there, is answered 405 with the
 * methods it does serve (`Allow`) before anything reads the request's body; OPTIONS is answered with them.
 */
function declaredMethodsOnly(): express.RequestHandler {
  return (req, res, next) => {
    const allowed = allowedMethods(req.path);
    if (allowed.length === 0 || allowed.includes(req.method)) return next();
    if (req.method === 'OPTIONS') {
      res
        .status(204)
        .set('allow', [...allowed, 'OPTIONS'].join(', '))
        .end();
      return;
    }
    res
      .status(405)
      .set('allow', allowed.join(', '))
      .json({ error: 'method_not_allowed', message: `${req.path} answers ${allowed.join(', ')}, not ${req.method}` });
  };
}

/**
 * What a worker process serves when given a probe port: `/healthz` for a liveness probe and `/metrics` for
 * Prometheus (with FORGE_METRICS_TOKEN), the same two routes as the ingress and nothing else.
 */
export function createProbesApp(services: { readonly config: Pick<ForgeConfig, 'metricsToken'>; readonly metrics: { readonly registry: Registry } }): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use((req: Request, res: Response, next: NextFunction) => {
    res.locals.correlationId = randomUUID();
    res.locals.principal = req.path === '/metrics' ? scrapePrincipal(services.config.metricsToken, req.get('authorization')) : null;
    next();
  });
  app.use(probesRouter({ metrics: services.metrics.registry }));
  app.use((req, res) => {
    res.status(404).json({ error: 'not_found', message: `no route for ${req.method} ${req.path}` });
  });
  app.use(errorMapper({ fleetAvailable: () => true, fleetState: () => 'not used by probes' }));
  return app;
}

/** Listens on the configured host and port (0 = a free port). */
export async function listen(app: express.Express, host: string, port: number): Promise<{ server: Server; url: string }> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host);
    // The event stream (when the app has one) takes the WebSocket upgrades, and ends with the server.
    const stream = app.locals.eventStream as EventStream | undefined;
    if (stream) {
      server.on('upgrade', stream.upgrade);
      // Open streams would keep `close` waiting: they end first.
      const close = server.close.bind(server);
      server.close = ((callback?: (err?: Error) => void) => {
        void stream.close();
        return close(callback);
      }) as typeof server.close;
    }
    // A request whose head is larger than the server reads (16 KB: a very long URL) is refused before it is
    // routed; it is told so in JSON like every other refusal, not with an empty body.
    server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
      if (!socket.writable) return socket.destroy();
      if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return socket.end('HTTP/1.1 408 Request Timeout\r\nconnection: close\r\n\r\n');
      const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
      const body = JSON.stringify(
        tooLarge
          ? { error: 'request_header_too_large', message: 'the request line and headers exceed 16 KB; send long lists in a body or in several requests' }
          : { error: 'bad_request', message: 'the request is not valid HTTP' },
      );
      socket.end(
        `HTTP/1.1 ${tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request'}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
    });
    server.once('error', reject);
    server.once('listening', () => {
      const address = server.address();
      const actual = typeof address === 'object' && address ? address.port : port;
      resolve({ server, url: `http://${host.includes(':') ? `[${host}]` : host}:${actual}` });
    });
  });
}
