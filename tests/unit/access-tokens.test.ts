import { hkdfSync } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { SignJWT } from 'jose';
import {
  ACCESS_TOKEN_AUDIENCE,
  ACCESS_TOKEN_ISSUER,
  deriveAccessTokenKey,
  signAccessToken,
  verifyAccessToken,
} from '@/features/accounts/utils/tokens';

// Bearer tokens are verified with node:crypto on the hot path (`verifyHs256`); jose's jwtVerify remains for
// keys it was not derived for. The two must agree on every token: each case below is judged by both.

const SECRET = 'an-access-token-test-secret-that-is-long-enough';

async function keys() {
  const fast = await deriveAccessTokenKey(SECRET); // registered: node:crypto path
  const raw = new Uint8Array(hkdfSync('sha256', SECRET, 'stylipp', 'stylipp access token v1', 32));
  const jose = await crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
    'verify',
  ]);
  return { fast, jose };
}

function claims(overrides: { header?: Record<string, unknown>; payload?: Record<string, unknown> } = {}) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    auth_time_ms: Date.now(),
    sub: '01a2262a-1a4b-75ef-bbf7-dbf35e1e5d32',
    aud: ACCESS_TOKEN_AUDIENCE,
    iss: ACCESS_TOKEN_ISSUER,
    iat: now,
    exp: now + 900,
    ...overrides.payload,
  }).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', ...overrides.header });
}

test('a token we sign verifies on both paths, with its subject and sign-in instant', async () => {
  const { fast, jose } = await keys();
  const token = await signAccessToken(fast, {
    userId: 'user-1',
    authTime: 1_700_000_000_123,
    ttlSeconds: 900,
  });
  const viaFast = await verifyAccessToken(fast, token);
  expect(viaFast).toEqual({ userId: 'user-1', authTime: 1_700_000_000_123 });
  expect(await verifyAccessToken(jose, token)).toEqual(viaFast);
});

test('node:crypto and jose agree on every malformed, foreign or out-of-date token', async () => {
  const { fast, jose } = await keys();
  const now = Math.floor(Date.now() / 1000);
  const other = new TextEncoder().encode('another key, not derived from our secret');
  const cases: Record<string, string> = {
    valid: await claims().sign(jose),
    'typ application/at+jwt': await claims({ header: { typ: 'application/at+JWT' } }).sign(jose),
    'audience list': await claims({ payload: { aud: ['x', ACCESS_TOKEN_AUDIENCE] } }).sign(jose),
    'wrong audience': await claims({ payload: { aud: 'someone-else' } }).sign(jose),
    'wrong issuer': await claims({ payload: { iss: 'urn:elsewhere' } }).sign(jose),
    'wrong typ': await claims({ header: { typ: 'JWT' } }).sign(jose),
    'no typ': await new SignJWT({
      sub: 'x',
      auth_time_ms: 1,
      aud: ACCESS_TOKEN_AUDIENCE,
      iss: ACCESS_TOKEN_ISSUER,
      exp: now + 9,
    })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(jose),
    expired: await claims({ payload: { exp: now - 1 } }).sign(jose),
    'expires now': await claims({ payload: { exp: now } }).sign(jose),
    'not yet valid': await claims({ payload: { nbf: now + 60 } }).sign(jose),
    'valid nbf': await claims({ payload: { nbf: now - 60 } }).sign(jose),
    'no sub': await claims({ payload: { sub: undefined } }).sign(jose),
    'no auth_time_ms': await claims({ payload: { auth_time_ms: undefined } }).sign(jose),
    'string exp': await claims({ payload: { exp: String(now + 60) } }).sign(jose),
    crit: await claims({ header: { crit: ['x'], x: 1 } })
      .sign(jose)
      .catch(() => 'a.b.c'),
    'foreign key': await claims().sign(other),
    HS512: await claims({ header: { alg: 'HS512' } }).sign(other),
    truncated: (await claims().sign(jose)).slice(0, -3),
    'extra part': `${await claims().sign(jose)}.x`,
    garbage: 'not-a-jwt',
    empty: '..',
  };
  for (const [name, token] of Object.entries(cases)) {
    const viaJose = await verifyAccessToken(jose, token);
    const viaFast = await verifyAccessToken(fast, token);
    expect(viaFast, name).toEqual(viaJose);
  }
  expect(await verifyAccessToken(fast, cases.valid as string)).toBeDefined();
  expect(await verifyAccessToken(fast, cases.expired as string)).toBeUndefined();
});
