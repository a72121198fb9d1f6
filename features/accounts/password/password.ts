import { hash, parseOptions, verify } from '@node-rs/argon2';
import { passwordHashing } from '@/features/core/admission/admission';
import { breachListForm, loadBreachedPasswords } from './breached-passwords';

// Passwords: argon2id (OWASP's minimum profile: m=19 MiB, t=2, p=1), hashed on libuv's thread pool so the
// event loop keeps serving. Verification reads the algorithm and parameters from the stored PHC string, so
// the parameters below can be raised later: `needsRehash` tells login to upgrade an old hash.

const ARGON2ID = 2; // Algorithm.Argon2id (a `const enum` in @node-rs/argon2's types; isolatedModules cannot import it)
export const PASSWORD_PARAMS = {
  algorithm: ARGON2ID,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 256;

/** NFKC, so the same password typed on different keyboards / OSes hashes the same. */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

/** NIST 800-63B: length and a breach list, no composition rules. Returns a message, or undefined if acceptable. */
export function passwordPolicyProblem(password: string): string | undefined {
  const normalized = normalizePassword(password);
  const length = [...normalized].length; // code points, not UTF-16 units
  if (length < MIN_PASSWORD_LENGTH) return `must be at least ${MIN_PASSWORD_LENGTH} characters`;
  if (length > MAX_PASSWORD_LENGTH) return `must be at most ${MAX_PASSWORD_LENGTH} characters`;
  if (loadBreachedPasswords(MIN_PASSWORD_LENGTH).has(breachListForm(normalized)))
    return 'is one of the most common passwords (found in public breaches); choose another';
  return undefined;
}

export function hashPassword(password: string): Promise<string> {
  return passwordHashing().run(() => hash(normalizePassword(password), PASSWORD_PARAMS));
}

/** Verifies against a stored hash of any supported algorithm (today: argon2 variants). */
export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  if (!stored.startsWith('$argon2')) return false;
  // At capacity, `run` throws (503); only a failing verification means "no".
  return passwordHashing().run(async () => {
    try {
      return await verify(stored, normalizePassword(password));
    } catch {
      return false; // a malformed stored hash never authenticates
    }
  });
}

export function needsRehash(stored: string): boolean {
  try {
    const options = parseOptions(stored);
    return (
      options.algorithm !== PASSWORD_PARAMS.algorithm ||
      options.memoryCost !== PASSWORD_PARAMS.memoryCost ||
      options.timeCost !== PASSWORD_PARAMS.timeCost ||
      options.parallelism !== PASSWORD_PARAMS.parallelism
    );
  } catch {
    return true;
  }
}

let dummyHash: Promise<string> | undefined;
/**
 * A hash of a random password with the current parameters: verifying against it costs what a real
 * verification costs, so an unknown email answers in the same time as a wrong password.
 */
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hash(crypto.randomUUID(), PASSWORD_PARAMS);
  return dummyHash;
}
