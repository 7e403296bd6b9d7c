import type { Queue } from 'bullmq';
import type { NextFunction, Request, Response, Router } from 'express';
import { createBullBoardRouter } from '../../../bull-board/index.js';
import type { GraphStore } from '../../store/graph-store.js';
import { checkBoardAccess } from '../../auth/policy.js';
import { authorize, principalOf } from './guard.js';

/**
 * `/admin/queues`: Bull Board over the phase and maintenance queues; the dead-letter queue read-only
 * (re-drive goes through the API). Looking needs `queues:read` (operators), any action `queues:act`
 * (admins) and is audited with its actor; either needs CORE trust (100). A browser without a session is
 * sent to `/admin/login`.
 */
export function adminRouter({ queues, readOnlyQueues, audit }: { queues: readonly Queue[]; readOnlyQueues: readonly Queue[]; audit: Pick<GraphStore, 'appendAudit'> }): {
  basePath: string;
  guard: (req: Request, res: Response, next: NextFunction) => void;
  router: Router;
} {
  const look = authorize('queues:read');
  const act = authorize('queues:act');
  const board = createBullBoardRouter({ queues, readOnlyQueues });
  return {
    ...board,
    guard: (req, res, next) => {
      const reading = req.method === 'GET' || req.method === 'HEAD';
      const principal = principalOf(res);
      if (!principal && reading && req.get('accept')?.includes('text/html')) return res.redirect(303, '/admin/login');
      (reading ? look : act)(req, res, (err?: unknown) => {
        if (err || !principal) return next(err);
        // Jobs' data and results carry what was retrieved and answered at every trust level: the board is
        // for those who may read everything.
        try {
          checkBoardAccess(principal.user.trust_level);
        } catch (denied) {
          return next(denied);
        }
        if (reading) return next();
        audit
          .appendAudit({
            actor_id: principal.user.id,
            action: 'queues.action',
            entity_type: 'queue',
            entity_id: `${board.basePath}${req.path}`,
            details: { method: req.method, via: principal.via },
          })
          .then(() => next(), next);
      });
    },
  };
}
