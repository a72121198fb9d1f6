import { clientAddress } from '@/features/core/http/client-address';
import { type AnyRoute, defineRoute } from '@/features/core/http/define-route';
import { STATUS } from '@/features/core/http/status';
import {
  ChangePasswordSchema,
  CreateUserSchema,
  DeleteUserSchema,
  PasswordResetConfirmSchema,
  PasswordResetRequestSchema,
  PublicUserSchema,
  RevokeRequestSchema,
  TokenRequestSchema,
  TokenResponseSchema,
  UpdateUserSchema,
  VerifyEmailSchema,
} from '../schemas/schemas';
import { requireUser } from '../service/guard';
import {
  confirmPasswordReset,
  requestPasswordReset,
  resendEmailVerification,
  verifyEmail,
} from '../service/recovery';
import { changeMyPassword, deleteMe, register, type UserDataEraser, updateMe } from '../service/service';
import { issueToken, revokeToken } from '../service/tokens';

// Accounts over HTTP: registration and tokens under /api/auth, the signed-in user under /api/users/me.
// Every operation keeps one name from contract to service. Token and account responses are `no-store`
// (signed-in operations get it from the kernel; the anonymous ones here set it).

const FORM_OR_JSON = ['application/x-www-form-urlencoded', 'application/json'] as const;
const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };
const NO_STORE_HEADER = {
  'Cache-Control': { description: 'no-store: personal data', schema: { type: 'string' as const } },
};

// POST /api/auth/register — create an account
const registerRoute = defineRoute({
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
      headers: {
        Location: { description: 'The account: /api/users/me', schema: { type: 'string' } },
        ...NO_STORE_HEADER,
      },
    },
  },
  problems: [STATUS.CONFLICT, STATUS.TOO_MANY_REQUESTS],
}).handle(async ({ body, request }) => ({
  status: STATUS.CREATED,
  body: await register(body, clientAddress(request)),
  headers: { location: '/api/users/me', ...NO_STORE },
}));

// POST /api/auth/token — exchange credentials or a refresh token for tokens
const issueTokenRoute = defineRoute({
  method: 'POST',
  path: '/api/auth/token',
  operationId: 'issueToken',
  summary: 'Get an access token (OAuth2 password or refresh_token grant)',
  description:
    'For external clients. Access tokens are short-lived JWTs for `Authorization: Bearer`; refresh tokens are single-use and rotate. Presenting a used or revoked refresh token revokes its whole sign-in. Repeated failed sign-ins of one account make further attempts wait (429 with Retry-After, up to 60 s). Errors carry RFC 6749 `error` codes (`invalid_grant`, `unsupported_grant_type`, `invalid_request`).',
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
  body: await issueToken(body, clientAddress(request)),
  headers: NO_STORE,
}));

// POST /api/auth/revoke — revoke a refresh token and its sign-in (RFC 7009)
const revokeTokenRoute = defineRoute({
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
  await revokeToken(body.token);
  return { status: STATUS.OK, headers: NO_STORE };
});

// GET /api/users/me — the signed-in user
const getMeRoute = defineRoute({
  method: 'GET',
  path: '/api/users/me',
  operationId: 'getMe',
  summary: 'The signed-in user',
  tags: ['users'],
  auth: requireUser,
  responses: {
    [STATUS.OK]: { description: 'The signed-in user', schema: PublicUserSchema, headers: NO_STORE_HEADER },
  },
}).handle(({ user }) => ({ status: STATUS.OK, body: user }));

// PATCH /api/users/me — change name or email
const updateMeRoute = defineRoute({
  method: 'PATCH',
  path: '/api/users/me',
  operationId: 'updateMe',
  summary: 'Change my name or email',
  description:
    'An email change needs `currentPassword`, is rate-limited per client address and per account like registration, ends every other sign-in of the account (a bearer caller refreshes its access token once; its refresh token stays valid) and mails a verification link to the new address (`emailVerifiedAt` becomes null).',
  tags: ['users'],
  auth: requireUser,
  request: { body: { schema: UpdateUserSchema } },
  responses: {
    [STATUS.OK]: { description: 'The updated user', schema: PublicUserSchema, headers: NO_STORE_HEADER },
  },
  problems: [STATUS.FORBIDDEN, STATUS.CONFLICT, STATUS.TOO_MANY_REQUESTS],
}).handle(async ({ user, body, request }) => ({
  status: STATUS.OK,
  body: await updateMe(user, body, clientAddress(request)),
}));

// PUT /api/users/me/password — change the password; ends every other sign-in of the account
const changeMyPasswordRoute = defineRoute({
  method: 'PUT',
  path: '/api/users/me/password',
  operationId: 'changeMyPassword',
  summary: 'Change my password',
  description:
    'Needs the current password; rate-limited per account. Every refresh token, access token and web session of the account signed in before the change stops working.',
  tags: ['users'],
  auth: requireUser,
  request: { body: { schema: ChangePasswordSchema } },
  responses: { [STATUS.NO_CONTENT]: { description: 'Changed' } },
  problems: [STATUS.FORBIDDEN, STATUS.CONFLICT, STATUS.TOO_MANY_REQUESTS],
}).handle(async ({ body, user }) => {
  await changeMyPassword(user.id, body.currentPassword, body.newPassword);
  return { status: STATUS.NO_CONTENT };
});

