// The security headers of every response, in one place. The request lifecycle (lifecycle.ts) sets them on every /api
// response on both hosts — our own server and any Next host — and next.config.ts sets the same values for
// Next's own answers (pages, /docs, assets), so no host can drift.

/** `hsts`: production only (browsers ignore it over plain http; `next dev` must not pin localhost to https). */
export function securityHeaders(hsts: boolean): ReadonlyArray<readonly [string, string]> {
  return [
    ['x-content-type-options', 'nosniff'],
    ['referrer-policy', 'no-referrer'],
    ['x-frame-options', 'DENY'],
    ...(hsts ? [['strict-transport-security', 'max-age=63072000; includeSubDomains'] as const] : []),
  ];
}

/** API responses are data, never documents: nothing may load or frame them. */
export const API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'";

/** Every header an /api response carries, for the kernel. */
export function apiSecurityHeaders(hsts: boolean): ReadonlyArray<readonly [string, string]> {
  return [...securityHeaders(hsts), ['content-security-policy', API_CONTENT_SECURITY_POLICY]];
}
