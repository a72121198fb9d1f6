import {
  createHash,
  createHmac,
  createSecretKey,
  hkdfSync,
  type KeyObject,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';

// Access tokens: short-lived HS256 JWTs with their own type (`at+jwt`, RFC 9068), audience and key — the key
// is derived from AUTH_SECRET with HKDF under a label of its own, so neither a next-auth session cookie (a JWE
// under next-auth's derived key) nor any other token signed from the same secret verifies as one.
// Refresh tokens: 256 random bits, opaque; only their SHA-256 is stored.

export const ACCESS_TOKEN_AUDIENCE = 'stylipp-api';
export const ACCESS_TOKEN_ISSUER = 'urn:stylipp:auth';
const ACCESS_TOKEN_TYPE = 'at+jwt';

/**
 * The HMAC key, imported once as a CryptoKey: jose re-imports raw bytes on every call, which doubled the
 * cost of verifying a token (measured: 60 → 33 µs).
 */
export async function deriveAccessTokenKey(secret: string): Promise<CryptoKey> {
  const raw = new Uint8Array(hkdfSync('sha256', secret, 'stylipp', 'stylipp access token v1', 32));
  const key = await crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
    'verify',
  ]);
  rawKeys.set(key, createSecretKey(raw));
  return key;
}

/** The same key for node:crypto (a KeyObject: ~4× cheaper per HMAC than raw bytes), by CryptoKey. */
const rawKeys = new WeakMap<CryptoKey, KeyObject>();

/**
 * An access token for `userId`, carrying `auth_time_ms`: the instant of the sign-in it descends from (not
 * its issue time), which the guard compares with the account's last credentials change.
 */
export function signAccessToken(
  key: CryptoKey,
  claims: { userId: string; authTime: number; ttlSeconds: number },
): Promise<string> {
  const { userId, authTime, ttlSeconds } = claims;
  return new SignJWT({ auth_time_ms: authTime })
    .setProtectedHeader({ alg: 'HS256', typ: ACCESS_TOKEN_TYPE })
    .setSubject(userId)
    .setAudience(ACCESS_TOKEN_AUDIENCE)
    .setIssuer(ACCESS_TOKEN_ISSUER)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .setJti(crypto.randomUUID())
    .sign(key);
}

/** Subject and sign-in instant (ms) of a valid access token, or undefined (expired, tampered, wrong type/audience, `alg: none`, …). */
export async function verifyAccessToken(
  key: CryptoKey,
  token: string,
): Promise<{ userId: string; authTime: number } | undefined> {
  const raw = rawKeys.get(key);
  if (raw) return verifyHs256(raw, token, Math.floor(Date.now() / 1000));
  try {
    const { payload } = await jwtVerify(token, key, {
      algorithms: ['HS256'],
      audience: ACCESS_TOKEN_AUDIENCE,
      issuer: ACCESS_TOKEN_ISSUER,
      typ: ACCESS_TOKEN_TYPE,
      requiredClaims: ['sub', 'exp', 'auth_time_ms'],
    });
    return payload.sub && typeof payload.auth_time_ms === 'number'
      ? { userId: payload.sub, authTime: payload.auth_time_ms }
      : undefined;
  } catch (error) {
    if (error instanceof errors.JOSEError || error instanceof TypeError) return undefined;
    throw error;
  }
}

// The hot path of every bearer request, on node:crypto: one synchronous HMAC instead of jose's WebCrypto job
// and its per-call encodings (measured: the largest item of GET /api/users/me). Exactly the checks
// jwtVerify made above: HS256 only, `typ` at+jwt, no `crit`, our audience and issuer, `exp` in the future,
// `nbf` (when present) not in the future, `sub` and `auth_time_ms` present.
const BASE64URL = /^[A-Za-z0-9_-]+$/;

function decodeJson(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function normalisedType(typ: unknown): string | undefined {
  if (typeof typ !== 'string') return undefined;
  const lower = typ.toLowerCase();
  return lower.startsWith('application/') ? lower.slice('application/'.length) : lower;
}

export function verifyHs256(
  key: KeyObject,
  token: string,
  nowSeconds: number,
): { userId: string; authTime: number } | undefined {
  const [encodedHeader, encodedPayload, encodedSignature, extra] = token.split('.');
  if (extra !== undefined || !encodedHeader || !encodedPayload || !encodedSignature) return undefined;
  if (!BASE64URL.test(encodedHeader) || !BASE64URL.test(encodedPayload) || !BASE64URL.test(encodedSignature))
    return undefined;
  const header = decodeJson(encodedHeader);
  if (header?.alg !== 'HS256' || header.crit !== undefined || header.b64 !== undefined) return undefined;
  if (normalisedType(header.typ) !== ACCESS_TOKEN_TYPE) return undefined;
  const expected = createHmac('sha256', key).update(`${encodedHeader}.${encodedPayload}`).digest();
  const signature = Buffer.from(encodedSignature, 'base64url');
  if (signature.byteLength !== expected.byteLength || !timingSafeEqual(signature, expected)) return undefined;
  const claims = decodeJson(encodedPayload);
  if (!claims) return undefined;
  const { sub, exp, nbf, iat, iss, aud, auth_time_ms: authTime } = claims;
  if (typeof sub !== 'string' || sub === '' || typeof authTime !== 'number') return undefined;
  if (typeof exp !== 'number' || exp <= nowSeconds) return undefined;
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf > nowSeconds)) return undefined;
  if (iat !== undefined && typeof iat !== 'number') return undefined;
  if (iss !== ACCESS_TOKEN_ISSUER) return undefined;
  const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
  if (!audiences.includes(ACCESS_TOKEN_AUDIENCE)) return undefined;
  return { userId: sub, authTime };
}

export function newRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
