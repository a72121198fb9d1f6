import { getConfig } from '@/features/core/config/config';
import { DomainError } from '@/features/core/errors/errors';
import type { CreateUser, PublicUser } from '@/features/users/schemas/schemas';
import { changePassword, registerUser, verifyCredentials } from '@/features/users/service/service';
import {
  consumeRefreshToken,
  findRefreshToken,
  insertRefreshToken,
  revokeTokenFamily,
  revokeUserTokens,
} from '../repository/repository';
import type { TokenRequest, TokenResponse } from '../schemas/schemas';
import { deriveAccessTokenKey, hashRefreshToken, newRefreshToken, signAccessToken } from '../utils/tokens';
import { enforceRateLimit } from './rate-limit';

// Credentials → tokens for external clients, and the account operations that must revoke them.

let accessKey: Promise<CryptoKey> | undefined;
export function accessTokenKey(): Promise<CryptoKey> {
  accessKey ??= deriveAccessTokenKey(getConfig().authSecret);
  return accessKey;
}

/** An OAuth2 error (RFC 6749 §5.2) inside the problem body: 400 with `code`, `error` and `error_description`. */
function oauthError(
  error: 'invalid_request' | 'invalid_grant' | 'unsupported_grant_type',
  description: string,
) {
  return new DomainError('bad_request', description, {
    code: error,
    extensions: { error, error_description: description },
  });
}

export async function register(input: CreateUser, client: string): Promise<PublicUser> {
  await enforceRateLimit('register', client);
  return registerUser(input);
}

export async function issueTokenPair(
  userId: string,
  familyId: string = crypto.randomUUID(),
): Promise<TokenResponse> {
  const { accessTokenTtlSeconds, refreshTokenTtlSeconds } = getConfig().auth;
  const refreshToken = newRefreshToken();
  await insertRefreshToken({
    userId,
    familyId,
    tokenHash: hashRefreshToken(refreshToken),
    expiresAt: new Date(Date.now() + refreshTokenTtlSeconds * 1000),
  });
  return {
    access_token: await signAccessToken(await accessTokenKey(), userId, accessTokenTtlSeconds),
    token_type: 'Bearer',
    expires_in: accessTokenTtlSeconds,
    refresh_token: refreshToken,
  };
}

/** POST /api/auth/token: the password grant (form or JSON) or the refresh_token grant. */
export async function exchangeForTokens(request: TokenRequest, client: string): Promise<TokenResponse> {
  const grant = request.grant_type ?? (request.email !== undefined ? 'password' : undefined);
  if (grant === 'password') {
    const email = request.username ?? request.email;
    if (!email || request.password === undefined) {
      throw oauthError('invalid_request', 'The password grant needs username (or email) and password.');
    }
    await enforceRateLimit('token', client, email.trim().toLowerCase());
    const user = await verifyCredentials(email, request.password);
    // One answer for an unknown email and a wrong password.
    if (!user) throw oauthError('invalid_grant', 'The email or password is not correct.');
    return issueTokenPair(user.id);
  }
  if (grant === 'refresh_token') {
    if (!request.refresh_token)
      throw oauthError('invalid_request', 'The refresh_token grant needs refresh_token.');
    await enforceRateLimit('token', client);
    return rotateRefreshToken(request.refresh_token);
  }
  if (grant === undefined) throw oauthError('invalid_request', 'grant_type is required.');
  throw oauthError('unsupported_grant_type', 'Supported grant types: password, refresh_token.');
}

/**
 * Single use and rotating: a live token is exchanged for a new pair in the same family. Presenting a token
 * that was already used means two parties hold it (theft, or a replay): the whole family is revoked.
 */
async function rotateRefreshToken(refreshToken: string): Promise<TokenResponse> {
  const tokenHash = hashRefreshToken(refreshToken);
  const consumed = await consumeRefreshToken(tokenHash);
  if (consumed) return issueTokenPair(consumed.userId, consumed.familyId);
  const known = await findRefreshToken(tokenHash);
  if (known?.usedAt && !known.revokedAt) await revokeTokenFamily(known.familyId);
  throw oauthError('invalid_grant', 'The refresh token is invalid, expired, revoked or already used.');
}

/** RFC 7009: revokes the token's whole sign-in (family). Unknown tokens are not an error. */
export async function revokeRefreshToken(refreshToken: string): Promise<void> {
  const known = await findRefreshToken(hashRefreshToken(refreshToken));
  if (known) await revokeTokenFamily(known.familyId);
}

export async function changePasswordAndRevokeTokens(
  userId: string,
  currentPassword: string,
  newPassword: string,
): Promise<void> {
  await changePassword(userId, currentPassword, newPassword);
  await revokeUserTokens(userId);
}
