import type { z } from 'zod';
import { getConfig } from '@/features/core/config/config';
import { isDatabaseUnavailable } from '@/features/core/database/errors';
import { DomainError, type FieldError } from '@/features/core/errors/errors';
import { describeError, logger, withLogContext } from '@/features/core/logger/logger';
import { observeRequest } from '@/features/core/metrics/metrics';
import { startRequestSpan } from '@/features/core/tracing/tracing';
import { entriesToObject, readBody } from './body';
import { corsHeaders, preflightHeaders } from './cors';
import { type AnyRoute, type LazyBody, routeBodyLimit } from './define-route';
import { nulCharacterErrors } from './input-bounds';
import type { PathOperations } from './operation-table';
import { PROBLEM_CONTENT_TYPE, problemOf } from './problem';
import { requestIdFrom } from './request-id';
import { apiSecurityHeaders } from './security-headers';
import { STATUS } from './status';

// The request lifecycle: every /api response goes through this file, on both hosts, read from top to bottom
// in `serveOperation`:
//   request id → preflight / 405 → guard → parse → handler → response check → headers → log → write,
// with one catch turning every failure into a problem (RFC 9457). The host only decides how the reply is
// written, through its `ResponseWriter`: Next's route.ts handlers return a web Response (`webResponseWriter`),
// our own server writes straight onto the Node response (features/core/server/host.ts).
// Per-request instrumentation hooks in here: `observed` opens it around the whole lifecycle (the in-flight
// gauge, the log context, the request's span when tracing is on) and `finish`, which sees every reply once,
// records it (metrics by operation, the span's status).

/** What the lifecycle hands a host to write: status, final headers (lower-case names), and the body. */
export interface Reply {
  status: number;
  headers: Record<string, string | string[]>;
  /** A JSON text (responses and problems): written as is, with its length. */
  text?: string;
  /** Any other body (a file, a stream), or none. */
  body?: BodyInit | null;
}

/** How a host writes a reply; `Out` is what its handler returns (a web Response on Next). */
export interface ResponseWriter<Out> {
  write(reply: Reply): Out;
}

/** Next (and any web-standard host): the reply as a web Response. */
export const webResponseWriter: ResponseWriter<Response> = {
  write: ({ status, headers, text, body }) =>
    new Response(text ?? body ?? null, { status, headers: webHeaders(headers) }),
};

export interface RequestContext {
  requestId: string;
  path: string;
}

type RawParams = Record<string, string | string[]>;

/** Serves one request for a path of the operation table, on either host. */
export function serveOperation<Out>(
  request: Request,
  entry: PathOperations,
  params: RawParams | Promise<RawParams> | undefined,
  writer: ResponseWriter<Out>,
): Promise<Out> {
  // The operation this request is for (HEAD is GET's): named by the contract in the metrics.
  const route = entry.operations.get(request.method);
  const operation = operationName(request.method, entry.allowed, route?.operationId);
  // 1. Request id: the client's when it is sane, else a new one; the response and every log line carry it.
  return observed(request, operation, entry.path, async (context, record) => {
    const started = performance.now();
    // Temporary files of the request (multipart parts), removed however the request ends.
    const disposables: (() => Promise<void>)[] = [];
    let reply: Reply;
    try {
      // 2. Preflight, or 405 for a method the path does not define.
      if (request.method === 'OPTIONS') reply = optionsReply(request, entry.allowed);
      else if (!route) throw methodNotAllowed(request.method, entry.allowed);
      else {
        // 3. Guard: the caller, or a DomainError (401, 403).
        const user = route.auth ? await route.auth.authenticate(request) : undefined;
        // 4. Parse: every request part against its schema; all field errors in one 422.
        const input = await parseRequest(route, request, (await params) ?? {}, disposables);
        // 5. Handler.
        const result = await route.handler({ ...input, user, request, requestId: context.requestId });
        // 6. Response check: a declared status, a body its schema accepts (and only the schema's fields).
        reply = await checkedReply(route, result, request);
      }
    } catch (error) {
      reply = problemReply(toProblem(error, context), context);
    } finally {
      if (disposables.length > 0) await Promise.allSettled(disposables.map((dispose) => dispose()));
    }
    // 7. Headers, 8. log and metrics, 9. write.
    return finish(request.method, request.headers.get('origin'), context, reply, writer, record, started);
  });
}

