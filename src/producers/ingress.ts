import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import express, { type ErrorRequestHandler, type NextFunction, type Request, type Response } from 'express';
import multer from 'multer';
import { z } from 'zod';
import { createBullBoardRouter } from '../../bull-board/index.js';
import type { Forge } from '../app.js';
import { PHASES } from '../config/index.js';
import { ForgeError, type ForgeErrorCode } from '../errors.js';
import type { Caller, RequestRecord } from '../store/graph-store.js';
import {
  ActivateOverlayBody,
  AuditLogQuery,
  CanaryBody,
  DeadLetterBulkBody,
  DeadLetterQuery,
  InvokeOverlayBody,
  OverlayListQuery,
  SuspendOverlayBody,
  CreateCapsuleBody,
  ForkCapsuleBody,
  GetRequestQuery,
  ListCapsulesQuery,
  RequestHeaders,
  SearchCapsulesQuery,
  SubmitRequestBody,
  UpdateCapsuleBody,
} from './api-schemas.js';

const STATUS_OF: Partial<Record<ForgeErrorCode, number>> = {
  validation_failed: 400,
  not_found: 404,
  conflict: 409,
  forbidden: 403,
  security_denied: 403,
};

/** Thrown by `parse` so the error handler can answer 400 with the zod issues. */
class InputError extends Error {
  readonly where: string;
  readonly issues: z.core.$ZodIssue[];
  constructor(where: string, issues: z.core.$ZodIssue[]) {
    super(`invalid ${where}`);
    this.where = where;
    this.issues = issues;
  }
}

function parse<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const result = schema.safeParse(value ?? {});
  if (!result.success) throw new InputError(where, result.error.issues);
  return result.data;
}

/** The caller of an HTTP request. Until authentication lands, everyone is the local identity. */
function callerOf(res: Response): Caller {
  return res.locals.caller as Caller;
}

function requestView(r: RequestRecord) {
  return {
    id: r.id,
    status: r.status,
    correlation_id: r.correlation_id,
    query: r.query,
    answer: r.answer,
    citations: r.citations,
    phase_timings: r.phase_timings,
    result: r.result,
    error: r.error,
    created_at: r.created_at,
    finished_at: r.finished_at,
  };
}

