import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { Principal } from '../../auth/authenticate.js';
import { allows, PERMISSIONS, ruleOf, type Permission } from '../../auth/authorization.js';
import { AuthenticationError, PermissionDeniedError } from '../../errors.js';

/** The principal of an HTTP request (null: anonymous), set by the ingress before any router runs. */
export function principalOf(res: Response): Principal | null {
  return (res.locals.principal as Principal | null | undefined) ?? null;
}

/** The principal of a route that needs one (the table guarantees it; a missing one is a 401, never a crash). */
export function requirePrincipal(res: Response): Principal {
  const principal = principalOf(res);
  if (!principal) throw new AuthenticationError('missing', 'this route needs a credential');
  return principal;
}

/** Lets the request through when its principal holds `permission`; 401 for anonymous callers, 403 otherwise. */
export function authorize(permission: Permission): RequestHandler {
  return (_req: Request, res: Response, next: NextFunction) => {
    const principal = principalOf(res);
    if (allows(principal?.role ?? null, permission)) return next();
    if (!principal) return next(new AuthenticationError('missing', `this route needs a credential: send Authorization: Bearer forge_… (${permission})`));
    next(new PermissionDeniedError(permission, PERMISSIONS[permission], principal.role));
  };
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/**
 * A router whose every route is authorised from the table (`src/auth/authorization.ts`): registering a
 * route the table has no rule for throws, so a new endpoint cannot be served without a decision about who
 * may call it. `prefix` is where the router is mounted.
 */
export function guardedRouter(prefix: string): Router {
  const router = Router();
  for (const method of METHODS) {
    const register = router[method].bind(router) as (path: string, ...handlers: RequestHandler[]) => Router;
    const guarded = (path: string, ...handlers: RequestHandler[]): Router => {
      const rule = ruleOf(method.toUpperCase(), `${prefix}${path}`);
      if (!rule) throw new Error(`no authorisation rule for ${method.toUpperCase()} ${prefix}${path}: add one to src/auth/authorization.ts`);
      return register(path, authorize(rule.permission), ...handlers);
    };
    Object.assign(router, { [method]: guarded });
  }
  return router;
}
