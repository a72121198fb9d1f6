// CORS per docs/architecture.md §3: allow-list from config, credentials only for allowed origins, `Vary: Origin`
// always, and nothing at all for other origins.

export const ALLOWED_REQUEST_HEADERS = 'Authorization, Content-Type, If-None-Match, X-Request-Id';
const EXPOSED_HEADERS = 'Location, Retry-After, WWW-Authenticate, X-Request-Id, ETag';
const PREFLIGHT_MAX_AGE_SECONDS = '600';

export function isAllowedOrigin(origin: string | null, allowed: ReadonlySet<string>): origin is string {
  return origin !== null && allowed.has(origin);
}

/** The CORS headers of an actual (non-preflight) response, besides `Vary: Origin`. */
export function corsHeaders(
  origin: string | null,
  allowed: ReadonlySet<string>,
): ReadonlyArray<readonly [string, string]> {
  if (!isAllowedOrigin(origin, allowed)) return [];
  return [
    ['access-control-allow-origin', origin],
    ['access-control-allow-credentials', 'true'],
    ['access-control-expose-headers', EXPOSED_HEADERS],
  ];
}

/** Preflight-only headers (`OPTIONS` with `Access-Control-Request-Method`); the lifecycle adds the rest. */
export function preflightHeaders(
  origin: string | null,
  allowed: ReadonlySet<string>,
  methods: readonly string[],
): ReadonlyArray<readonly [string, string]> {
  if (!isAllowedOrigin(origin, allowed)) return [];
  return [
    ['access-control-allow-methods', methods.join(', ')],
    ['access-control-allow-headers', ALLOWED_REQUEST_HEADERS],
    ['access-control-max-age', PREFLIGHT_MAX_AGE_SECONDS],
  ];
}
