import { expect, test } from '@playwright/test';
import { featureRoutes, openApi, operationTable } from '@/app/api/operations';
import { resolveClientAddress } from '@/features/core/http/client-address';
import { parseTarget } from '@/features/core/server/target';

// Our own server's pure parts: the client address, the request-target check, the operation table.

test.describe('resolveClientAddress', () => {
  test('with no trusted proxy the socket peer is the client, whatever X-Forwarded-For claims', () => {
    expect(resolveClientAddress('192.0.2.7', '203.0.113.9', 0)).toBe('192.0.2.7');
    expect(resolveClientAddress('::ffff:192.0.2.7', undefined, 0)).toBe('192.0.2.7');
    expect(resolveClientAddress(undefined, undefined, 0)).toBe('unknown');
  });

  test('each trusted hop vouches for the entry it appended, counted from the right', () => {
    // client → proxy A (appends client) → proxy B (appends A) → us; the caller prepended a lie.
    const header = 'spoofed, 198.51.100.4, 10.0.0.2';
    expect(resolveClientAddress('10.0.0.3', header, 1)).toBe('10.0.0.2');
    expect(resolveClientAddress('10.0.0.3', header, 2)).toBe('198.51.100.4');
    // More trusted hops than entries: the leftmost is the best there is.
    expect(resolveClientAddress('10.0.0.3', '198.51.100.4', 3)).toBe('198.51.100.4');
    // Repeated headers count as one list; an empty header falls back to the peer.
    expect(resolveClientAddress('10.0.0.3', ['a, b', 'c'], 1)).toBe('c');
    expect(resolveClientAddress('10.0.0.3', ' , ', 1)).toBe('10.0.0.3');
  });
});

test.describe('parseTarget', () => {
  test('decodes segments and keeps the query apart', () => {
    const result = parseTarget('/api/uploads/%61b?x=%ZZ');
    expect(result).toEqual({
      ok: true,
      target: { pathname: '/api/uploads/%61b', search: '?x=%ZZ', segments: ['api', 'uploads', 'ab'] },
    });
  });

  test('refuses malformed escapes, invalid UTF-8, dot-segments, controls and non-paths', () => {
    for (const bad of [
      '/a/%E0%A4%A',
      '/a/%',
      '/a/%G1',
      '/%FF',
      '/%C0%AF',
      '/a/../b',
      '/./a',
      '/a/%2E%2e',
      '/a%00',
      '*',
    ]) {
      expect(parseTarget(bad).ok, bad).toBe(false);
    }
  });
});

test.describe('the operation table', () => {
  const table = operationTable;

  test('holds every documented operation path, the same table the route.ts files read', () => {
    const documented = new Set([...featureRoutes, openApi.route].map((route) => route.path));
    expect(new Set(table.entries.map((entry) => entry.path))).toEqual(documented);
  });

  test('matches literal paths and parameters, decoded; leaves the rest to Next', () => {
    expect(table.match(['api', 'health'])?.entry.path).toBe('/api/health');
    const upload = table.match(['api', 'uploads', 'abc', 'content']);
    expect(upload?.entry.path).toBe('/api/uploads/{id}/content');
    expect(upload?.params).toEqual({ id: 'abc' });
    expect(table.match(['api', 'uploads', ''])).toBeUndefined();
    expect(table.match(['api', 'auth', 'csrf'])).toBeUndefined(); // next-auth
    expect(table.match(['docs'])).toBeUndefined();
    expect(table.match(['api', 'health', ''])).toBeUndefined(); // trailing slash: Next redirects
  });
});
