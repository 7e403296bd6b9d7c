import type { Response } from 'express';
import type { Caller } from '../../store/graph-store.js';
import { requirePrincipal } from './guard.js';

/** Whom a request acts for: its authenticated principal's caller (a route without one answers 401). */
export function callerOf(res: Response): Caller {
  return requirePrincipal(res).caller;
}