// POST /api/auth/password-reset — mail a reset link to an account's address
const requestPasswordResetRoute = defineRoute({
  method: 'POST',
  path: '/api/auth/password-reset',
  operationId: 'requestPasswordReset',
  summary: 'Ask for a password reset link by mail',
  description:
    'Always 202, whether or not the address has an account (nothing tells which, neither the answer nor its timing). For an account, a single-use link valid for 30 minutes (PASSWORD_RESET_TTL_SECONDS) is mailed; a newer request replaces it. Rate-limited per client address and per email address (429 with Retry-After).',
  tags: ['auth'],
  request: { body: { schema: PasswordResetRequestSchema } },
  responses: {
    [STATUS.ACCEPTED]: { description: 'Accepted: a mail goes out if the address has an account' },
  },
  problems: [STATUS.TOO_MANY_REQUESTS],
}).handle(async ({ body, request }) => {
  await requestPasswordReset(body.email, clientAddress(request));
  return { status: STATUS.ACCEPTED, headers: NO_STORE };
});

// POST /api/auth/password-reset/confirm — the mailed token and a new password
const confirmPasswordResetRoute = defineRoute({
  method: 'POST',
  path: '/api/auth/password-reset/confirm',
  operationId: 'confirmPasswordReset',
  summary: 'Set a new password with a mailed reset token',
  description:
    'The same password rules as registration. Ends every sign-in of the account (refresh tokens, access tokens, web sessions) and marks the email verified. A used, expired or superseded token: 400 `invalid_token`.',
  tags: ['auth'],
  request: { body: { schema: PasswordResetConfirmSchema } },
  responses: { [STATUS.NO_CONTENT]: { description: 'The password is set; sign in with it' } },
  problems: [STATUS.TOO_MANY_REQUESTS],
}).handle(async ({ body, request }) => {
  await confirmPasswordReset(body.token, body.newPassword, clientAddress(request));
  return { status: STATUS.NO_CONTENT, headers: NO_STORE };
});

// POST /api/auth/verify-email — the mailed token confirms the address
const verifyEmailRoute = defineRoute({
  method: 'POST',
  path: '/api/auth/verify-email',
  operationId: 'verifyEmail',
  summary: 'Confirm an email address with a mailed token',
  description:
    'Sets the account’s `emailVerifiedAt`. Links are mailed at registration and after an email change; a used, expired or superseded token (or one mailed to an address the account no longer has): 400 `invalid_token`.',
  tags: ['auth'],
  request: { body: { schema: VerifyEmailSchema } },
  responses: { [STATUS.NO_CONTENT]: { description: 'The email is verified' } },
  problems: [STATUS.TOO_MANY_REQUESTS],
}).handle(async ({ body, request }) => {
  await verifyEmail(body.token, clientAddress(request));
  return { status: STATUS.NO_CONTENT, headers: NO_STORE };
});

// POST /api/auth/verify-email/resend — a new verification link for the signed-in user
const resendEmailVerificationRoute = defineRoute({
  method: 'POST',
  path: '/api/auth/verify-email/resend',
  operationId: 'resendEmailVerification',
  summary: 'Mail a new verification link to my address',
  description:
    'Replaces the earlier link. Rate-limited per account and per client address (429 with Retry-After); 409 when the email is already verified.',
  tags: ['users'],
  auth: requireUser,
  responses: { [STATUS.ACCEPTED]: { description: 'A new link is on its way' } },
  problems: [STATUS.FORBIDDEN, STATUS.CONFLICT, STATUS.TOO_MANY_REQUESTS],
}).handle(async ({ user, request }) => {
  await resendEmailVerification(user.id, clientAddress(request));
  return { status: STATUS.ACCEPTED };
});

/**
 * The accounts router. Account deletion runs `userDataErasers` — how each feature above accounts erases
 * what it keeps outside the database — wired by the app (app/api/operations.ts), so accounts imports none of them.
 */
export function createAccountsRoutes(wiring: {
  userDataErasers: readonly UserDataEraser[];
}): readonly AnyRoute[] {
  // DELETE /api/users/me — erase the account and everything that hangs off it
  const deleteMeRoute = defineRoute({
    method: 'DELETE',
    path: '/api/users/me',
    operationId: 'deleteMe',
    summary: 'Delete my account',
    description:
      'Needs `currentPassword` (rate-limited per client address and per account). Erases the account and everything that belongs to it (tokens, sessions, mailed links, uploads included); the email can register again.',
    tags: ['users'],
    auth: requireUser,
    request: { body: { schema: DeleteUserSchema } },
    responses: { [STATUS.NO_CONTENT]: { description: 'Deleted' } },
    problems: [STATUS.FORBIDDEN, STATUS.TOO_MANY_REQUESTS],
  }).handle(async ({ user, body, request }) => {
    await deleteMe(user.id, body.currentPassword, clientAddress(request), wiring.userDataErasers);
    return { status: STATUS.NO_CONTENT };
  });
  return [
    registerRoute,
    issueTokenRoute,
    revokeTokenRoute,
    getMeRoute,
    updateMeRoute,
    deleteMeRoute,
    changeMyPasswordRoute,
    requestPasswordResetRoute,
    confirmPasswordResetRoute,
    verifyEmailRoute,
    resendEmailVerificationRoute,
  ];
}
