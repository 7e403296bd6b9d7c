import { jsonNestingBeyond } from '../../util/json-depth.js';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { MisdirectedRequestError, RequestValidationError, UnsupportedMediaTypeError } from '../../errors.js';

/** The host name of a Host header, without port or IPv6 brackets, lower case. */
function hostName(header: string): string {
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']'));
  return h.replace(/:\d+$/, '');
}

/** Refuses a request whose Host is not one Forge answers to (421). `null`: any host. */
export function hostAllowList(allowed: readonly string[] | null): RequestHandler {
  const names = allowed ? new Set(allowed) : null;
  return (req: Request, _res: Response, next: NextFunction) => {
    const host = req.get('host') ?? '';
    if (names && !names.has(hostName(host))) return next(new MisdirectedRequestError(host));
    next();
  };
}

/**
 * A path with malformed percent-encoding (`/v2/capsules/%zz`) is the client's error on every route: 400,
 * before a router tries to decode it.
 */
export function wellEncodedPaths(): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    try {
      decodeURIComponent(req.path);
    } catch {
      return next(new RequestValidationError('path', [{ code: 'custom', path: [], message: `the path ${req.path.slice(0, 200)} has malformed percent-encoding` }]));
    }
    next();
  };
}

/** Body types each path takes; everything else takes JSON only. */
const EXCEPTIONS: ReadonlyArray<{ readonly method: string; readonly path: string; readonly types: readonly string[] }> = [
  { method: 'POST', path: '/v2/overlays', types: ['multipart/form-data'] },
  { method: 'POST', path: '/admin/login', types: ['application/x-www-form-urlencoded'] },
];

/**
 * A request with a body must send it as `application/json` (or the one other type its route takes): the
 * types a browser may post across sites without asking (text/plain, forms) are refused with 415 before
 * anything reads them.
 */
export function jsonBodiesOnly(): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    const hasBody = req.get('transfer-encoding') !== undefined || Number(req.get('content-length') ?? 0) > 0;
    if (!hasBody) return next();
    const type = (req.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    const accepted = EXCEPTIONS.find((e) => e.method === req.method && e.path === req.path)?.types ?? ['application/json'];
    if (!accepted.includes(type)) return next(new UnsupportedMediaTypeError(type || '(none)', accepted));
    next();
  };
}

/** Deepest JSON nesting a body may have. */
export const MAX_JSON_DEPTH = 32;

/**
 * `express.json`'s `verify`: refuses a body nested deeper than MAX_JSON_DEPTH before it is parsed (one
 * linear pass over the bytes), so deep nesting costs neither a long parse nor a stack overflow later.
 */
export function jsonDepthGuard(_req: unknown, _res: unknown, buf: Buffer): void {
  const at = jsonNestingBeyond(buf, MAX_JSON_DEPTH);
  if (at !== -1) throw Object.assign(new Error(`JSON body is nested deeper than ${MAX_JSON_DEPTH} levels (at byte ${at})`), { status: 400, type: 'entity.too.deep' });
}
