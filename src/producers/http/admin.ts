import type { Queue } from 'bullmq';
import type { Router } from 'express';
import { createBullBoardRouter } from '../../../bull-board/index.js';

/** `/admin/queues`: Bull Board over the phase and maintenance queues; the dead-letter queue read-only (re-drive goes through the API). */
export function adminRouter({ queues, readOnlyQueues }: { queues: readonly Queue[]; readOnlyQueues: readonly Queue[] }): { basePath: string; router: Router } {
  return createBullBoardRouter({ queues, readOnlyQueues });
}
