import type { Router } from 'express';
import multer from 'multer';
import { RequestValidationError } from '../../errors.js';
import type { OverlayCanaries } from '../../overlays/canary.js';
import type { OverlayExecutor } from '../../overlays/executor.js';
import type { OverlayHealth } from '../../overlays/health.js';
import type { OverlayRegistry } from '../../overlays/registry.js';
import type { EventQueries } from '../../events/cascades.js';
import { ActivateOverlayBody, AffectedQuery, CanaryBody, InvokeOverlayBody, OverlayListQuery, StopCanaryBody, SuspendOverlayBody } from '../api-schemas.js';
import { callerOf } from './context.js';
import { guardedRouter } from './guard.js';
import { parse, uploadOr400 } from './errors.js';

export interface OverlaysRouterDeps {
  readonly registry: OverlayRegistry;
  readonly executor: Pick<OverlayExecutor, 'invoke' | 'metrics'>;
  readonly health: Pick<OverlayHealth, 'check' | 'recover' | 'forget'>;
  readonly canaries: Pick<OverlayCanaries, 'start' | 'get' | 'find' | 'stop'>;
  /** Largest module accepted, in bytes. */
  readonly maxWasmBytes: number;
  readonly events: Pick<EventQueries, 'affected'>;
}

/** `/overlays` and `/immune`: register, run and look after WebAssembly overlays. */
export function overlaysRouter({ registry, executor, health, canaries, maxWasmBytes, events }: OverlaysRouterDeps): Router {
  const r = guardedRouter('/v2');
  const upload = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: maxWasmBytes, fieldSize: 64 * 1024, files: 2, fields: 4 },
  }).fields([
    { name: 'wasm', maxCount: 1 },
    { name: 'manifest', maxCount: 1 },
  ]);

  r.post('/overlays', uploadOr400(upload), async (req, res) => {
    const files = (req.files ?? {}) as Record<string, Express.Multer.File[] | undefined>;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const manifest = typeof body.manifest === 'string' ? body.manifest : files.manifest?.[0]?.buffer.toString('utf8');
    const wasm = files.wasm?.[0]?.buffer;
    const issues: Array<{ path: string[]; message: string }> = [];
    // Only the two parts (multer refuses other files; other fields are refused here).
    for (const field of Object.keys(body).filter((f) => f !== 'manifest')) issues.push({ path: [field], message: 'is not a part of an overlay registration (wasm, manifest)' });
    if (issues.length) throw new RequestValidationError('multipart body', issues);
    if (!manifest) issues.push({ path: ['manifest'], message: 'a manifest (YAML or JSON) is required, as a field or a file' });
    if (!wasm) issues.push({ path: ['wasm'], message: 'the WebAssembly module is required, as a file field "wasm"' });
    if (!manifest || !wasm) throw new RequestValidationError('multipart body', issues);
    const overlay = await registry.register(callerOf(res), manifest, new Uint8Array(wasm.buffer, wasm.byteOffset, wasm.byteLength));
    res.status(201).location(`/v2/overlays/${overlay.id}`).json(registry.view(overlay));
  });

  r.get('/overlays', async (req, res) => {
    const q = parse(OverlayListQuery, req.query, 'query');
    const overlays = await registry.list(q);
    const found = await Promise.all(overlays.map((o) => canaries.find(o.id)));
    res.json({
      items: overlays.map((o, i) => {
        const canary = found[i];
        return { ...registry.view(o), canary: canary ? { status: canary.status, candidate_id: canary.candidate_id } : null };
      }),
    });
  });

  r.get('/overlays/:id', async (req, res) => {
    res.json(registry.view(await registry.get(req.params.id)));
  });

  r.post('/overlays/:id/activate', async (req, res) => {
    const { emergency, ...body } = parse(ActivateOverlayBody, req.body, 'body');
    // At or above the gate's trust an overlay is activated by a passed proposal, or by an admin in a declared emergency.
    const active = await registry.activate(callerOf(res), req.params.id, { ...body, authority: { emergency } });
    res.json(registry.view(active));
  });

  r.post('/overlays/:id/suspend', async (req, res) => {
    const body = parse(SuspendOverlayBody, req.body, 'body');
    res.json(registry.view(await registry.suspend(callerOf(res), req.params.id, body.reason)));
  });

  r.post('/overlays/:id/invoke', async (req, res) => {
    const body = parse(InvokeOverlayBody, req.body, 'body');
    res.json(await executor.invoke(req.params.id, { function: body.function, args: body.args ?? {}, ...(body.timeout_ms ? { timeout_ms: body.timeout_ms } : {}) }, callerOf(res)));
  });

  // The spec's "which overlays does this one reach": the cascades it started or passed on, as recorded.
  r.get('/overlays/:id/affected', async (req, res) => {
    const { hops } = parse(AffectedQuery, req.query, 'query');
    const overlay = await registry.get(req.params.id);
    const reached = await events.affected(callerOf(res), `overlay:${overlay.name}`, hops);
    res.json({ overlay: { id: overlay.id, name: overlay.name, version: overlay.version }, hops, reached });
  });

  r.get('/overlays/:id/metrics', async (req, res) => {
    res.json(await executor.metrics(req.params.id));
  });

  // On demand: all four levels; `status` and `error` repeat the module's own check (L1).
  r.get('/overlays/:id/health', async (req, res) => {
    const report = await health.check(req.params.id);
    res.json({ ...report, status: report.levels.module.status, error: report.levels.module.error });
  });

  r.post('/overlays/:id/recover', async (req, res) => {
    const { overlay, healthy } = await health.recover(callerOf(res), req.params.id);
    res.json({ healthy, overlay: registry.view(overlay) });
  });

  r.post('/overlays/:id/canary', async (req, res) => {
    const { emergency, ...body } = parse(CanaryBody, req.body, 'body');
    res.status(201).json(await canaries.start(callerOf(res), req.params.id, body, { emergency }));
  });

  r.get('/overlays/:id/canary', async (req, res) => {
    res.json(await canaries.get(req.params.id));
  });

  r.post('/overlays/:id/canary/stop', async (req, res) => {
    const body = parse(StopCanaryBody, req.body, 'body');
    res.json(await canaries.stop(callerOf(res), req.params.id, body.reason));
  });

  r.get('/immune/quarantined', async (_req, res) => {
    res.json({ items: (await registry.list({ state: 'quarantined' })).map((o) => registry.view(o)) });
  });

  r.delete('/overlays/:id', async (req, res) => {
    await registry.remove(callerOf(res), req.params.id);
    await health.forget(req.params.id);
    res.status(204).end();
  });
  return r;
}