/**
 * Serves a request through a web handler of its own (next-auth), with the same id, headers, problems, log and
 * metrics; `operation` names it in the metrics.
 */
export function serveDelegated<Out>(
  request: Request,
  methods: readonly string[],
  operation: string,
  handle: (context: RequestContext) => Promise<Response>,
  writer: ResponseWriter<Out>,
): Promise<Out> {
  const name = operationName(request.method, methods, operation);
  return observed(request, name, undefined, async (context, record) => {
    const started = performance.now();
    let reply: Reply;
    try {
      if (request.method === 'OPTIONS') reply = optionsReply(request, methods);
      else if (!methods.includes(request.method)) throw methodNotAllowed(request.method, methods);
      else reply = replyOf(await handle(context));
    } catch (error) {
      reply = problemReply(toProblem(error, context), context);
    }
    return finish(request.method, request.headers.get('origin'), context, reply, writer, record, started);
  });
}

/** Every unknown /api path: a JSON 404 (and CORS preflights). */
export function serveNotFound<Out>(request: Request, writer: ResponseWriter<Out>): Promise<Out> {
  const known = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];
  return serveDelegated(
    request,
    known,
    'notFound',
    async ({ path }) => {
      throw new DomainError(
        'not_found',
        `No API operation at ${path}. The API is described at /api/openapi.json.`,
      );
    },
    writer,
  );
}

/**
 * A problem answered before any route runs (our own server: a malformed target, a body over the limit); in the
 * metrics under the operation it was bound for, or `rejected` when there is none.
 */
export function serveProblem<Out>(
  request: {
    method: string;
    path: string;
    requestId: string | undefined;
    origin: string | undefined;
    operation?: string;
  },
  problem: DomainError,
  writer: ResponseWriter<Out>,
): Out {
  const context: RequestContext = { requestId: requestIdFrom(request.requestId ?? null), path: request.path };
  const record = observeRequest(request.operation ?? 'rejected');
  try {
    return finish(
      request.method,
      request.origin ?? null,
      context,
      problemReply(problem, context),
      writer,
      record,
    );
  } finally {
    record(STATUS.INTERNAL_SERVER_ERROR); // no-op once finish recorded the reply
  }
}

// ── The per-request hook (issue 24), one piece: the request counts in flight (features/core/metrics) from
// here until `finish` records its reply by operation, and every line logged while it is handled — services,
// repositories, work they start — carries its requestId (the log context, features/core/logger), and its
// traceId when tracing is on: the request's span (features/core/tracing), named by the operation, is the
// parent of the database statements and heavy work run inside it. A reply never reached (a throw past the
// lifecycle's catch) still leaves the in-flight gauge and ends the span, counted as a 500. ──
async function observed<Out>(
  request: Request,
  operation: string,
  route: string | undefined,
  serve: (context: RequestContext, record: (status: number) => void) => Promise<Out>,
): Promise<Out> {
  const context = contextOf(request);
  const counted = observeRequest(operation);
  const span = startRequestSpan(operation, request, route);
  let ended = false;
  const record = span
    ? (status: number) => {
        counted(status);
        if (ended) return;
        ended = true;
        span.end(status);
      }
    : counted;
  try {
    if (!span) return await withLogContext({ requestId: context.requestId }, () => serve(context, record));
    return await withLogContext({ requestId: context.requestId, traceId: span.traceId }, () =>
      span.run(() => serve(context, record)),
    );
  } finally {
    record(STATUS.INTERNAL_SERVER_ERROR); // no-op once finish recorded the reply
  }
}

/** The metrics' name of a request: the contract's operation, or what the lifecycle answers in its place. */
function operationName(method: string, allowed: readonly string[], operation: string | undefined): string {
  if (method === 'OPTIONS') return 'preflight';
  if (operation === undefined || !allowed.includes(method)) return 'methodNotAllowed';
  return operation;
}

