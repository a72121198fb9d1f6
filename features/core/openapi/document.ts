import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import type { AnyRoute, ResponseSpec } from '@/features/core/http/define-route';
import { PROBLEM_CONTENT_TYPE, ProblemSchema } from '@/features/core/http/problem';
import { STATUS, STATUS_TITLES } from '@/features/core/http/status';

// The OpenAPI 3.1 document, derived from the route contracts in memory: no source file is read at run time,
// so `next dev`, `next start` and a standalone build serve the same document.

export interface DocumentOptions {
  tags: { name: string; description: string }[];
  securitySchemes?: Record<string, Record<string, unknown>>;
}

const REQUEST_ID_HEADER = {
  'X-Request-Id': {
    description:
      'The request id (echoed from the request when sane, generated otherwise); quote it when reporting a problem',
    schema: { type: 'string' as const },
  },
};

const KERNEL_PROBLEMS: Record<number, string> = {
  [STATUS.BAD_REQUEST]:
    'The request is malformed: its target (a malformed escape, invalid UTF-8, a NUL or dot-segment in a path parameter) or its body (invalid JSON, invalid UTF-8, unparsable form)',
  [STATUS.UNAUTHORIZED]: 'Not authenticated: no, an expired or an invalid credential',
  [STATUS.PAYLOAD_TOO_LARGE]: 'The body exceeds the operation’s size limit',
  [STATUS.UNSUPPORTED_MEDIA_TYPE]: 'The Content-Type is not one the operation accepts',
  [STATUS.UNPROCESSABLE_CONTENT]:
    'A parameter, query value, header or body field is invalid; `errors` lists each',
  [STATUS.INTERNAL_SERVER_ERROR]: 'An unexpected error; the body carries only the request id to quote',
  [STATUS.SERVICE_UNAVAILABLE]:
    'The database is not answering, or the server is at capacity for heavy work (password checks, images); retry after `Retry-After` seconds',
};

/** Every problem status an operation can answer, from what its contract declares. */
export function problemStatuses(route: AnyRoute): number[] {
  // Any operation can meet a malformed request target (`/api/products/a%00b`): 400 before any route runs.
  const statuses = new Set<number>([
    STATUS.BAD_REQUEST,
    STATUS.INTERNAL_SERVER_ERROR,
    ...(route.problems ?? []),
  ]);
  const request = route.request ?? {};
  if (request.body) {
    for (const status of [STATUS.PAYLOAD_TOO_LARGE, STATUS.UNSUPPORTED_MEDIA_TYPE]) statuses.add(status);
  }
  if (request.body || request.params || request.query || request.headers)
    statuses.add(STATUS.UNPROCESSABLE_CONTENT);
  if (route.auth) statuses.add(STATUS.UNAUTHORIZED);
  if (route.auth || request.body) statuses.add(STATUS.SERVICE_UNAVAILABLE);
  for (const declared of Object.keys(route.responses)) statuses.delete(Number(declared));
  return [...statuses].sort((a, b) => a - b);
}

function registerRoute(registry: OpenAPIRegistry, route: AnyRoute): void {
  const responses: Record<string, unknown> = {};
  for (const [status, spec] of Object.entries(route.responses as Record<string, ResponseSpec>)) {
    const mediaType = spec.mediaType ?? 'application/json';
    responses[status] = {
      description: spec.description,
      headers: { ...REQUEST_ID_HEADER, ...spec.headers },
      ...(spec.schema
        ? { content: { [mediaType]: { schema: spec.schema } } }
        : spec.mediaType
          ? { content: { [mediaType]: { schema: { type: 'string', format: 'binary' } } } }
          : {}),
    };
  }
  for (const status of problemStatuses(route)) {
    responses[String(status)] = {
      description: KERNEL_PROBLEMS[status] ?? STATUS_TITLES[status] ?? 'Problem',
      headers: REQUEST_ID_HEADER,
      content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemSchema } },
    };
  }
  const body = route.request?.body;
  registry.registerPath({
    method: route.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete',
    path: route.path,
    operationId: route.operationId,
    summary: route.summary,
    description: route.description,
    tags: route.tags,
    // Public operations say so explicitly (`security: []`), so a missing guard is visible in the document.
    security: route.auth ? route.auth.security : [],
    request: {
      params: route.request?.params,
      query: route.request?.query,
      headers: route.request?.headers,
      ...(body
        ? {
            body: {
              description: body.description,
              required: body.required ?? true,
              content: Object.fromEntries(
                (body.mediaTypes ?? ['application/json']).map((mediaType: string) => [
                  mediaType,
                  { schema: body.schema },
                ]),
              ),
            },
          }
        : {}),
    },
    // biome-ignore lint/suspicious/noExplicitAny: zod-to-openapi's response config type is narrower than the plain object built above
    responses: responses as any,
  });
}

/** The contract's version (the product plan's 1.0.0), not the package's: clients pin to this. */
export const API_VERSION = '1.0.0';
export const API_TITLE = 'Stylipp API';

export function buildOpenApiDocument(routes: readonly AnyRoute[], options: DocumentOptions) {
  const ids = new Set<string>();
  for (const route of routes) {
    if (ids.has(route.operationId)) throw new Error(`Duplicate operationId ${route.operationId}`);
    ids.add(route.operationId);
  }
  const registry = new OpenAPIRegistry();
  for (const [name, scheme] of Object.entries(options.securitySchemes ?? {})) {
    // biome-ignore lint/suspicious/noExplicitAny: security scheme objects are passed through as written
    registry.registerComponent('securitySchemes', name, scheme as any);
  }
  for (const route of routes) registerRoute(registry, route);
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: API_TITLE,
      version: API_VERSION,
      description:
        'The API of Stylipp, a swipe-based fashion-discovery app. JSON in and out (camelCase); every error is ' +
        'RFC 9457 `application/problem+json`; every response carries `X-Request-Id`.',
      license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
    },
    servers: [{ url: '/', description: 'This server' }],
    tags: options.tags,
  });
}
