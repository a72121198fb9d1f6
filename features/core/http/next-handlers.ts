import { serveNotFound, serveOperation, webResponseWriter } from './lifecycle';
import { HTTP_METHODS, type PathOperations } from './operation-table';

// The Next adapter: a path's handlers as app/api's route.ts files export them, each one call of the
// lifecycle with the web writer (our own server makes the same call with its Node writer).
//   export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = handlers('/api/health');

type RouteContext = { params?: Promise<Record<string, string | string[]>> };
type NextHandler = (request: Request, context: RouteContext) => Promise<Response>;
export type RouteHandlers = Record<(typeof HTTP_METHODS)[number], NextHandler>;

// One function per method export (Next reads each export on its own; the lifecycle dispatches on the method).
const everyMethod = (handler: NextHandler) =>
  Object.fromEntries(
    HTTP_METHODS.map((method) => [
      method,
      (request: Request, context: RouteContext) => handler(request, context),
    ]),
  ) as RouteHandlers;

/** The handlers of one path of the operation table (the lifecycle dispatches on the method). */
export function nextRouteHandlers(entry: PathOperations): RouteHandlers {
  return everyMethod((request, context) =>
    serveOperation(request, entry, context?.params, webResponseWriter),
  );
}

/** Handlers for `app/api/[...path]`: every unknown /api path answers a JSON 404 (and CORS preflights). */
export const notFoundHandlers: RouteHandlers = everyMethod((request) =>
  serveNotFound(request, webResponseWriter),
);

/** Handlers that hand a request to a web handler of its own (next-auth) inside the lifecycle. */
export function delegatedHandlers(handler: NextHandler): RouteHandlers {
  return everyMethod(handler);
}
