import { clientAddress } from '@/features/core/http/client-address';
import { defineRoute } from '@/features/core/http/define-route';
import { createRouter } from '@/features/core/http/router';
import { STATUS } from '@/features/core/http/status';
import { CreateUserSchema, PublicUserSchema } from '@/features/users/schemas/schemas';
import {
  ChangePasswordSchema,
  RevokeRequestSchema,
  TokenRequestSchema,
  TokenResponseSchema,
} from '../schemas/schemas';
import { requireUser } from '../service/guard';
import {
  changePasswordAndRevokeTokens,
  exchangeForTokens,
  register,
  revokeRefreshToken,
} from '../service/service';

const FORM_OR_JSON = ['application/x-www-form-urlencoded', 'application/json'] as const;
const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

// POST /api/auth/register — create an account
export const registerAccount = defineRoute({
  method: 'POST',
  path: '/api/auth/register',
  operationId: 'register',
  summary: 'Create an account',
  description:
    'Passwords: at least 8 characters (up to 256, any characters, unicode-normalised), not one of the most common passwords; no composition rules (NIST 800-63B).',
  tags: ['auth'],
  request: { body: { schema: CreateUserSchema } },
  responses: {
    [STATUS.CREATED]: {
      description: 'The new account',
      schema: PublicUserSchema,
      headers: { Location: { description: 'The account: /api/users/me', schema: { type: 'string' } } },
    },
  },
  problems: [STATUS.CONFLICT, STATUS.TOO_MANY_REQUESTS],
}).handle(async ({ body, request }) => ({
  status: STATUS.CREATED,
  body: await register(body, clientAddress(request)),
  headers: { location: '/api/users/me' },
}));

// POST /api/auth/token — exchange credentials or a refresh token for tokens
export const issueToken = defineRoute({
  method: 'POST',
  path: '/api/auth/token',
  operationId: 'issueToken',
  summary: 'Get an access token (OAuth2 password or refresh_token grant)',
  description:
    'For external clients. Access tokens are short-lived JWTs for `Authorization: Bearer`; refresh tokens are single-use and rotate. Reusing a rotated refresh token revokes its whole sign-in. Errors carry RFC 6749 `error` codes (`invalid_grant`, `unsupported_grant_type`, `invalid_request`).',
  tags: ['auth'],
  request: { body: { schema: TokenRequestSchema, mediaTypes: FORM_OR_JSON } },
  responses: {
    [STATUS.OK]: {
      description: 'A new token pair',
      schema: TokenResponseSchema,
      headers: { 'Cache-Control': { description: 'no-store (RFC 6749 §5.1)', schema: { type: 'string' } } },
    },
  },
  problems: [STATUS.TOO_MANY_REQUESTS],
}).handle(async ({ body, request }) => ({
  status: STATUS.OK,
  body: await exchangeForTokens(body, clientAddress(request)),
  headers: NO_STORE,
}));

// POST /api/auth/revoke — revoke a refresh token and its sign-in (RFC 7009)
export const revokeToken = defineRoute({
  method: 'POST',
  path: '/api/auth/revoke',
  operationId: 'revokeToken',
  summary: 'Revoke a refresh token (RFC 7009)',
  description:
    'Revokes the token and every token rotated from the same sign-in. Unknown tokens also answer 200.',
  tags: ['auth'],
  request: { body: { schema: RevokeRequestSchema, mediaTypes: FORM_OR_JSON } },
  responses: { [STATUS.OK]: { description: 'Revoked (or already unknown)' } },
}).handle(async ({ body }) => {
  await revokeRefreshToken(body.token);
  return { status: STATUS.OK, headers: NO_STORE };
});

// PUT /api/users/me/password — change the password; revokes every refresh token of the account
export const changeMyPassword = defineRoute({
  method: 'PUT',
  path: '/api/users/me/password',
  operationId: 'changeMyPassword',
  summary: 'Change my password',
  description: 'Needs the current password. Every refresh token of the account is revoked.',
  tags: ['users'],
  auth: requireUser,
  request: { body: { schema: ChangePasswordSchema } },
  responses: { [STATUS.NO_CONTENT]: { description: 'Changed' } },
  problems: [STATUS.FORBIDDEN],
}).handle(async ({ body, user }) => {
  await changePasswordAndRevokeTokens(user.id, body.currentPassword, body.newPassword);
  return { status: STATUS.NO_CONTENT };
});

export const authRouter = createRouter([registerAccount, issueToken, revokeToken, changeMyPassword]);
