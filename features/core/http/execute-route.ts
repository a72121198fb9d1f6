import type { z } from 'zod';
import { getConfig } from '@/features/core/config/config';
import { logger } from '@/features/core/logger/logger';
import { ANONYMOUS_BODY_LIMIT_BYTES, DEFAULT_BODY_LIMIT_BYTES, entriesToObject, readBody } from './body';
import type { AnyRoute, LazyBody } from './define-route';
import { nulCharacterErrors } from './input-bounds';
import { jsonResponse } from './kernel';
import { HttpProblem } from './problem';
import { STATUS } from './status';

// Runs one operation from its definition: auth → parse and validate every request part (all 422 field
// errors reported together) → handler → response checked against its status's schema.

type Location = 'params' | 'query' | 'headers' | 'body';
type FieldError = { path: string; message: string };

function validate(schema: z.ZodType, value: unknown, location: Location, errors: FieldError[]): unknown {
  const nul = nulCharacterErrors(value, location);
  if (nul.length > 0) {
    errors.push(...nul);
    return undefined;
  }
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    errors.push({ path: [location, ...issue.path.map(String)].join('.'), message: issue.message });
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

/** The largest request body an operation accepts (our own server counts every body against it). */
export function routeBodyLimit(route: AnyRoute): number {
  const maxBytes = route.request?.body?.maxBytes;
  if (typeof maxBytes === 'function') return maxBytes();
  // Anonymous operations (register, token, revoke) take a much smaller body than signed-in ones.
  return maxBytes ?? (route.auth ? DEFAULT_BODY_LIMIT_BYTES : ANONYMOUS_BODY_LIMIT_BYTES);
}

export async function executeRoute(
  route: AnyRoute,
  request: Request,
  rawParams: Record<string, string | string[]>,
  requestId: string,
): Promise<Response> {
  const user = route.auth ? await route.auth.authenticate(request) : undefined;

  const spec = route.request;
  const errors: FieldError[] = [];
  const params = spec?.params ? validate(spec.params, rawParams, 'params', errors) : undefined;
  const query = spec?.query
    ? validate(spec.query, entriesToObject(new URL(request.url).searchParams.entries()), 'query', errors)
    : undefined;
  const headers = spec?.headers
    ? validate(spec.headers, headersObject(request), 'headers', errors)
    : undefined;
  // Temporary files of the request (multipart parts), removed however the request ends.
  const disposables: (() => Promise<void>)[] = [];
  try {
    let body: unknown;
    if (spec?.body) {
      const raw = await readBody(
        request,
        spec.body.mediaTypes ?? ['application/json'],
        routeBodyLimit(route),
        {
          tempDir: getConfig().tempDir,
          disposables,
        },
      );
      body = validate(spec.body.schema, raw, 'body', errors);
    }
    if (errors.length > 0) {
      throw new HttpProblem(STATUS.UNPROCESSABLE_CONTENT, 'The request has invalid fields; see `errors`.', {
        errors,
      });
    }

    const result = await route.handler({ params, query, headers, body, user, request, requestId });
    const response = await toResponse(route, result, request);
    // An authenticated caller's response is personal: no cache keeps it unless the operation chose a policy.
    if (route.auth && !response.headers.has('cache-control'))
      response.headers.set('cache-control', 'no-store');
    return response;
  } finally {
    if (disposables.length > 0) await Promise.allSettled(disposables.map((dispose) => dispose()));
  }
}

async function toResponse(
  route: AnyRoute,
  result: { status: number; body?: unknown; headers?: Record<string, string> },
  request: Request,
): Promise<Response> {
  const spec = route.responses[result.status];
  if (!spec) return responseBug(route, `status ${result.status} is not declared`);
  if (spec.schema) {
    const checked = spec.schema.safeParse(result.body);
    if (!checked.success) {
      const where = checked.error.issues.map(
        (issue: z.core.$ZodIssue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
      );
      return responseBug(route, `body for ${result.status} breaks its schema (${where.join('; ')})`);
    }
    // Parsed output, not the handler's object: unknown keys (a hash, an internal flag) are stripped.
    return jsonResponse(request, JSON.stringify(checked.data), {
      status: result.status,
      headers: { ...result.headers, 'content-type': spec.mediaType ?? 'application/json' },
    });
  }
  if (spec.mediaType) {
    const body =
      typeof result.body === 'function'
        ? request.method === 'HEAD'
          ? null
          : await (result.body as LazyBody)()
        : result.body;
    return new Response(body as BodyInit | null, { status: result.status, headers: result.headers });
  }
  return new Response(null, { status: result.status, headers: result.headers });
}

function responseBug(route: AnyRoute, reason: string): never {
  logger.error('response contract violated', { operationId: route.operationId, reason });
  throw new HttpProblem(STATUS.INTERNAL_SERVER_ERROR, 'An unexpected error occurred.', {
    title: 'Internal Server Error',
  });
}
