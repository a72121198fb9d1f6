import { getConfig } from '@/features/core/config/config';
import { isDatabaseUnavailable } from '@/features/core/database/errors';
import { DomainError } from '@/features/core/errors/errors';
import { describeError, logger, withLogContext } from '@/features/core/logger/logger';
import { observeRequest } from '@/features/core/metrics/metrics';
import { applyCors, applyPreflight, corsHeaders } from './cors';
import { HttpProblem, PROBLEM_CONTENT_TYPE, problemBody, problemFromDomainError } from './problem';
import { requestIdFrom } from './request-id';
import { apiSecurityHeaders } from './security-headers';
import { STATUS } from './status';

// The request lifecycle every /api response goes through (routes, the catch-all, next-auth): request id,
// error → problem mapping, CORS, one log line.

export interface RequestContext {
  requestId: string;
  path: string;
}

let allowedOrigins: ReadonlySet<string> | undefined;
const origins = () => {
  allowedOrigins ??= new Set(getConfig().corsOrigins);
  return allowedOrigins;
};
let securityHeaders: ReadonlyArray<readonly [string, string]> | undefined;

/** The headers every /api response gets from the kernel, on every host: request id, security headers, CORS. */
export function applyKernelHeaders(headers: Headers, requestId: string, origin: string | null): void {
  headers.set('x-request-id', requestId);
  securityHeaders ??= apiSecurityHeaders(getConfig().isProduction);
  for (const [name, value] of securityHeaders) headers.set(name, value);
  applyCors(headers, origin, origins());
}

function pathOf(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2);
  const end = url.indexOf('?', start);
  return start === -1 ? '/' : url.slice(start, end === -1 ? undefined : end);
}

// Our own server writes the response itself: the kernel's headers go straight onto the Node response (plain
// object properties) instead of through the web Response's Headers (undici validates and sorts on every set:
// measured ~7% of GET /api/users/me), and a JSON body is handed over as its text instead of through a web
// stream that the host would read back chunk by chunk (the stream, its controller and its reads were a third
// of what GET /api/health allocated). It marks the requests it builds; headers, bodies and bytes are the same.
const hostWritten = new WeakSet<Request>();
const hostBodies = new WeakMap<Response, string>();

/** For our own server: this request's response is written by the host (kernel headers, JSON text). */
export function markHostWritten(request: Request): void {
  hostWritten.add(request);
}

/**
 * A JSON response: on our own server a body-less Response whose text the host takes with `takeHostBody`;
 * on Next, a plain Response with the text as its body.
 */
export function jsonResponse(request: Request, text: string, init: ResponseInit): Response {
  if (!hostWritten.has(request)) return new Response(text, init);
  const response = new Response(null, init);
  hostBodies.set(response, text);
  return response;
}

/** The JSON text `jsonResponse` kept for the host, if this response has one. */
export function takeHostBody(response: Response): string | undefined {
  return hostBodies.get(response);
}

/** The kernel's headers as name → value (`Vary: Origin` is the host's to merge). */
export function kernelHeaderRecord(requestId: string, origin: string | undefined): Record<string, string> {
  securityHeaders ??= apiSecurityHeaders(getConfig().isProduction);
  const record: Record<string, string> = { 'x-request-id': requestId };
  for (const [name, value] of securityHeaders) record[name] = value;
  for (const [name, value] of corsHeaders(origin ?? null, origins())) record[name] = value;
  return record;
}

export async function runRequest(
  request: Request,
  run: (context: RequestContext) => Promise<Response>,
  operation = 'unknown',
): Promise<Response> {
  const started = performance.now();
  const context: RequestContext = {
    requestId: requestIdFrom(request.headers.get('x-request-id')),
    path: pathOf(request.url),
  };
  // ── Per-request observability hook (issue 24), the one call site: metrics by operation and the log context
  // that puts requestId on every log line written while this request is handled. Move as one piece. ──
  const observed = observeRequest(operation);
  let status = 500;
  try {
    const response = await withLogContext({ requestId: context.requestId }, () =>
      handle(request, run, context, started),
    );
    status = response.status;
    return response;
  } finally {
    observed(status);
  }
}

async function handle(
  request: Request,
  run: (context: RequestContext) => Promise<Response>,
  context: RequestContext,
  started: number,
): Promise<Response> {
  let response: Response;
  try {
    response = await run(context);
  } catch (error) {
    response = problemResponse(toProblem(error, context), context);
  }
  if (!hostWritten.has(request)) {
    response = mutable(response);
    applyKernelHeaders(response.headers, context.requestId, request.headers.get('origin'));
  }
  logger.info('request', {
    method: request.method,
    path: context.path,
    status: response.status,
    durationMs: Math.round((performance.now() - started) * 100) / 100,
    requestId: context.requestId,
  });
  return response;
}

/** Answer to OPTIONS: a CORS preflight, or a plain `Allow` listing. */
export function optionsResponse(request: Request, methods: readonly string[]): Response {
  const headers = new Headers({ allow: methods.join(', ') });
  if (request.headers.has('access-control-request-method')) {
    applyPreflight(headers, request.headers.get('origin'), origins(), methods);
  }
  return new Response(null, { status: STATUS.NO_CONTENT, headers });
}

export function toProblem(error: unknown, context: RequestContext): HttpProblem {
  if (error instanceof HttpProblem) return error;
  if (error instanceof DomainError) return problemFromDomainError(error);
  if (isDatabaseUnavailable(error)) {
    logger.warn('database unavailable', { requestId: context.requestId, ...describeError(error) });
    return new HttpProblem(STATUS.SERVICE_UNAVAILABLE, 'The database is not answering; retry shortly.', {
      headers: { 'retry-after': '5' },
    });
  }
  logger.error('unhandled error', {
    requestId: context.requestId,
    path: context.path,
    ...describeError(error),
    stack: error instanceof Error ? error.stack?.split('\n').slice(1, 6).join(' | ') : undefined,
  });
  // Generic on purpose: the cause stays in the log, the client gets the id to quote.
  return new HttpProblem(
    STATUS.INTERNAL_SERVER_ERROR,
    `An unexpected error occurred. Quote request id ${context.requestId} when reporting it.`,
  );
}

export function problemResponse(problem: HttpProblem, context: RequestContext): Response {
  const headers = new Headers(problem.headers);
  headers.set('content-type', PROBLEM_CONTENT_TYPE);
  headers.set('cache-control', 'no-store');
  return new Response(JSON.stringify(problemBody(problem, context)), { status: problem.status, headers });
}

function mutable(response: Response): Response {
  try {
    response.headers.set('x-request-id', '');
    return response;
  } catch {
    // Response.redirect() and some framework responses have immutable headers: copy them once.
    return new Response(response.body, response);
  }
}

/** A problem answered before any route runs (our own server: a malformed target, a body over the limit). */
export function kernelProblem(
  problem: HttpProblem,
  request: { method: string; path: string; requestId: string | undefined; origin: string | undefined },
): Response {
  const context: RequestContext = { requestId: requestIdFrom(request.requestId ?? null), path: request.path };
  const response = problemResponse(problem, context);
  applyKernelHeaders(response.headers, context.requestId, request.origin ?? null);
  logger.info('request', {
    method: request.method,
    path: context.path,
    status: response.status,
    requestId: context.requestId,
  });
  return response;
}