function finish<Out>(
  method: string,
  origin: string | null,
  context: RequestContext,
  reply: Reply,
  writer: ResponseWriter<Out>,
  record: (status: number) => void,
  started?: number,
): Out {
  // 7. The kernel's headers: request id, security headers, CORS (`Vary: Origin` after the handler's own).
  const headers = reply.headers;
  headers['x-request-id'] = context.requestId;
  for (const [name, value] of kernelSecurityHeaders()) headers[name] = value;
  headers.vary = headers.vary ? `${headers.vary}, Origin` : 'Origin';
  for (const [name, value] of corsHeaders(origin, allowedOrigins())) headers[name] = value;
  // 8. One log line per request.
  logger.info('request', {
    method,
    path: context.path,
    status: reply.status,
    ...(started === undefined ? {} : { durationMs: Math.round((performance.now() - started) * 100) / 100 }),
    requestId: context.requestId,
  });
  // The per-request hook's close: counted by operation and status class, latency observed, out of flight.
  record(reply.status);
  // 9. The host writes it.
  return writer.write(reply);
}

// --- the steps -------------------------------------------------------------------------------------------

function contextOf(request: Request): RequestContext {
  return { path: pathOf(request.url), requestId: requestIdFrom(request.headers.get('x-request-id')) };
}

function pathOf(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2);
  const end = url.indexOf('?', start);
  return start === -1 ? '/' : url.slice(start, end === -1 ? undefined : end);
}

/** Answer to OPTIONS: a CORS preflight, or a plain `Allow` listing. */
function optionsReply(request: Request, methods: readonly string[]): Reply {
  const headers: Record<string, string> = { allow: methods.join(', ') };
  if (request.headers.has('access-control-request-method')) {
    for (const [name, value] of preflightHeaders(request.headers.get('origin'), allowedOrigins(), methods))
      headers[name] = value;
  }
  return { status: STATUS.NO_CONTENT, headers };
}

function methodNotAllowed(method: string, allowed: readonly string[]): DomainError {
  return new DomainError(
    'method_not_allowed',
    `${method} is not supported here. Allowed: ${allowed.join(', ')}.`,
    { headers: { allow: allowed.join(', ') } },
  );
}

type Location = 'params' | 'query' | 'headers' | 'body';

/** Every request part checked against its schema (all 422 field errors reported together). */
async function parseRequest(
  route: AnyRoute,
  request: Request,
  rawParams: RawParams,
  disposables: (() => Promise<void>)[],
): Promise<{ params: unknown; query: unknown; headers: unknown; body: unknown }> {
  const spec = route.request;
  const errors: FieldError[] = [];
  const params = spec?.params ? validate(spec.params, rawParams, 'params', errors) : undefined;
  const query = spec?.query
    ? validate(spec.query, entriesToObject(new URL(request.url).searchParams.entries()), 'query', errors)
    : undefined;
  const headers = spec?.headers
    ? validate(spec.headers, headersObject(request), 'headers', errors)
    : undefined;
  let body: unknown;
  if (spec?.body) {
    const mediaTypes = spec.body.mediaTypes ?? ['application/json'];
    const raw = await readBody(request, mediaTypes, routeBodyLimit(route), {
      tempDir: getConfig().tempDir,
      disposables,
    });
    body = validate(spec.body.schema, raw, 'body', errors);
  }
  if (errors.length > 0) {
    throw new DomainError('invalid', 'The request has invalid fields; see `errors`.', { fields: errors });
  }
  return { params, query, headers, body };
}

function validate(schema: z.ZodType, value: unknown, location: Location, errors: FieldError[]): unknown {
  const nul = nulCharacterErrors(value, location);
  if (nul.length > 0) {
    for (const { path, message } of nul)
      errors.push({ in: location, field: path.slice(location.length + 1), message });
    return undefined;
  }
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    errors.push({ in: location, field: issue.path.map(String).join('.'), message: issue.message });
  }
  return undefined;
}

function headersObject(request: Request): Record<string, string> {
  const result: Record<string, string> = Object.create(null);
  request.headers.forEach((value, key) => {
    result[key] = value;
  });
  return result;
}

