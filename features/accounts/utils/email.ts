/**
 * The one stored form of an email (trimmed, lower-cased): the unique index, the rate-limit keys and every
 * lookup use it, so case variants are one account everywhere.
 */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
