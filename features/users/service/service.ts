import { isUniqueViolation } from '@/features/core/database/errors';
import { conflict, DomainError, notFound } from '@/features/core/errors/errors';
import { eraseUserUploads } from '@/features/uploads/service/service';
import { deleteUser, findUserByEmail, findUserById, insertUser, updateUser } from '../repository/repository';
import type { UserRow } from '../repository/users.table';
import type { CreateUser, PublicUser, UpdateUser } from '../schemas/schemas';
import {
  dummyPasswordHash,
  hashPassword,
  needsRehash,
  normalizeEmail,
  passwordPolicyProblem,
  verifyPassword,
} from '../utils/password';

// Accounts: registration, credentials, profile. The auth feature builds sessions and tokens on top.

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

function assertPasswordPolicy(password: string, field: string): void {
  const problem = passwordPolicyProblem(password);
  if (problem) {
    throw new DomainError('invalid', `The password ${problem}.`, {
      errors: [{ path: field, message: problem }],
    });
  }
}

export async function registerUser(input: CreateUser): Promise<PublicUser> {
  assertPasswordPolicy(input.password, 'body.password');
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

/**
 * The user whose email and password these are, or undefined. An unknown email costs one verification
 * against a dummy hash, like a wrong password, so neither timing nor answer tells which accounts exist.
 */
export async function verifyCredentials(email: string, password: string): Promise<PublicUser | undefined> {
  const row = await findUserByEmail(normalizeEmail(email));
  const valid = await verifyPassword(row?.passwordHash ?? (await dummyPasswordHash()), password);
  if (!row || !valid) return undefined;
  if (needsRehash(row.passwordHash)) await updateUser(row.id, { passwordHash: await hashPassword(password) });
  return toPublicUser(row);
}

export async function getUser(id: string): Promise<PublicUser | undefined> {
  const row = await findUserById(id);
  return row && toPublicUser(row);
}

/** The user behind a credential, and the instant before which their sessions and tokens no longer count. */
export async function getUserForCredential(
  id: string,
): Promise<{ user: PublicUser; credentialsChangedAt: Date | null } | undefined> {
  const row = await findUserById(id);
  return row && { user: toPublicUser(row), credentialsChangedAt: row.credentialsChangedAt };
}

export async function updateProfile(id: string, changes: UpdateUser): Promise<PublicUser> {
  const values = {
    ...(changes.name !== undefined ? { name: changes.name } : {}),
    ...(changes.email !== undefined ? { email: normalizeEmail(changes.email) } : {}),
  };
  try {
    const row = Object.keys(values).length > 0 ? await updateUser(id, values) : await findUserById(id);
    if (!row) throw notFound('The account no longer exists.');
    return toPublicUser(row);
  } catch (error) {
    if (isUniqueViolation(error)) throw emailTaken();
    throw error;
  }
}

/** Checks the current password and stores the new one; older sessions and access tokens stop counting. */
export async function changePassword(
  id: string,
  currentPassword: string,
  newPassword: string,
): Promise<void> {
  const row = await findUserById(id);
  if (!row) throw notFound('The account no longer exists.');
  if (!(await verifyPassword(row.passwordHash, currentPassword))) {
    throw new DomainError('invalid', 'The current password is not correct.', {
      errors: [{ path: 'body.currentPassword', message: 'is not your current password' }],
    });
  }
  assertPasswordPolicy(newPassword, 'body.newPassword');
  // Ends every session and access token issued before now (the guard compares their issue time).
  await updateUser(id, { passwordHash: await hashPassword(newPassword), credentialsChangedAt: new Date() });
}

/**
 * Erases the account: the row first (tokens and upload rows go by cascade, and no new upload can reference
 * it), then every stored byte under the user's prefix, including an upload that raced the deletion.
 */
export async function deleteAccount(id: string): Promise<void> {
  if (!(await deleteUser(id))) throw notFound('The account no longer exists.');
  await eraseUserUploads(id);
}
