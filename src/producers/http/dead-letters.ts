import type { Router } from 'express';
import type { DeadLetterService } from '../../workers/dead-letters.js';
import { DeadLetterBulkBody, DeadLetterQuery } from '../api-schemas.js';
import { callerOf } from './context.js';
import { guardedRouter } from './guard.js';
import { parse } from './errors.js';

/** `/dead-letters`: inspect, re-drive and purge jobs that exhausted their attempts. */
export function deadLettersRouter({ dlq }: { dlq: DeadLetterService }): Router {
  const r = guardedRouter('/v2');
  r.get('/dead-letters', async (req, res) => {
    const { limit, offset, ...filter } = parse(DeadLetterQuery, req.query, 'query');
    res.json(await dlq.list(callerOf(res), filter, { limit, offset }));
  });

  r.post('/dead-letters/retry', async (req, res) => {
    const filter = parse(DeadLetterBulkBody, req.body, 'body');
    const outcomes = await dlq.retryAll(callerOf(res), filter);
    res.json({ retried: outcomes.length, outcomes });
  });

  r.post('/dead-letters/purge', async (req, res) => {
    const filter = parse(DeadLetterBulkBody, req.body, 'body');
    res.json({ purged: await dlq.purge(callerOf(res), filter) });
  });

  r.get('/dead-letters/:id', async (req, res) => {
    res.json(await dlq.show(callerOf(res), req.params.id));
  });

  r.post('/dead-letters/:id/retry', async (req, res) => {
    res.json(await dlq.retry(callerOf(res), req.params.id));
  });

  r.delete('/dead-letters/:id', async (req, res) => {
    await dlq.remove(callerOf(res), req.params.id);
    res.status(204).end();
  });
  return r;
}
