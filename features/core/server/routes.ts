import type { AnyRoute } from '@/features/core/http/define-route';
import type { RouteHandlers, Router } from '@/features/core/http/router';

// The routing table of our own server, built from the same router list as app/api (app/api/routers.ts):
// each path template maps to the very handlers its route.ts exports (`router.handlers(path)`), so the two
// hosts serve one set of operations and cannot drift.

export interface RouteEntry {
  path: string;
  handlers: RouteHandlers;
  /** Operations by method (HEAD → GET's), for the body limit. */
  operations: ReadonlyMap<string, AnyRoute>;
}

export interface RouteMatch {
  entry: RouteEntry;
  params: Record<string, string>;
}

interface Pattern {
  /** A literal segment, or null for a `{param}`. */
  segments: (string | null)[];
  names: string[];
  entry: RouteEntry;
}

export interface RouteTable {
  readonly entries: readonly RouteEntry[];
  match(segments: readonly string[]): RouteMatch | undefined;
}

export function createRouteTable(routers: readonly Router[]): RouteTable {
  const exact = new Map<string, RouteEntry>();
  const patterns: Pattern[] = [];
  const entries: RouteEntry[] = [];
  for (const router of routers) {
    const paths = [...new Set(router.routes.map((route) => route.path))];
    for (const path of paths) {
      const operations = new Map<string, AnyRoute>();
      for (const route of router.routes) if (route.path === path) operations.set(route.method, route);
      const get = operations.get('GET');
      if (get) operations.set('HEAD', get);
      const entry: RouteEntry = { path, handlers: router.handlers(path), operations };
      entries.push(entry);
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
  }
  // A literal segment wins over a parameter at the same position (as in Next's file routing).
  patterns.sort((a, b) => specificity(b) - specificity(a));

  return {
    entries,
    match(segments) {
      const hit = exact.get(segments.join('/'));
      if (hit) return { entry: hit, params: {} };
      for (const pattern of patterns) {
        if (pattern.segments.length !== segments.length) continue;
        const values: string[] = [];
        let matched = true;
        for (let i = 0; i < segments.length; i++) {
          const literal = pattern.segments[i];
          const segment = segments[i] as string;
          if (literal === null) {
            if (segment === '') {
              matched = false;
              break;
            }
            values.push(segment);
          } else if (literal !== segment) {
            matched = false;
            break;
          }
        }
        if (!matched) continue;
        const params: Record<string, string> = {};
        pattern.names.forEach((name, index) => {
          params[name] = values[index] as string;
        });
        return { entry: pattern.entry, params };
      }
      return undefined;
    },
  };
}

function specificity(pattern: Pattern): number {
  return pattern.segments.reduce<number>(
    (score, segment, index) => score + (segment === null ? 0 : 2 ** -index),
    0,
  );
}
