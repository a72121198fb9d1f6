// The request target, checked before anything routes on it. Next answers a malformed percent-escape with a
// plain-text 500 and resolves `%2e%2e` segments before routing; our server refuses both up front with a
// problem, so a path is either one the routes understand or a 400.

export interface Target {
  /** The path as sent (still percent-encoded). */
  pathname: string;
  /** `?…` or ''. */
  search: string;
  /** Decoded path segments (the first, before the leading `/`, dropped). */
  segments: string[];
}

export type TargetResult = { ok: true; target: Target } | { ok: false; reason: string; path: string };

const PERCENT_ESCAPE = /%(?![0-9A-Fa-f]{2})/;
// Controls (NUL included) have no business in a path once decoded.
// biome-ignore lint/suspicious/noControlCharactersInRegex: that is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

export function parseTarget(raw: string | undefined): TargetResult {
  const url = raw ?? '/';
  const queryAt = url.indexOf('?');
  const pathname = queryAt === -1 ? url : url.slice(0, queryAt);
  const search = queryAt === -1 ? '' : url.slice(queryAt);
  const fail = (reason: string): TargetResult => ({ ok: false, reason, path: safePath(pathname) });
  if (!pathname.startsWith('/')) return fail('The request target must be an absolute path.');
  const rawSegments = pathname.split('/');
  rawSegments.shift();
  if (!pathname.includes('%')) {
    for (const segment of rawSegments) {
      if (segment === '.' || segment === '..') return fail('The path may not contain dot-segments.');
    }
    return { ok: true, target: { pathname, search, segments: rawSegments } };
  }
  if (PERCENT_ESCAPE.test(pathname)) return fail('The path has a malformed percent-escape.');
  const segments: string[] = [];
  for (const segment of rawSegments) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return fail('The path does not decode as UTF-8.');
    }
    if (decoded === '.' || decoded === '..') return fail('The path may not contain dot-segments.');
    if (CONTROL.test(decoded)) return fail('The path may not contain control characters.');
    segments.push(decoded);
  }
  return { ok: true, target: { pathname, search, segments } };
}

/** The path for the problem's `instance`: only characters that are safe to echo. */
function safePath(pathname: string): string {
  return pathname.replace(/[^A-Za-z0-9\-._~!$&'()*+,;=:@/%]/g, '');
}
