import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import { Router as expressRouter, type Router } from 'express';

/** The stylesheet link Bull Board's page loads from Google Fonts: left out, so the board needs nothing from outside (its CSS falls back to the system's sans-serif). */
const EXTERNAL_FONTS = /<link[^>]*fonts\.(googleapis|gstatic)\.com[^>]*>\s*/g;

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
  const router = expressRouter();
  // The page is rendered by the adapter (res.render): it is sent here without the external font.
  router.use((_req, res, next) => {
    const render = res.render.bind(res);
    res.render = ((view: string, options?: object) =>
      render(view, options ?? {}, (err: Error | null, html: string) => (err ? next(err) : res.send(html.replace(EXTERNAL_FONTS, ''))))) as typeof res.render;
    next();
  });
  router.use(serverAdapter.getRouter() as Router);
  return { basePath, router };
}
