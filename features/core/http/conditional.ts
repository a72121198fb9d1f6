// Conditional GET (RFC 9110 §13.1.2): does an If-None-Match header name the current strong ETag?

/** True when `ifNoneMatch` lists `etag` (weak comparison, as If-None-Match requires) or is `*`. */
export function matchesIfNoneMatch(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  const presented = ifNoneMatch.split(',').map((tag) => tag.trim().replace(/^W\//, ''));
  return presented.includes('*') || presented.includes(etag);
}
