import type { ErrorRequestHandler, NextFunction, Request, Response } from 'express';
import multer from 'multer';
import type { z } from 'zod';
import { FleetUnavailableError, ForgeError, RequestBodyError, RequestValidationError, UploadRejectedError, type ForgeErrorCode } from '../../errors.js';

/** Parses one part of a request at the boundary. @throws RequestValidationError (HTTP 400 with the zod issues) */
export function parse<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const result = schema.safeParse(value ?? {});
  if (!result.success) throw new RequestValidationError(where, result.error.issues);
  return result.data;
}

/** body-parser's error types that are the client's fault, as Forge error codes. */
const BODY_ERRORS: Readonly<Record<string, ForgeErrorCode>> = {
  'entity.parse.failed': 'entity_parse_failed',
  'entity.too.large': 'entity_too_large',
  'entity.too.deep': 'entity_too_deep',
  'entity.verify.failed': 'entity_verify_failed',
  'charset.unsupported': 'charset_unsupported',
  'encoding.unsupported': 'encoding_unsupported',
  'request.aborted': 'request_aborted',
  'request.size.invalid': 'request_size_invalid',
  'parameters.too.many': 'parameters_too_many',
};

/** Errors the HTTP libraries throw, as Forge errors; anything else is returned as it is. */
function fromHttpLibraries(err: unknown): unknown {
  if (err instanceof multer.MulterError) {
    return new UploadRejectedError(`${err.message} (${err.field ?? err.code})`, err.field ?? null, err.code === 'LIMIT_FILE_SIZE' || err.code === 'LIMIT_FIELD_VALUE');
  }
  // body-parser errors carry `type` and an HTTP status below 500.
  if (err instanceof Error && 'type' in err && typeof err.type === 'string') {
    const code = BODY_ERRORS[err.type];
    if (code) return new RequestBodyError(code, err.type, err.message);
  }
  return err;
}

/** The Model Context Protocol endpoint (producers/http/mcp.ts). */
export const MCP_PATH = '/mcp';

export interface ErrorMapperOptions {
  /** Whether Redis answers now: a failure while it is away is a 503 to retry, not a 500. */
  readonly fleetAvailable: () => boolean;
  readonly fleetState: () => string;
}

/**
 * The one error mapper. A `ForgeError` answers with its own status and body (`{error, message, details}`);
 * errors of the HTTP libraries are turned into Forge errors first; anything else is a 500 with a
 * correlation id, logged — or a 503 when Redis went away while the request was served.
 */
export function errorMapper(options: ErrorMapperOptions): ErrorRequestHandler {
  return (caught: unknown, req: Request, res: Response, next: NextFunction) => {
    void next;
    let err = fromHttpLibraries(caught);
    if (!(err instanceof ForgeError && err.httpStatus < 500) && !options.fleetAvailable()) err = new FleetUnavailableError(options.fleetState());
    // A body the MCP endpoint cannot read is answered as JSON-RPC clients expect: a parse error (-32700)
    // or an invalid request (-32600), with Forge's own error as its data.
    if (req.path === MCP_PATH && err instanceof ForgeError && err.httpStatus === 400) {
      const code = err.code === 'entity_parse_failed' ? -32700 : -32600;
      res.status(400).json({ jsonrpc: '2.0', id: null, error: { code, message: err.message, data: err.toBody() } });
      return;
    }
    if (err instanceof ForgeError && (err.httpStatus < 500 || err instanceof FleetUnavailableError)) {
      res.status(err.httpStatus).set(err.httpHeaders()).json(err.toBody());
      return;
    }
    const id = res.locals.correlationId as string;
    console.error(`[forge] ${id} unhandled error:`, err);
    res.status(500).json({ error: 'internal', message: 'internal error; see the server log', correlation_id: id });
  };
}

/** A multipart upload parser whose malformed input (truncated, bad boundary) is a 400, never a 500. */
export function uploadOr400(upload: (req: Request, res: Response, cb: (err?: unknown) => void) => void) {
  return (req: Request, res: Response, next: NextFunction) =>
    upload(req, res, (err?: unknown) => {
      if (!err || err instanceof multer.MulterError) return next(err);
      next(new RequestValidationError('multipart body', [{ code: 'custom', path: [], message: err instanceof Error ? err.message : String(err) }]));
    });
}
