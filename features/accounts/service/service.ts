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
  changePassword,
  deleteUser,
  findUserByEmail,
  findUserById,
  findUserForSignIn,
  insertUser,
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

// Accounts: registration, sign-in (credentials → the user and the sign-in instant), the signed-in user's
// own operations. Sessions and tokens build on `signIn`; nothing here knows HTTP or OAuth.

export function toPublicUser(row: UserRow): PublicUser {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
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
  try {
    return toPublicUser(await insertUser({ email, name: input.name ?? null, passwordHash }));
  } catch (error) {
    if (isUniqueViolation(error)) throw emailTaken();
    throw error;
  }
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

// PATCH /api/users/me — an email change is limited like registration (it tells whether an email is taken)
export async function updateMe(userId: string, changes: UpdateUser, client: string): Promise<PublicUser> {
  const email = changes.email !== undefined ? normalizeEmail(changes.email) : undefined;
  if (email !== undefined) {
    await limitClient('email-change', client);
    await limitAccount('email-change', userId);
  }
  const values = {
    ...(changes.name !== undefined ? { name: changes.name } : {}),
    ...(email !== undefined ? { email } : {}),
  };
  try {
    const row =
      Object.keys(values).length > 0 ? await updateUser(userId, values) : await findUserById(userId);
    if (!row) throw accountGone();
    return toPublicUser(row);
  } catch (error) {
    if (isUniqueViolation(error)) throw emailTaken();
    throw error;
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
  if (!(await verifyPassword(row.passwordHash, currentPassword))) {
    throw new DomainError('invalid', 'The current password is not correct.', {
      fields: [{ field: 'currentPassword', message: 'is not your current password' }],
    });
  }
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

// DELETE /api/users/me — the row first: everything keyed to the user in the database goes with it by ON DELETE
// CASCADE, and from then on no new row of theirs can be inserted. Then other features' erasers remove what
// they keep outside the database (by the user's storage prefix, so even an upload that raced the deletion goes).
export async function deleteMe(userId: string, erasers: readonly UserDataEraser[]): Promise<void> {
  if (!(await deleteUser(userId))) throw accountGone();
  for (const erase of erasers) await erase(userId);
}
