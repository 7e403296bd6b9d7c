import type { Response } from 'express';
import type { Caller } from '../../store/graph-store.js';

/** The caller of an HTTP request, set by the ingress before any router runs. */
export function callerOf(res: Response): Caller {
  return res.locals.caller as Caller;
}