/** The handler's result checked against its status's contract; HEAD keeps the headers and drops the body. */
async function checkedReply(
  route: AnyRoute,
  result: { status: number; body?: unknown; headers?: Record<string, string> },
  request: Request,
): Promise<Reply> {
  const spec = route.responses[result.status];
  if (!spec) return responseBug(route, `status ${result.status} is not declared`);
  const headers = lowerCaseNames(result.headers);
  // An authenticated caller's response is personal: no cache keeps it unless the operation chose a policy.
  if (route.auth && headers['cache-control'] === undefined) headers['cache-control'] = 'no-store';
  const head = request.method === 'HEAD';
  if (spec.schema) {
    const checked = spec.schema.safeParse(result.body);
    if (!checked.success) {
      const where = checked.error.issues.map(
        (issue: z.core.$ZodIssue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
      );
      return responseBug(route, `body for ${result.status} breaks its schema (${where.join('; ')})`);
    }
    headers['content-type'] = spec.mediaType ?? 'application/json';
    // Parsed output, not the handler's object: unknown keys (a hash, an internal flag) are stripped.
    return head
      ? { status: result.status, headers }
      : { status: result.status, headers, text: JSON.stringify(checked.data) };
  }
  if (!spec.mediaType) return { status: result.status, headers };
  if (typeof result.body === 'function') {
    // A lazy body is opened only when it is sent: HEAD never opens the file or object.
    return { status: result.status, headers, body: head ? null : await (result.body as LazyBody)() };
  }
  if (head) {
    // Any stream the response will not send is cancelled, or its file descriptor or socket leaks.
    if (result.body instanceof ReadableStream) await result.body.cancel().catch(() => {});
    return { status: result.status, headers };
  }
  return { status: result.status, headers, body: result.body as BodyInit | null };
}

function responseBug(route: AnyRoute, reason: string): never {
  logger.error('response contract violated', { operationId: route.operationId, reason });
  throw new DomainError('internal', 'An unexpected error occurred.');
}

/** Anything thrown as the error the client gets: a DomainError as it is, anything else without its cause. */
function toProblem(error: unknown, context: RequestContext): DomainError {
  if (error instanceof DomainError) return error;
  if (isDatabaseUnavailable(error)) {
    logger.warn('database unavailable', { requestId: context.requestId, ...describeError(error) });
    return new DomainError('unavailable', 'The database is not answering; retry shortly.', { retryAfter: 5 });
  }
  logger.error('unhandled error', {
    requestId: context.requestId,
    path: context.path,
    ...describeError(error),
    stack: error instanceof Error ? error.stack?.split('\n').slice(1, 6).join(' | ') : undefined,
  });
  // Generic on purpose: the cause stays in the log, the client gets the id to quote.
  return new DomainError(
    'internal',
    `An unexpected error occurred. Quote request id ${context.requestId} when reporting it.`,
  );
}

function problemReply(error: DomainError, context: RequestContext): Reply {
  const { status, headers, body } = problemOf(error, context);
  headers['content-type'] = PROBLEM_CONTENT_TYPE;
  headers['cache-control'] = 'no-store';
  return { status, headers, text: JSON.stringify(body) };
}

// --- headers ---------------------------------------------------------------------------------------------

let origins: ReadonlySet<string> | undefined;
const allowedOrigins = () => {
  origins ??= new Set(getConfig().corsOrigins);
  return origins;
};
let securityHeaders: ReadonlyArray<readonly [string, string]> | undefined;
const kernelSecurityHeaders = () => {
  securityHeaders ??= apiSecurityHeaders(getConfig().isProduction);
  return securityHeaders;
};

function lowerCaseNames(headers: Record<string, string> | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  if (headers) for (const [name, value] of Object.entries(headers)) result[name.toLowerCase()] = value;
  return result;
}

/** A web Response from elsewhere (next-auth) as a reply; its cookies stay separate values. */
function replyOf(response: Response): Reply {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  return { status: response.status, headers, body: response.body };
}

function webHeaders(record: Record<string, string | string[]>): HeadersInit {
  const cookies = record['set-cookie'];
  if (cookies === undefined) return record as Record<string, string>;
  const headers = new Headers();
  for (const [name, value] of Object.entries(record)) {
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.set(name, value);
  }
  return headers;
}