/** The `/v2` API, Bull Board at `/admin/queues`, and `/healthz`, as one Express app. */
export function createIngressApp(forge: Forge): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');

  app.use((req: Request, res: Response, next: NextFunction) => {
    res.locals.caller = forge.localCaller;
    res.locals.correlationId = req.get('x-correlation-id') ?? randomUUID();
    next();
  });
  app.use(express.json({ limit: forge.config.http.bodyLimit, strict: true }));

  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });

  app.get('/metrics', async (_req, res) => {
    res.type(forge.metrics.registry.contentType).send(await forge.metrics.registry.metrics());
  });

  const board = createBullBoardRouter({ queues: [...Object.values(forge.queues), forge.overlayExpiry, forge.healthChecks], readOnlyQueues: [forge.deadLetters] });
  app.use(board.basePath, board.router);

  const v2 = express.Router();

  // Without Redis nothing can be accepted or run: answer 503 at once (instead of waiting on a reconnect)
  // so clients back off and retry. Reads served by the graph store alone keep working.
  const readsWithoutRedis = /^\/(capsules(\/.*)?|system\/health|system\/audit-log)$/;
  v2.use((req, res, next) => {
    if (forge.redis.status === 'ready' || (req.method === 'GET' && readsWithoutRedis.test(req.path))) return next();
    res.status(503).set('Retry-After', '5').json({ error: 'redis_unavailable', message: `Redis is ${forge.redis.status}; retry shortly` });
  });

  // ---- requests ----------------------------------------------------------------------------------
  v2.post('/requests', async (req, res) => {
    const headers = parse(RequestHeaders, req.headers, 'headers');
    const body = parse(SubmitRequestBody, req.body, 'body');
    const { record, created } = await forge.requests.submit(callerOf(res), body, {
      idempotencyKey: headers['idempotency-key'] ?? null,
      correlationId: headers['x-correlation-id'] ?? null,
    });
    res.status(created ? 202 : 200).location(`/v2/requests/${record.id}`);
    if (!created) res.set('Idempotent-Replayed', 'true');
    res.json({ id: record.id, status: record.status, correlation_id: record.correlation_id });
  });

  v2.get('/requests/:id', async (req, res) => {
    const query = parse(GetRequestQuery, req.query, 'query');
    const record = await forge.requests.waitFor(req.params.id as string, query.wait ?? 0);
    res.json(requestView(record));
  });

  // ---- capsules ----------------------------------------------------------------------------------
  v2.get('/capsules', async (req, res) => {
    const q = parse(ListCapsulesQuery, req.query, 'query');
    const page = await forge.capsules.list(
      callerOf(res),
      {
        ...(q.type ? { type: q.type } : {}),
        ...(q.owner ? { owner_id: q.owner } : {}),
        ...(q.tag ? { tag: q.tag } : {}),
        ...(q.min_trust !== undefined ? { min_trust: q.min_trust } : {}),
        ...(q.include_archived ? { include_archived: true } : {}),
      },
      { limit: q.limit, cursor: q.cursor ?? null },
    );
    res.json(page);
  });

  v2.post('/capsules', async (req, res) => {
    const body = parse(CreateCapsuleBody, req.body, 'body');
    const capsule = await forge.capsules.create(callerOf(res), body);
    res.status(201).location(`/v2/capsules/${capsule.id}`).json(capsule);
  });

  v2.get('/capsules/search', async (req, res) => {
    const q = parse(SearchCapsulesQuery, req.query, 'query');
    const hits = await forge.capsules.search(callerOf(res), q);
    res.json({ query: q.q, results: hits });
  });

  v2.get('/capsules/:id', async (req, res) => {
    res.json(await forge.capsules.get(callerOf(res), req.params.id as string));
  });

  v2.put('/capsules/:id', async (req, res) => {
    const body = parse(UpdateCapsuleBody, req.body, 'body');
    const next = await forge.capsules.update(callerOf(res), req.params.id as string, body);
    res.location(`/v2/capsules/${next.id}`).json(next);
  });

  v2.delete('/capsules/:id', async (req, res) => {
    res.json(await forge.capsules.archive(callerOf(res), req.params.id as string));
  });

  v2.get('/capsules/:id/lineage', async (req, res) => {
    const id = req.params.id as string;
    res.json({ capsule_id: id, ancestors: await forge.capsules.lineage(callerOf(res), id) });
  });

  v2.get('/capsules/:id/descendants', async (req, res) => {
    const id = req.params.id as string;
    res.json({ capsule_id: id, descendants: await forge.capsules.descendants(callerOf(res), id) });
  });

  v2.post('/capsules/:id/fork', async (req, res) => {
    const body = parse(ForkCapsuleBody, req.body, 'body');
    const fork = await forge.capsules.fork(callerOf(res), req.params.id as string, body);
    res.status(201).location(`/v2/capsules/${fork.id}`).json(fork);
  });

  // ---- overlays ----------------------------------------------------------------------------------
  const upload = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: forge.config.overlayMaxWasmBytes, fieldSize: 64 * 1024, files: 2, fields: 4 },
  }).fields([
    { name: 'wasm', maxCount: 1 },
    { name: 'manifest', maxCount: 1 },
  ]);

  // Malformed multipart (truncated, bad boundary) is the client's fault: 400, never a 500.
  const uploadOr400 = (req: Request, res: Response, next: NextFunction) =>
    upload(req, res, (err?: unknown) => {
      if (!err || err instanceof multer.MulterError) return next(err);
      next(new InputError('multipart body', [{ code: 'custom', path: [], message: err instanceof Error ? err.message : String(err), input: undefined }] as unknown as z.core.$ZodIssue[]));
    });

  v2.post('/overlays', uploadOr400, async (req, res) => {
    const files = (req.files ?? {}) as Record<string, Express.Multer.File[] | undefined>;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const manifest = typeof body.manifest === 'string' ? body.manifest : files.manifest?.[0]?.buffer.toString('utf8');
    const wasm = files.wasm?.[0]?.buffer;
    const issues: Array<{ path: string[]; message: string }> = [];
    if (!manifest) issues.push({ path: ['manifest'], message: 'a manifest (YAML or JSON) is required, as a field or a file' });
    if (!wasm) issues.push({ path: ['wasm'], message: 'the WebAssembly module is required, as a file field "wasm"' });
    if (!manifest || !wasm) throw new InputError('multipart body', issues as unknown as z.core.$ZodIssue[]);
    const overlay = await forge.overlays.register(callerOf(res), manifest, new Uint8Array(wasm.buffer, wasm.byteOffset, wasm.byteLength));
    res.status(201).location(`/v2/overlays/${overlay.id}`).json(forge.overlays.view(overlay));
  });

  v2.get('/overlays', async (req, res) => {
    const q = parse(OverlayListQuery, req.query, 'query');
    res.json({ items: (await forge.overlays.list(q)).map((o) => forge.overlays.view(o)) });
  });

  v2.get('/overlays/:id', async (req, res) => {
    res.json(forge.overlays.view(await forge.overlays.get(req.params.id as string)));
  });

  v2.post('/overlays/:id/activate', async (req, res) => {
    const body = parse(ActivateOverlayBody, req.body, 'body');
    res.json(forge.overlays.view(await forge.overlays.activate(callerOf(res), req.params.id as string, body)));
  });

  v2.post('/overlays/:id/suspend', async (req, res) => {
    const body = parse(SuspendOverlayBody, req.body, 'body');
    res.json(forge.overlays.view(await forge.overlays.suspend(callerOf(res), req.params.id as string, body.reason)));
  });

  v2.post('/overlays/:id/invoke', async (req, res) => {
    const body = parse(InvokeOverlayBody, req.body, 'body');
    res.json(await forge.overlays.invoke(req.params.id as string, { function: body.function, args: body.args ?? {}, ...(body.timeout_ms ? { timeout_ms: body.timeout_ms } : {}) }));
  });

  v2.get('/overlays/:id/metrics', async (req, res) => {
    res.json(await forge.overlays.metrics(req.params.id as string));
  });

  // On demand: all four levels; `status` and `error` repeat the module's own check (L1).
  v2.get('/overlays/:id/health', async (req, res) => {
    const report = await forge.overlays.checkHealth(req.params.id as string);
    res.json({ ...report, status: report.levels.module.status, error: report.levels.module.error });
  });

  v2.post('/overlays/:id/recover', async (req, res) => {
    const { overlay, healthy } = await forge.overlays.recover(callerOf(res), req.params.id as string);
    res.json({ healthy, overlay: forge.overlays.view(overlay) });
  });

  v2.post('/overlays/:id/canary', async (req, res) => {
    const body = parse(CanaryBody, req.body, 'body');
    res.status(201).json(await forge.overlays.startCanary(callerOf(res), req.params.id as string, body));
  });

  v2.get('/overlays/:id/canary', async (req, res) => {
    res.json(await forge.overlays.canary(req.params.id as string));
  });

  v2.get('/immune/quarantined', async (_req, res) => {
    const items = await forge.overlays.list({ state: 'quarantined' });
    res.json({ items: items.map((o) => forge.overlays.view(o)) });
  });

  v2.delete('/overlays/:id', async (req, res) => {
    await forge.overlays.remove(callerOf(res), req.params.id as string);
    res.status(204).end();
  });

  // ---- dead letters ------------------------------------------------------------------------------
  v2.get('/dead-letters', async (req, res) => {
    const { limit, offset, ...filter } = parse(DeadLetterQuery, req.query, 'query');
    res.json(await forge.dlq.list(filter, { limit, offset }));
  });

  v2.post('/dead-letters/retry', async (req, res) => {
    const filter = parse(DeadLetterBulkBody, req.body, 'body');
    const outcomes = await forge.dlq.retryAll(callerOf(res), filter);
    res.json({ retried: outcomes.length, outcomes });
  });

  v2.post('/dead-letters/purge', async (req, res) => {
    const filter = parse(DeadLetterBulkBody, req.body, 'body');
    res.json({ purged: await forge.dlq.purge(filter) });
  });

  v2.get('/dead-letters/:id', async (req, res) => {
    res.json(await forge.dlq.show(req.params.id as string));
  });

  v2.post('/dead-letters/:id/retry', async (req, res) => {
    res.json(await forge.dlq.retry(callerOf(res), req.params.id as string));
  });

  v2.delete('/dead-letters/:id', async (req, res) => {
    await forge.dlq.remove(req.params.id as string);
    res.status(204).end();
  });

  // ---- system ------------------------------------------------------------------------------------
  v2.get('/system/health', async (_req, res) => {
    const started = Date.now();
    let redis: { ok: boolean; latency_ms?: number; error?: string };
    try {
      await forge.redis.ping();
      redis = { ok: true, latency_ms: Date.now() - started };
    } catch (err) {
      redis = { ok: false, error: (err as Error).message };
    }
    let store: { ok: boolean; kind: string; error?: string; [k: string]: unknown };
    try {
      store = { ok: true, kind: forge.store.kind, ...(await forge.store.stats()) };
    } catch (err) {
      store = { ok: false, kind: forge.store.kind, error: (err as Error).message };
    }
    const queues: Record<string, Record<string, number>> = {};
    if (redis.ok) {
      for (const phase of PHASES) {
        queues[phase] = await forge.queues[phase].getJobCounts('waiting', 'active', 'delayed', 'waiting-children', 'prioritized', 'failed');
      }
      queues['overlay-expiry'] = await forge.overlayExpiry.getJobCounts('delayed', 'failed');
      queues['health-checks'] = await forge.healthChecks.getJobCounts('waiting', 'active', 'delayed', 'failed');
      queues['dead-letter'] = { size: await forge.deadLetters.count() };
    }
    let overlays: Record<string, unknown> = {};
    if (redis.ok && store.ok) {
      const [all, reports] = await Promise.all([forge.overlays.list({}), forge.overlays.lastHealthReports()]);
      const count = (state: string) => all.filter((o) => o.state === state).length;
      overlays = {
        active: count('active'),
        quarantined: count('quarantined'),
        suspended: count('suspended'),
        pending: count('pending'),
        unhealthy: reports
          .filter((r) => !r.healthy)
          .map((r) => ({ id: r.overlay_id, name: r.name, at: r.at, failing: Object.entries(r.levels).filter(([, l]) => !l.ok).map(([level]) => level) })),
        last_checked: reports.map((r) => r.at).sort().pop() ?? null,
      };
    }
    const ok = redis.ok && store.ok;
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'degraded', redis, store, queues, dead_letters: queues['dead-letter']?.size ?? null, overlays });
  });

  v2.get('/system/metrics', async (_req, res) => {
    const phases: Record<string, { count: number; mean_ms: number }> = {};
    for (const phase of PHASES) {
      const h = await forge.redis.hgetall(forge.keys.phaseMetrics(phase));
      const count = Number(h.count ?? 0);
      phases[phase] = { count, mean_ms: count ? Number(h.total_ms ?? 0) / count : 0 };
    }
    const requests = await forge.redis.hgetall(forge.keys.requestMetrics);
    res.json({ phases, requests });
  });

  v2.get('/system/audit-log', async (req, res) => {
    const q = parse(AuditLogQuery, req.query, 'query');
    const entries = await forge.store.listAudit({
      limit: q.limit,
      ...(q.before !== undefined ? { before_seq: q.before } : {}),
      ...(q.entity_id ? { entity_id: q.entity_id } : {}),
      ...(q.action ? { action: q.action } : {}),
    });
    const last = entries[entries.length - 1];
    res.json({
      entries,
      next_before: entries.length === q.limit && last ? last.seq : null,
      ...(q.verify ? { verification: await forge.store.verifyAudit() } : {}),
    });
  });

  app.use('/v2', v2);

  app.use((req, res) => {
    res.status(404).json({ error: 'not_found', message: `no route for ${req.method} ${req.path}` });
  });

  const onError: ErrorRequestHandler = (err: unknown, _req, res, _next) => {
    void _next;
    if (err instanceof InputError) {
      res.status(400).json({ error: 'validation_failed', message: err.message, where: err.where, issues: err.issues });
      return;
    }
    if (err instanceof ForgeError) {
      const status = STATUS_OF[err.code];
      if (status) {
        // Errors that list their problems (manifest issues, module problems, missing config) pass them on.
        const detail = err as ForgeError & { issues?: unknown; problems?: unknown; missing?: unknown; unknown?: unknown };
        res.status(status).json({
          error: err.code,
          message: err.message,
          ...(detail.issues ? { issues: detail.issues } : {}),
          ...(detail.problems ? { problems: detail.problems } : {}),
          ...(Array.isArray(detail.missing) && detail.missing.length ? { missing: detail.missing } : {}),
          ...(Array.isArray(detail.unknown) && detail.unknown.length ? { unknown: detail.unknown } : {}),
        });
        return;
      }
    }
    if (err instanceof multer.MulterError) {
      res.status(err.code === 'LIMIT_FILE_SIZE' || err.code === 'LIMIT_FIELD_VALUE' ? 413 : 400).json({ error: 'upload_rejected', message: `${err.message} (${err.field ?? err.code})` });
      return;
    }
    // body-parser errors carry `type` and an HTTP status (413 too large, 400 bad JSON, 415 charset).
    const parserError = err as { type?: unknown; status?: unknown; message?: unknown };
    if (typeof parserError.type === 'string' && typeof parserError.status === 'number' && parserError.status < 500) {
      res.status(parserError.status).json({ error: parserError.type.replaceAll('.', '_'), message: String(parserError.message) });
      return;
    }
    // Redis went away while the request was being served: a 503 to retry, like the check at the door.
    if (forge.redis.status !== 'ready') {
      res.status(503).set('Retry-After', '5').json({ error: 'redis_unavailable', message: `Redis is ${forge.redis.status}; retry shortly` });
      return;
    }
    const id = res.locals.correlationId as string;
    console.error(`[forge] ${id} unhandled error:`, err);
    res.status(500).json({ error: 'internal', message: 'internal error; see the server log', correlation_id: id });
  };
  app.use(onError);
  return app;
}

/** Listens on the configured host and port (0 = a free port). */
export async function listen(app: express.Express, host: string, port: number): Promise<{ server: Server; url: string }> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host);
    server.once('error', reject);
    server.once('listening', () => {
      const address = server.address();
      const actual = typeof address === 'object' && address ? address.port : port;
      resolve({ server, url: `http://${host.includes(':') ? `[${host}]` : host}:${actual}` });
    });
  });
}
