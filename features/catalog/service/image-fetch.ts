import { lookup as dnsLookup } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';

// Fetching a store's image by URL without becoming an SSRF proxy: http/https only; the host is resolved by
// us, every resolved address is checked (loopback, private, link-local, metadata, CGNAT, multicast, reserved
// are refused unless private targets are allowed), and the connection is pinned to the address we checked
// (the socket connects to what our lookup returned, so a DNS answer cannot change between check and
// connect). Redirects are followed by hand, each hop checked the same way. The body is counted while it
// streams (never buffered past the limit) and the whole exchange has one deadline.

export interface FetchImageOptions {
  allowPrivate: boolean;
  maxBytes: number;
  timeoutMs: number;
  maxRedirects?: number;
}

/** Why a fetch failed; `retryable` says whether the same request may succeed later. */
export class ImageFetchError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'ImageFetchError';
  }
}

const blocked = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this" network
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata (169.254.169.254)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  blocked.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  // ::/96 (unspecified, loopback, IPv4-compatible) and ::ffff:0:0/96 (IPv4-mapped) are judged in
  // isPrivateAddress: in a BlockList an IPv6 rule over them would match plain IPv4 addresses too.
  ['64:ff9b::', 96], // NAT64
  ['64:ff9b:1::', 48], // local NAT64
  ['100::', 64], // discard
  ['2001::', 23], // IETF protocol assignments (Teredo, ORCHID, …)
  ['2001:db8::', 32], // documentation
  ['2002::', 16], // 6to4 (embeds any IPv4 address)
  ['fc00::', 7], // unique local (includes AWS metadata fd00:ec2::254)
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const) {
  blocked.addSubnet(network, prefix, 'ipv6');
}

/** `::ffff:a.b.c.d` (or its hex form `::ffff:7f00:1`) → `a.b.c.d`; undefined for other addresses. */
function mappedIpv4(address: string): string | undefined {
  const hostname = new URL(`http://[${address}]/`).hostname; // normalised: [::ffff:7f00:1]
  const match = /^\[::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})\]$/.exec(hostname);
  if (!match) return undefined;
  const high = Number.parseInt(match[1] as string, 16);
  const low = Number.parseInt(match[2] as string, 16);
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

/** True for addresses an image fetch must never reach in production. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true; // not an address at all: refuse
  if (family === 4) return blocked.check(address, 'ipv4');
  // An IPv4-mapped IPv6 address reaches the IPv4 address inside it: the whole ::ffff:0:0/96 is refused (judged
  // here, as the written form may be the dotted one that BlockList reads as IPv4).
  if (mappedIpv4(address) !== undefined) return true;
  // ::/96: the unspecified address, loopback and the deprecated IPv4-compatible form (::a.b.c.d), which some
  // stacks still route to the IPv4 address.
  if (/^\[::(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4})?)?\]$/.test(new URL(`http://[${address}]/`).hostname))
    return true;
  return blocked.check(address, 'ipv6');
}

/** A DNS lookup that refuses the host when any of its addresses is private, and pins the first one. */
function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { all: true, verbatim: true, family: options.family }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const list = addresses as { address: string; family: number }[];
      const first = list[0];
      if (!first) return callback(new Error(`no address for ${hostname}`), '', 0);
      if (!allowPrivate && list.some(({ address }) => isPrivateAddress(address))) {
        return callback(new RefusedAddressError(hostname), '', 0);
      }
      if (options.all) return callback(null, [first] as never, first.family);
      callback(null, first.address, first.family);
    });
  };
}

class RefusedAddressError extends Error {
  readonly code = 'ESTYLIPPREFUSED';
  constructor(hostname: string) {
    super(`${hostname} resolves to a private, loopback or link-local address`);
  }
}

/** Checks a URL before any connection: scheme, and a literal IP host (no DNS lookup happens for those). */
function checkTarget(url: URL, allowPrivate: boolean): void {
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ImageFetchError(`only http and https image URLs are fetched (got ${url.protocol})`, false);
  if (url.username || url.password)
    throw new ImageFetchError('image URLs with credentials are refused', false);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0 && !allowPrivate && isPrivateAddress(host))
    throw new ImageFetchError('the image URL points at a private, loopback or link-local address', false);
}

interface Hop {
  status: number;
  location?: string;
  bytes?: Buffer;
}

function requestOnce(url: URL, options: FetchImageOptions, signal: AbortSignal): Promise<Hop> {
  return new Promise((resolve, reject) => {
    const client = url.protocol === 'https:' ? https : http;
    const request = client.request(
      url,
      {
        method: 'GET',
        lookup: guardedLookup(options.allowPrivate),
        signal,
        headers: { accept: 'image/jpeg, image/png, image/webp', 'user-agent': 'StylippImageFetcher/1.0' },
        agent: false,
      },
      (response) => {
        const status = response.statusCode ?? 0;
        if (status >= 300 && status < 400 && response.headers.location) {
          response.resume();
          return resolve({ status, location: response.headers.location });
        }
        if (status !== 200) {
          response.resume();
          return resolve({ status });
        }
        const declared = Number(response.headers['content-length'] ?? Number.NaN);
        if (declared > options.maxBytes) {
          response.destroy();
          return reject(new ImageFetchError(`the image is larger than ${options.maxBytes} bytes`, false));
        }
        const chunks: Buffer[] = [];
        let received = 0;
        response.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received > options.maxBytes) {
            response.destroy();
            reject(new ImageFetchError(`the image is larger than ${options.maxBytes} bytes`, false));
            return;
          }
          chunks.push(chunk);
        });
        response.on('end', () => resolve({ status, bytes: Buffer.concat(chunks) }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end();
  });
}

function describeFailure(error: unknown, timedOut: boolean): ImageFetchError {
  if (error instanceof ImageFetchError) return error;
  if (timedOut) return new ImageFetchError('the image fetch timed out', true);
  const code = (error as { code?: string }).code;
  if (code === 'ESTYLIPPREFUSED')
    return new ImageFetchError('the image host resolves to a private, loopback or link-local address', false);
  if (code === 'ENOTFOUND') return new ImageFetchError('the image host does not resolve', true);
  return new ImageFetchError(`the image could not be fetched (${code ?? 'network error'})`, true);
}

/** GETs an image: the bytes, or an ImageFetchError (never a connection to a refused address). */
export async function fetchImage(rawUrl: string, options: FetchImageOptions): Promise<Buffer> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, options.timeoutMs);
  try {
    let url = new URL(rawUrl);
    for (let hop = 0; hop <= (options.maxRedirects ?? 3); hop++) {
      checkTarget(url, options.allowPrivate);
      const result = await requestOnce(url, options, controller.signal);
      if (result.location !== undefined) {
        url = new URL(result.location, url);
        continue;
      }
      if (result.bytes) return result.bytes;
      const retryable = result.status >= 500 || result.status === 429 || result.status === 408;
      throw new ImageFetchError(`the image URL answered HTTP ${result.status}`, retryable);
    }
    throw new ImageFetchError('too many redirects', false);
  } catch (error) {
    throw describeFailure(error, timedOut);
  } finally {
    clearTimeout(timer);
  }
}
