import type { AnyRoute, HttpMethod } from './define-route';
import { executeRoute } from './execute-route';
import { optionsResponse, runRequest } from './kernel';
import { HttpProblem } from './problem';
import { STATUS } from './status';

// A feature's router lists its operations; `app/api/**/route.ts` only wires a path's handlers:
//   export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = healthRouter.handlers('/api/health');

type RouteContext = { params?: Promise<Record<string, string | string[]>> };
type NextHandler = (request: Request, context: RouteContext) => Promise<Response>;
const ALL_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
export type RouteHandlers = Record<(typeof ALL_METHODS)[number], NextHandler>;

export interface Router {
  readonly routes: readonly AnyRoute[];
  handlers(path: AnyRoute['path']): RouteHandlers;
}

export function createRouter(routes: readonly AnyRoute[]): Router {
  return {
    routes,
    handlers(path) {
      const operations = new Map<string, AnyRoute>();
      for (const route of routes) if (route.path === path) operations.set(route.method, route);
      if (operations.size === 0) throw new Error(`No operation is defined for ${path}`);
      if (operations.has('GET')) operations.set('HEAD', operations.get('GET') as AnyRoute);
      const allowed = [...operations.keys(), 'OPTIONS'].sort();
      return Object.fromEntries(
        ALL_METHODS.map((method) => [method, methodHandler(method, operations.get(method), allowed)]),
      ) as RouteHandlers;
    },
  };
}

function methodHandler(method: string, route: AnyRoute | undefined, allowed: string[]): NextHandler {
  return (request, context) =>
    runRequest(
      request,
      async ({ requestId }) => {
        if (method === 'OPTIONS') return optionsResponse(request, allowed);
        if (!route) throw methodNotAllowed(method, allowed);
        const response = await executeRoute(route, request, (await context?.params) ?? {}, requestId);
        if (method !== 'HEAD') return response;
        // Any stream the response will not send is cancelled, or its file descriptor or socket leaks.
        await response.body?.cancel().catch(() => {});
        return new Response(null, response);
      },
      method === 'OPTIONS' ? 'preflight' : (route?.operationId ?? 'methodNotAllowed'),
    );
}

export function methodNotAllowed(method: string, allowed: readonly string[]): HttpProblem {
  return new HttpProblem(
    STATUS.METHOD_NOT_ALLOWED,
    `${method} is not supported here. Allowed: ${allowed.join(', ')}.`,
    {
      headers: { allow: allowed.join(', ') },
    },
  );
}

/** Handlers for `app/api/[...path]`: every unknown /api path answers a JSON 404 (and CORS preflights). */
export function notFoundHandlers(): RouteHandlers {
  const known: HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
  const handler: NextHandler = (request) =>
    runRequest(
      request,
      async ({ path }) => {
        if (request.method === 'OPTIONS') return optionsResponse(request, [...known, 'HEAD', 'OPTIONS']);
        throw new HttpProblem(
          STATUS.NOT_FOUND,
          `No API operation at ${path}. The API is described at /api/openapi.json.`,
        );
      },
      'notFound',
    );
  return Object.fromEntries(ALL_METHODS.map((method) => [method, handler])) as RouteHandlers;
}
