import type { Router } from 'express';
import type { CapsuleService } from '../../services/capsules.js';
import type { RequestService } from '../requests.js';
import { CreateCapsuleBody, ForkCapsuleBody, ListCapsulesQuery, SearchCapsulesQuery, UpdateCapsuleBody } from '../api-schemas.js';
import { callerOf } from './context.js';
import { guardedRouter } from './guard.js';
import { parse } from './errors.js';

/** `/capsules`: create, list, search, read, version, archive, fork and trace knowledge. */
export function capsulesRouter({ capsules, requests }: { capsules: CapsuleService; requests: Pick<RequestService, 'submit'> }): Router {
  const r = guardedRouter('/v2');
  r.get('/capsules', async (req, res) => {
    const q = parse(ListCapsulesQuery, req.query, 'query');
    const page = await capsules.list(
      callerOf(res),
      {
        ...(q.type ? { type: q.type } : {}),
        ...(q.owner ? { owner_id: q.owner } : {}),
        ...(q.tag ? { tag: q.tag } : {}),
        ...(q.min_trust !== undefined ? { min_trust: q.min_trust } : {}),
        ...(q.include_archived ? { include_archived: true } : {}),
        ...(q.include_stale ? { include_stale: true } : {}),
      },
      { limit: q.limit, cursor: q.cursor ?? null },
    );
    res.json(page);
  });

  r.post('/capsules', async (req, res) => {
    const body = parse(CreateCapsuleBody, req.body, 'body');
    const capsule = await capsules.create(callerOf(res), body);
    res.status(201).location(`/v2/capsules/${capsule.id}`).json(capsule);
  });

  r.get('/capsules/search', async (req, res) => {
    const q = parse(SearchCapsulesQuery, req.query, 'query');
    res.json({ query: q.q, results: await capsules.search(callerOf(res), q) });
  });

  r.get('/capsules/:id', async (req, res) => {
    res.json(await capsules.get(callerOf(res), req.params.id));
  });

  r.put('/capsules/:id', async (req, res) => {
    const body = parse(UpdateCapsuleBody, req.body, 'body');
    const next = await capsules.update(callerOf(res), req.params.id, body);
    res.location(`/v2/capsules/${next.id}`).json(next);
  });

  r.delete('/capsules/:id', async (req, res) => {
    res.json(await capsules.archive(callerOf(res), req.params.id));
  });

  // A stale saved answer asked again: its next version is the new answer, derived from what it now cites.
  r.post('/capsules/:id/rederive', async (req, res) => {
    const caller = callerOf(res);
    const { query } = await capsules.rederivable(caller, req.params.id);
    const { record } = await requests.submit(caller, { query, save_as_capsule: true, metadata: { rederive_of: req.params.id } });
    res.status(202).location(`/v2/requests/${record.id}`).json({ id: record.id, status: record.status, correlation_id: record.correlation_id });
  });

  r.get('/capsules/:id/lineage', async (req, res) => {
    const { entries, redacted, truncated } = await capsules.lineage(callerOf(res), req.params.id);
    res.json({ capsule_id: req.params.id, ancestors: entries, redacted, truncated });
  });

  r.get('/capsules/:id/descendants', async (req, res) => {
    const { entries, redacted, truncated } = await capsules.descendants(callerOf(res), req.params.id);
    res.json({ capsule_id: req.params.id, descendants: entries, redacted, truncated });
  });

  r.post('/capsules/:id/fork', async (req, res) => {
    const body = parse(ForkCapsuleBody, req.body, 'body');
    const fork = await capsules.fork(callerOf(res), req.params.id, body);
    res.status(201).location(`/v2/capsules/${fork.id}`).json(fork);
  });
  return r;
}
