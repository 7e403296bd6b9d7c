import type { Router } from 'express';
import { allows } from '../../auth/authorization.js';
import type { Registry } from 'prom-client';
import { PHASES } from '../../config/index.js';
import type { RequestCounters } from '../../fleet/fleet-state.js';
import { systemHealth, type SystemHealthDeps } from '../../services/system-health.js';
import type { AuditCheckpoints } from '../../services/audit-checkpoints.js';
import type { AuditLogReader } from '../../services/audit-log.js';
import { AuditLogQuery } from '../api-schemas.js';
import { parse } from './errors.js';
import { callerOf } from './context.js';
import { guardedRouter, principalOf } from './guard.js';

export interface SystemRouterDeps extends SystemHealthDeps {
  readonly counters: Pick<RequestCounters, 'phaseTotals' | 'requestTotals'>;
  /** The log through the labels: entries above the reader come back redacted. */
  readonly audit: Pick<AuditLogReader, 'read'>;
  /** The chain recomputed and checked against its signed checkpoint (`?verify=true`). */
  readonly auditVerifier: Pick<AuditCheckpoints, 'verify'>;
}

/** `/system`: health, pipeline metrics and the audit log. */
export function systemRouter(deps: SystemRouterDeps): Router {
  const r = guardedRouter('/v2');
  // Anyone may ask whether Forge is up; only a caller who may read the system sees the details.
  r.get('/system/health', async (_req, res) => {
    const report = await systemHealth(deps);
    const status = report.status === 'ok' ? 200 : 503;
    if (allows(principalOf(res)?.role ?? null, 'system:read')) res.status(status).json(report);
    else res.status(status).json({ status: report.status });
  });

  r.get('/system/metrics', async (_req, res) => {
    const [totals, requests] = await Promise.all([deps.counters.phaseTotals(PHASES), deps.counters.requestTotals()]);
    const phases = Object.fromEntries(Object.entries(totals).map(([phase, t]) => [phase, { count: t.count, mean_ms: t.count ? t.total_ms / t.count : 0 }]));
    res.json({ phases, requests });
  });

  r.get('/system/audit-log', async (req, res) => {
    const q = parse(AuditLogQuery, req.query, 'query');
    const entries = await deps.audit.read(callerOf(res), {
      limit: q.limit,
      ...(q.before !== undefined ? { before_seq: q.before } : {}),
      ...(q.entity_id ? { entity_id: q.entity_id } : {}),
      ...(q.action ? { action: q.action } : {}),
    });
    const last = entries[entries.length - 1];
    res.json({
      entries,
      next_before: entries.length === q.limit && last ? last.seq : null,
      ...(q.verify ? { verification: await deps.auditVerifier.verify() } : {}),
    });
  });
  return r;
}

/** `/healthz` (liveness) and `/metrics` (Prometheus), outside `/v2`. */
export function probesRouter({ metrics }: { metrics: Registry }): Router {
  const r = guardedRouter('');
  r.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  r.get('/metrics', async (_req, res) => {
    res.type(metrics.contentType).send(await metrics.metrics());
  });
  return r;
}
