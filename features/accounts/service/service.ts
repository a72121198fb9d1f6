import { type Clock, systemClock } from '@/features/core/clock/clock';
import { isUniqueViolation } from '@/features/core/database/errors';
import { conflict, DomainError, notFound } from '@/features/core/errors/errors';
import {
  dummyPasswordHash,
  hashPassword,
  needsRehash,
  passwordPolicyProblem,
  verifyPassword,
} from '../password/password';
import {
  changeEmail,
  changePassword,
  deleteUser,
  findUserByEmail,
  findUserById,
  findUserForSignIn,
  insertUser,
  type KeptSignIn,
  rehashPassword,
  updateUser,
} from '../repository/users';
import type { UserRow } from '../repository/users.table';
import type { CreateUser, PublicUser, UpdateUser } from '../schemas/schemas';
import { normalizeEmail } from '../utils/email';
import {
  assertSignInAllowed,
  clearSignInFailures,
  limitAccount,
  limitClient,
  recordSignInFailure,
} from './rate-limit';
import { limitAccountDeletion, sendEmailVerification } from './recovery';

// Accounts: registration, sign-in (credentials → the user and the sign-in instant), the signed-in user's
// own operations. Sessions and tokens build on `signIn`; nothing here knows HTTP or OAuth.

export function toPublicUser(row: UserRow): PublicUser {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    emailVerifiedAt: row.emailVerifiedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

const emailTaken = () => conflict('An account with this email already exists.', 'email_taken');
const accountGone = () => notFound('The account no longer exists.');

function assertPasswordPolicy(password: string, field: 'password' | 'newPassword'): void {
  const problem = passwordPolicyProblem(password);
  if (problem) {
    throw new DomainError('invalid', `The password ${problem}.`, { fields: [{ field, message: problem }] });
  }
}

// POST /api/auth/register
export async function register(input: CreateUser, client: string): Promise<PublicUser> {
  await limitClient('register', client);
  assertPasswordPolicy(input.password, 'password');
  const email = normalizeEmail(input.email);
  if (await findUserByEmail(email)) throw emailTaken(); // cheap early answer; the unique index decides races
  const passwordHash = await hashPassword(input.password);
  let row: UserRow;
  try {
    row = await insertUser({ email, name: input.name ?? null, passwordHash });
  } catch (error) {
    if (isUniqueViolation(error)) throw emailTaken();
    throw error;
  }
  sendEmailVerification(row);
  return toPublicUser(row);
}

export interface SignedIn {
  user: PublicUser;
  /**
   * The sign-in instant: taken before the credentials are read, so a password change that commits while
   * they are checked is always later than it and ends this sign-in too. Sessions and tokens carry it.
   */
  authTime: Date;
}

/**
 * The account whose email and password these are, or undefined — counted against exactly that account
 * (normalised email): failures slow further sign-ins down (429 while the delay runs), a success clears
 * them. An unknown email costs one verification against a dummy hash, like a wrong password, so neither
 * timing nor answer tells which accounts exist.
 */
export async function signIn(
  email: string,
  password: string,
  clock: Clock = systemClock,
): Promise<SignedIn | undefined> {
  const account = normalizeEmail(email);
  const authTime = clock.now();
  await assertSignInAllowed(account, authTime);
  const row = await findUserForSignIn(account);
  const valid = await verifyPassword(row?.passwordHash ?? (await dummyPasswordHash()), password);
  if (!row || !valid) {
    await recordSignInFailure(account, clock.now());
    return undefined;
  }
  await clearSignInFailures(account);
  if (needsRehash(row.passwordHash)) {
    await rehashPassword({
      id: row.id,
      verifiedHash: row.passwordHash,
      passwordHash: await hashPassword(password),
    });
  }
  // A row read after a password change committed: this sign-in is later than the change.
  const changedAt = row.credentialsChangedAt?.getTime() ?? Number.NEGATIVE_INFINITY;
  return { user: toPublicUser(row), authTime: new Date(Math.max(authTime.getTime(), changedAt + 1)) };
}

/**
 * The user behind a session or token signed in at `authTime` (ms), or undefined when the account is gone
 * or its credentials changed at or after that sign-in.
 */
export async function findSignedInUser(userId: string, authTime: number): Promise<PublicUser | undefined> {
  const row = await findUserById(userId);
  if (!row) return undefined;
  const changedAt = row.credentialsChangedAt?.getTime();
  if (changedAt !== undefined && authTime <= changedAt) return undefined;
  return toPublicUser(row);
}

// PATCH /api/users/me — an email change is limited like registration (it tells whether an email is taken),
// needs the current password (a stolen access token alone cannot move the account to another address), ends
// every other sign-in, and mails a verification link to the new address.
export async function updateMe(
  caller: { id: string; signIn: KeptSignIn },
  changes: UpdateUser,
  client: string,
  clock: Clock = systemClock,
): Promise<PublicUser> {
  const current = await findUserById(caller.id);
  if (!current) throw accountGone();
  const email = changes.email !== undefined ? normalizeEmail(changes.email) : undefined;
  const emailChanges = email !== undefined && email !== current.email;
  if (emailChanges) {
    await limitClient('email-change', client);
    await limitAccount('email-change', caller.id);
    await assertCurrentPassword(current, changes.currentPassword);
  }
  try {
    let row: UserRow | undefined = current;
    // The email first: a taken one (409) leaves the name as it was too.
    if (emailChanges) {
      row = await changeEmail({ id: caller.id, email, keep: caller.signIn, now: () => clock.now() });
      if (row) sendEmailVerification(row, clock);
    }
    if (row && changes.name !== undefined) row = await updateUser(caller.id, { name: changes.name });
    if (!row) throw accountGone();
    return toPublicUser(row);
  } catch (error) {
    if (isUniqueViolation(error)) throw emailTaken();
    throw error;
  }
}

/** Refuses (422 naming `currentPassword`) unless `password` is the account's current password. */
async function assertCurrentPassword(row: UserRow, password: string | undefined): Promise<void> {
  if (password === undefined) {
    throw new DomainError('invalid', 'The current password is required for this change.', {
      fields: [{ field: 'currentPassword', message: 'is required' }],
    });
  }
  if (!(await verifyPassword(row.passwordHash, password))) {
    throw new DomainError('invalid', 'The current password is not correct.', {
      fields: [{ field: 'currentPassword', message: 'is not your current password' }],
    });
  }
}

// PUT /api/users/me/password — limited per account (the current-password check is a guessing oracle for
// whoever holds a stolen session); the new hash and the end of every sign-in commit together.
export async function changeMyPassword(
  userId: string,
  currentPassword: string,
  newPassword: string,
  clock: Clock = systemClock,
): Promise<void> {
  await limitAccount('password-change', userId);
  const row = await findUserById(userId);
  if (!row) throw accountGone();
  await assertCurrentPassword(row, currentPassword);
  assertPasswordPolicy(newPassword, 'newPassword');
  const changed = await changePassword({
    id: userId,
    verifiedHash: row.passwordHash,
    passwordHash: await hashPassword(newPassword),
    now: () => clock.now(),
  });
  if (!changed) {
    throw conflict('The password changed meanwhile; sign in again and retry.', 'password_changed');
  }
}

/** Erases what another feature stores for a user outside the database (files, objects in storage). */
export type UserDataEraser = (userId: string) => Promise<unknown>;

// DELETE /api/users/me — needs the current password (limited per account and address: no guessing oracle).
export async function deleteMe(
  userId: string,
  currentPassword: string,
  client: string,
  erasers: readonly UserDataEraser[],
): Promise<void> {
  await limitAccountDeletion(userId, client);
  const row = await findUserById(userId);
  if (!row) throw accountGone();
  await assertCurrentPassword(row, currentPassword);
  await deleteAccount(userId, erasers);
}

/**
 * The erasure itself, once the caller is entitled to it (deleteMe; eval:reco's own accounts). The row first:
 * everything keyed to the user in the database goes with it by ON DELETE CASCADE (mailed tokens included), and
 * from then on no new row of theirs can be inserted. Then other features' erasers remove what they keep outside
 * the database (by the user's storage prefix, so even an upload that raced the deletion goes).
 */
export async function deleteAccount(userId: string, erasers: readonly UserDataEraser[]): Promise<void> {
  if (!(await deleteUser(userId))) throw accountGone();
  for (const erase of erasers) await erase(userId);
}
