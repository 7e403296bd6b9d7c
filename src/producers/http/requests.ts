import type { Router } from 'express';
import type { RequestService } from '../requests.js';
import type { RequestRecord } from '../../store/graph-store.js';
import { GetRequestQuery, ListRequestsQuery, RequestHeaders, SubmitRequestBody } from '../api-schemas.js';
import { callerOf } from './context.js';
import { guardedRouter, principalOf } from './guard.js';
import { allows } from '../../auth/authorization.js';
import { canReadRequest } from '../../auth/policy.js';
import { NotFoundError } from '../../errors.js';
import { parse } from './errors.js';

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

/** `/requests`: submit a question, read (or wait for) its answer. */
export function requestsRouter({ requests }: { requests: Pick<RequestService, 'submit' | 'get' | 'waitFor' | 'list'> }): Router {
  const r = guardedRouter('/v2');
  r.post('/requests', async (req, res) => {
    const headers = parse(RequestHeaders, req.headers, 'headers');
    const body = parse(SubmitRequestBody, req.body, 'body');
    const { record, created } = await requests.submit(callerOf(res), body, {
      idempotencyKey: headers['idempotency-key'] ?? null,
      correlationId: headers['x-correlation-id'] ?? null,
    });
    res.status(created ? 202 : 200).location(`/v2/requests/${record.id}`);
    if (!created) res.set('Idempotent-Replayed', 'true');
    res.json({ id: record.id, status: record.status, correlation_id: record.correlation_id });
  });

  r.get('/requests', async (req, res) => {
    const q = parse(ListRequestsQuery, req.query, 'query');
    const caller = callerOf(res);
    const readsAny = allows(principalOf(res)?.role ?? null, 'request:read-any');
    const page = await requests.list({ ...(readsAny && !q.mine ? {} : { caller_id: caller.id }), ...(q.before ? { before: q.before } : {}), limit: q.limit });
    // Others' requests above the reader's trust are left out (a page may come back shorter than the limit).
    res.json({
      items: page.filter((r) => canReadRequest(caller, readsAny, r)).map(requestView),
      next_before: page.length === q.limit ? (page.at(-1)?.created_at ?? null) : null,
    });
  });

  // A request belongs to its submitter: to anyone else it does not exist (operators may read any at or below their trust).
  r.get('/requests/:id', async (req, res) => {
    const query = parse(GetRequestQuery, req.query, 'query');
    const caller = callerOf(res);
    if (!canReadRequest(caller, allows(principalOf(res)?.role ?? null, 'request:read-any'), await requests.get(req.params.id))) throw new NotFoundError('request', req.params.id);
    res.json(requestView(await requests.waitFor(req.params.id, query.wait ?? 0)));
  });
  return r;
}
