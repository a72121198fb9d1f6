import type { AnyRoute } from './define-route';

// The operations of the API by path, built once from the route list (app/api/operations.ts) and shared by both
// hosts: Next's route.ts files take a path's handlers from it, our own server matches request targets against
// it. So the two hosts serve one set of operations and cannot drift.

/** Every method a path answers through the lifecycle (anything else is Next's to answer). */
export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** The operations of one path template. */
export interface PathOperations {
  path: string;
  /** Operations by method; HEAD is GET's. */
  operations: ReadonlyMap<string, AnyRoute>;
  /** What `Allow` lists: the operations' methods and OPTIONS, sorted. */
  allowed: readonly string[];
}

export interface OperationMatch {
  entry: PathOperations;
  params: Record<string, string>;
}

export interface OperationTable {
  readonly entries: readonly PathOperations[];
  /** The operations of a path template (`/api/uploads/{id}`); throws for a path no operation defines. */
  get(path: string): PathOperations;
  /** The path template a request target's decoded segments match, with its parameters. */
  match(segments: readonly string[]): OperationMatch | undefined;
}

interface Pattern {
  /** A literal segment, or null for a `{param}`. */
  segments: (string | null)[];
  names: string[];
  entry: PathOperations;
}

export function createOperationTable(routes: readonly AnyRoute[]): OperationTable {
  const byPath = new Map<string, PathOperations>();
  const exact = new Map<string, PathOperations>();
  const patterns: Pattern[] = [];
  for (const path of new Set(routes.map((route) => route.path))) {
    const entry = pathOperations(routes, path);
    byPath.set(path, entry);
    const parts = path.split('/').slice(1);
    if (!path.includes('{')) {
      exact.set(parts.join('/'), entry);
      continue;
    }
    const names: string[] = [];
    const segments = parts.map((part) => {
      const name = /^\{(\w+)\}$/.exec(part)?.[1];
      if (name) names.push(name);
      return name ? null : part;
    });
    patterns.push({ segments, names, entry });
  }
  // A literal segment wins over a parameter at the same position (as in Next's file routing).
  patterns.sort((a, b) => specificity(b) - specificity(a));

  return {
    entries: [...byPath.values()],
    get(path) {
      const entry = byPath.get(path);
      if (!entry) throw new Error(`No operation is defined for ${path}`);
      return entry;
    },
    match(segments) {
      const hit = exact.get(segments.join('/'));
      if (hit) return { entry: hit, params: {} };
      for (const pattern of patterns) {
        const params = matchPattern(pattern, segments);
        if (params) return { entry: pattern.entry, params };
      }
      return undefined;
    },
  };
}

function pathOperations(routes: readonly AnyRoute[], path: string): PathOperations {
  const operations = new Map<string, AnyRoute>();
  for (const route of routes) if (route.path === path) operations.set(route.method, route);
  const get = operations.get('GET');
  if (get) operations.set('HEAD', get);
  return { path, operations, allowed: [...operations.keys(), 'OPTIONS'].sort() };
}

function matchPattern(pattern: Pattern, segments: readonly string[]): Record<string, string> | undefined {
  if (pattern.segments.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  let name = 0;
  for (let i = 0; i < segments.length; i++) {
    const literal = pattern.segments[i];
    const segment = segments[i] as string;
    if (literal === null) {
      if (segment === '') return undefined;
      params[pattern.names[name++] as string] = segment;
    } else if (literal !== segment) {
      return undefined;
    }
  }
  return params;
}

function specificity(pattern: Pattern): number {
  return pattern.segments.reduce<number>(
    (score, segment, index) => score + (segment === null ? 0 : 2 ** -index),
    0,
  );
}
