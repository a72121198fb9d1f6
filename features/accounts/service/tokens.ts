import { type Clock, systemClock } from '@/features/core/clock/clock';
import { getConfig } from '@/features/core/config/config';
import { DomainError } from '@/features/core/errors/errors';
import { insertRefreshToken, revokeTokenFamily, rotateRefreshToken } from '../repository/tokens';
import type { TokenRequest, TokenResponse } from '../schemas/schemas';
import { deriveAccessTokenKey, hashRefreshToken, newRefreshToken, signAccessToken } from '../utils/tokens';
import { purgeWhenDue } from './purge';
import { limitClient } from './rate-limit';
import { signIn } from './service';

// Credentials or a refresh token → a token pair for external clients. Errors carry domain codes that are
// also RFC 6749 §5.2's names; the edge decides how they travel.

let accessKey: Promise<CryptoKey> | undefined;
export function accessTokenKey(): Promise<CryptoKey> {
  accessKey ??= deriveAccessTokenKey(getConfig().authSecret);
  return accessKey;
}

type TokenErrorCode = 'invalid_request' | 'invalid_grant' | 'unsupported_grant_type';
const tokenError = (code: TokenErrorCode, message: string) =>
  new DomainError('bad_request', message, { code });
const invalidRefreshToken = () =>
  tokenError('invalid_grant', 'The refresh token is invalid, expired, revoked or already used.');

async function tokenPair(userId: string, authTime: Date, refreshToken: string): Promise<TokenResponse> {
  const { accessTokenTtlSeconds } = getConfig().auth;
  return {
    access_token: await signAccessToken(await accessTokenKey(), {
      userId,
      authTime: authTime.getTime(),
      ttlSeconds: accessTokenTtlSeconds,
    }),
    token_type: 'Bearer',
    expires_in: accessTokenTtlSeconds,
    refresh_token: refreshToken,
  };
}

function refreshExpiry(clock: Clock): Date {
  return new Date(clock.now().getTime() + getConfig().auth.refreshTokenTtlSeconds * 1000);
}

// POST /api/auth/token — the password grant (form or JSON) or the refresh_token grant
export async function issueToken(
  request: TokenRequest,
  client: string,
  clock: Clock = systemClock,
): Promise<TokenResponse> {
  purgeWhenDue(clock);
  const grant = request.grant_type ?? (request.email !== undefined ? 'password' : undefined);
  if (grant === 'password') {
    const email = request.username ?? request.email;
    if (!email || request.password === undefined) {
      throw tokenError('invalid_request', 'The password grant needs username (or email) and password.');
    }
    await limitClient('token', client);
    const signedIn = await signIn(email, request.password, client, clock);
    // One answer for an unknown email and a wrong password.
    if (!signedIn) throw tokenError('invalid_grant', 'The email or password is not correct.');
    const refreshToken = newRefreshToken();
    await insertRefreshToken({
      userId: signedIn.user.id,
      familyId: crypto.randomUUID(),
      tokenHash: hashRefreshToken(refreshToken),
      expiresAt: refreshExpiry(clock),
      authTime: signedIn.authTime,
    });
    return tokenPair(signedIn.user.id, signedIn.authTime, refreshToken);
  }
  if (grant === 'refresh_token') {
    if (!request.refresh_token)
      throw tokenError('invalid_request', 'The refresh_token grant needs refresh_token.');
    await limitClient('token', client);
    const successor = newRefreshToken();
    const rotation = await rotateRefreshToken({
      tokenHash: hashRefreshToken(request.refresh_token),
      successorHash: hashRefreshToken(successor),
      expiresAt: refreshExpiry(clock),
    });
    if (rotation.outcome !== 'rotated') throw invalidRefreshToken();
    return tokenPair(rotation.userId, rotation.authTime, successor);
  }
  if (grant === undefined) throw tokenError('invalid_request', 'grant_type is required.');
  throw tokenError('unsupported_grant_type', 'Supported grant types: password, refresh_token.');
}

// POST /api/auth/revoke — RFC 7009: ends the token's whole sign-in (family). Unknown tokens are not an error.
export async function revokeToken(refreshToken: string): Promise<void> {
  await revokeTokenFamily(hashRefreshToken(refreshToken));
}
