import { type Clock, systemClock } from '@/features/core/clock/clock';
import { getConfig } from '@/features/core/config/config';
import { conflict, DomainError } from '@/features/core/errors/errors';
import { describeError, logger } from '@/features/core/logger/logger';
import { getMailer } from '@/features/core/mail/mailer';
import { hashPassword, passwordPolicyProblem } from '../password/password';
import {
  consumeEmailVerification,
  isLiveAccountToken,
  replaceAccountToken,
  resetPassword,
} from '../repository/account-tokens';
import { hitRateLimit } from '../repository/rate-limits';
import { findUserByEmail, findUserById } from '../repository/users';
import { normalizeEmail } from '../utils/email';
import { emailVerificationMail, linkFromTemplate, passwordResetMail } from '../utils/mail';
import { hashRefreshToken as hashMailToken, newRefreshToken as newMailToken } from '../utils/tokens';

// Account recovery by mail: password reset and email verification (docs/decisions/0008-accounts-recovery.md).
// Tokens are 256 random bits, stored as a SHA-256, one live per account and purpose, single use; they travel
// only in the mail. Asking for a reset answers the same, at once, whether or not the address has an account:
// the lookup, the token and the mail happen after the answer.

const invalidToken = () =>
  new DomainError(
    'bad_request',
    'This link is invalid, has expired, was already used or was replaced by a newer one; ask for a new one.',
    { code: 'invalid_token' },
  );

/** Counts one hit on `key` in the given window; 429 with Retry-After beyond `max`. */
async function limit(key: string, max: number, windowSeconds: number): Promise<void> {
  const { hits, resetAt } = await hitRateLimit(key, windowSeconds);
  if (hits > max) {
    const retryAfter = Math.max(1, Math.ceil((resetAt.getTime() - Date.now()) / 1000));
    throw new DomainError('rate_limited', `Too many requests; retry in ${retryAfter} s.`, { retryAfter });
  }
}

/** Mails asked for: per client address and per account (or email address), in the mail window. */
async function limitMail(action: string, client: string, account: string): Promise<void> {
  const { windowSeconds, perIp, perAccount } = getConfig().recovery.rateLimit;
  await limit(`${action}:ip:${client}`, perIp, windowSeconds);
  await limit(`${action}:account:${account}`, perAccount, windowSeconds);
}

/** Token checks (each a database look-up): per client address, like the other anonymous auth operations. */
function limitTokenCheck(action: string, client: string): Promise<void> {
  const { windowSeconds, authPerIp } = getConfig().rateLimit;
  return limit(`${action}:ip:${client}`, authPerIp, windowSeconds);
}

/** Account deletion checks the password: limited per client address and per account, like a password change. */
export async function limitAccountDeletion(userId: string, client: string): Promise<void> {
  const { windowSeconds, authPerIp, authPerAccount } = getConfig().rateLimit;
  await limit(`account-deletion:ip:${client}`, authPerIp, windowSeconds);
  await limit(`account-deletion:account:${userId}`, authPerAccount, windowSeconds);
}

/** Work the answer does not wait for; a failure is logged (without the mail), never thrown at the caller. */
function inBackground(what: string, work: () => Promise<void>): void {
  work().catch((error) => logger.error(`${what} failed`, describeError(error)));
}

async function issueMailToken(
  user: { id: string; email: string },
  purpose: 'password_reset' | 'email_verification',
  ttlSeconds: number,
  clock: Clock,
): Promise<string> {
  const token = newMailToken();
  await replaceAccountToken({
    userId: user.id,
    purpose,
    tokenHash: hashMailToken(token),
    email: user.email,
    expiresAt: new Date(clock.now().getTime() + ttlSeconds * 1000),
  });
  return token;
}

async function mailPasswordReset(email: string, clock: Clock): Promise<void> {
  const user = await findUserByEmail(email);
  if (!user) return;
  const { mail, recovery } = getConfig();
  const ttlSeconds = recovery.passwordResetTtlSeconds;
  const token = await issueMailToken(user, 'password_reset', ttlSeconds, clock);
  const link = linkFromTemplate(mail.passwordResetUrl, token);
  await getMailer().send(passwordResetMail({ appName: mail.appName, to: user.email, link, ttlSeconds }));
}

async function mailEmailVerification(user: { id: string; email: string }, clock: Clock): Promise<void> {
  const { mail, recovery } = getConfig();
  const ttlSeconds = recovery.emailVerificationTtlSeconds;
  const token = await issueMailToken(user, 'email_verification', ttlSeconds, clock);
  const link = linkFromTemplate(mail.emailVerificationUrl, token);
  await getMailer().send(emailVerificationMail({ appName: mail.appName, to: user.email, link, ttlSeconds }));
}

// POST /api/auth/password-reset — limited per client address and per email address (an account's or not:
// the same answer either way), then answered before anything about the address is looked up.
export async function requestPasswordReset(
  email: string,
  client: string,
  clock: Clock = systemClock,
): Promise<void> {
  const address = normalizeEmail(email);
  await limitMail('password-reset', client, address);
  inBackground('password reset mail', () => mailPasswordReset(address, clock));
}

// POST /api/auth/password-reset/confirm — a live token and an acceptable password set it and end every
// sign-in; the token is checked first (cheap), the password rules next (the token stays usable), then the
// hash, then the token is consumed with the change in one transaction.
export async function confirmPasswordReset(
  token: string,
  newPassword: string,
  client: string,
  clock: Clock = systemClock,
): Promise<void> {
  await limitTokenCheck('password-reset-confirm', client);
  const tokenHash = hashMailToken(token);
  if (!(await isLiveAccountToken({ tokenHash, purpose: 'password_reset', now: clock.now() }))) {
    throw invalidToken();
  }
  const problem = passwordPolicyProblem(newPassword);
  if (problem) {
    throw new DomainError('invalid', `The password ${problem}.`, {
      fields: [{ field: 'newPassword', message: problem }],
    });
  }
  const passwordHash = await hashPassword(newPassword);
  if (!(await resetPassword({ tokenHash, passwordHash, now: () => clock.now() }))) throw invalidToken();
}

/** After a registration or an email change: a verification link to the (new) address, in the background. */
export function sendEmailVerification(user: { id: string; email: string }, clock: Clock = systemClock): void {
  inBackground('verification mail', () => mailEmailVerification(user, clock));
}

// POST /api/auth/verify-email/resend — a new link for the signed-in user's unverified address
export async function resendEmailVerification(userId: string, client: string): Promise<void> {
  const user = await findUserById(userId);
  if (!user) throw new DomainError('not_found', 'The account no longer exists.');
  if (user.emailVerifiedAt !== null) throw conflict('The email is already verified.', 'email_verified');
  await limitMail('verify-email', client, user.id);
  sendEmailVerification(user);
}

// POST /api/auth/verify-email — the link's token marks the address it was mailed to as verified
export async function verifyEmail(token: string, client: string, clock: Clock = systemClock): Promise<void> {
  await limitTokenCheck('verify-email-confirm', client);
  if (!(await consumeEmailVerification({ tokenHash: hashMailToken(token), now: clock.now() }))) {
    throw invalidToken();
  }
}
