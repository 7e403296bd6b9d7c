import type { Queue } from 'bullmq';
import type { NextFunction, Request, Response, Router } from 'express';
import { createBullBoardRouter } from '../../../bull-board/index.js';
import type { GraphStore } from '../../store/graph-store.js';
import { checkBoardAccess } from '../../auth/policy.js';
import { ForbiddenError, PermissionDeniedError } from '../../errors.js';
import { authorize, principalOf } from './guard.js';
import { escapeHtml as escape, FAVICON } from './web.js';

/** What a signed-in person refused the board sees: who they are, what the board needs, where to go instead. */
function refusedPage(user: { name: string; role: string; trust_level: number }, reason: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Forge · queues</title>${FAVICON}
<style>body{font:15px system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem}.why{color:#555}</style></head>
<body><h1>Forge queues</h1><p>You are signed in as <b>${escape(user.name)}</b> (${escape(user.role)}, trust ${user.trust_level}).
The queues show what was retrieved and answered at every trust level, so they are for operators and admins
at trust 100.</p><p class="why">${escape(reason)}</p>
<p><a href="/">Open the dashboard</a> · <a href="/admin/login?next=/admin/queues">sign in as someone else</a></p></body></html>`;
}

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
    guard: (req, res, next_) => {
      const reading = req.method === 'GET' || req.method === 'HEAD';
      const principal = principalOf(res);
      const page = reading && req.get('accept')?.includes('text/html');
      if (!principal && page) return res.redirect(303, '/admin/login');
      // A person refused the board reads why on a page, not as JSON.
      const next = (err?: unknown) =>
        page && (err instanceof ForbiddenError || err instanceof PermissionDeniedError) && principal
          ? res.status(403).type('html').send(refusedPage(principal.user, err.message))
          : next_(err);
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
