import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import type { Router } from 'express';

export interface BullBoardOptions {
  /** Where the board is mounted. @defaultValue '/admin/queues' */
  readonly basePath?: string;
  /** Queues shown read-write. */
  readonly queues: readonly Queue[];
  /** Queues shown read-only (the dead-letter queue: re-drive happens through the API, not by hand). */
  readonly readOnlyQueues?: readonly Queue[];
}

/** Bull Board for Forge's queues, as an Express router to mount at `basePath`. */
export function createBullBoardRouter(options: BullBoardOptions): { basePath: string; router: Router } {
  const basePath = options.basePath ?? '/admin/queues';
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(basePath);
  createBullBoard({
    queues: [...options.queues.map((q) => new BullMQAdapter(q)), ...(options.readOnlyQueues ?? []).map((q) => new BullMQAdapter(q, { readOnlyMode: true }))],
    serverAdapter,
    options: { uiConfig: { boardTitle: 'Forge queues' } },
  });
  return { basePath, router: serverAdapter.getRouter() as Router };
}
