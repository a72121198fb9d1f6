// The caller's address (rate limits key on it).
//
// Our own server (`npm start`, features/core/server) sees the socket: it resolves the address with
// `resolveClientAddress` and hands every request on — to its own routes and to Next's handler alike — with
// `X-Forwarded-For` replaced by that one address. Route code therefore always reads it the same way,
// `clientAddress(request)`. Under `next start` (no socket access in route handlers) the rightmost entry is
// the best there is: Next fills the header with the peer address only when it is absent.
export function clientAddress(request: Pick<Request, 'headers'>): string {
  const forwarded = request.headers.get('x-forwarded-for');
  const last = forwarded?.split(',').at(-1)?.trim();
  return last || 'unknown';
}

/**
 * The client of a connection from `socketAddress` carrying `forwardedFor`, when `trustedProxies` reverse
 * proxies stand in front of us: each trusted hop appended the address it saw, so counting from the right,
 * the entry written by the outermost trusted proxy is the client; anything further left is the caller's own
 * claim. With 0 trusted proxies the header is ignored.
 */
export function resolveClientAddress(
  socketAddress: string | undefined,
  forwardedFor: string | string[] | undefined,
  trustedProxies: number,
): string {
  const peer = unmapIpv4(socketAddress) ?? 'unknown';
  if (trustedProxies === 0 || forwardedFor === undefined) return peer;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor)
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (hops.length === 0) return peer;
  // hops[len-1] is what the nearest (trusted) proxy saw; believe `trustedProxies` entries from the right.
  return unmapIpv4(hops[Math.max(0, hops.length - trustedProxies)]) ?? peer;
}

function unmapIpv4(address: string | undefined): string | undefined {
  return address?.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
