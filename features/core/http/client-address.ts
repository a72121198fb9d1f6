import { isIP } from 'node:net';

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

/**
 * The budget an address counts against in per-address limits: an IPv4 address itself, an IPv6 address its /64
 * (one subscriber's prefix — each of its 2^64 addresses is no new budget). Anything else is kept as it is.
 */
export function addressBudget(address: string): string {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (isIP(bare) !== 6) return address;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped?.[1]) return mapped[1];
  return `${expandIpv6(bare).slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address, lower-case, without leading zeros (an embedded IPv4 tail in two). */
function expandIpv6(address: string): string[] {
  let text = address.toLowerCase();
  const ipv4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (ipv4) {
    const [a, b, c, d] = ipv4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, ipv4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const missing = tail === undefined ? 0 : 8 - left.length - right.length;
  return [...left, ...Array.from({ length: missing }, () => '0'), ...right].map((group) =>
    Number.parseInt(group, 16).toString(16),
  );
}
