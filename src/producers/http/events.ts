import type { Router } from 'express';
import type { EventQueries } from '../../events/cascades.js';
import type { EventBus } from '../../events/bus.js';
import { ListEventsQuery, PublishEventBody, ReplayEventsBody } from '../api-schemas.js';
import { callerOf } from './context.js';
import { guardedRouter } from './guard.js';
import { parse } from './errors.js';

/** `/events` and `/cascades`: publish, read and trace events, each reader only at or below its trust. */
export function eventsRouter({ events, bus }: { events: EventQueries; bus: Pick<EventBus, 'replay'> }): Router {
  const r = guardedRouter('/v2');

  r.post('/events', async (req, res) => {
    const body = parse(PublishEventBody, req.body, 'body');
    const event = await events.publish(callerOf(res), body);
    res.status(201).location(`/v2/events/${event.id}`).json(event);
  });

  r.get('/events', async (req, res) => {
    const q = parse(ListEventsQuery, req.query, 'query');
    const items = await events.list(callerOf(res), q);
    res.json({ items, next_after_seq: items.length === q.limit ? (items.at(-1)?.seq ?? null) : null });
  });

  // Operators re-deliver a stretch of the log to one subscriber; what it already handled is skipped.
  r.post('/events/replay', async (req, res) => {
    const body = parse(ReplayEventsBody, req.body, 'body');
    res.status(202).json({ subscriber: body.subscriber, queued: await bus.replay(body) });
  });

  r.get('/events/:id', async (req, res) => {
    res.json(await events.get(callerOf(res), req.params.id));
  });

  r.get('/cascades/:id', async (req, res) => {
    res.json(await events.cascade(callerOf(res), req.params.id));
  });
  return r;
}
