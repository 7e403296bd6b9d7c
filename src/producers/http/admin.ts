import type { Queue } from 'bullmq';
import type { NextFunction, Request, Response, Router } from 'express';
import { createBullBoardRouter } from '../../../bull-board/index.js';
import { authorize } from './guard.js';

/**
 * `/admin/queues`: Bull Board over the phase and maintenance queues; the dead-letter queue read-only
 * (re-drive goes through the API). Looking needs `queues:read` (operators), any action `queues:act` (admins).
 */
export function adminRouter({ queues, readOnlyQueues }: { queues: readonly Queue[]; readOnlyQueues: readonly Queue[] }): {
  basePath: string;
  guard: (req: Request, res: Response, next: NextFunction) => void;
  router: Router;
} {
  const look = authorize('queues:read');
  const act = authorize('queues:act');
  return {
    ...createBullBoardRouter({ queues, readOnlyQueues }),
    guard: (req, res, next) => (req.method === 'GET' || req.method === 'HEAD' ? look : act)(req, res, next),
  };
}
