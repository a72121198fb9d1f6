import { type AnyColumn, type SQL, sql } from 'drizzle-orm';

// Arrays read as one comma-separated string. The drivers parse an array column's text a character at a time
// (node-postgres' postgres-array: ~0.5 ms for a 280-float style vector); one split is a small fraction of that.
// For arrays whose elements are never NULL and never contain a comma: numbers, UUIDs. Postgres prints the
// elements exactly as in the array's own text, so the values read are the same.

/** The column as `a,b,c` ('' for an empty array, null for NULL). */
export const joinedArray = (column: AnyColumn): SQL<string | null> =>
  sql<string | null>`array_to_string(${column}, ',')`;

export function splitNumbers(joined: string | null): number[] | null {
  if (joined === null) return null;
  return joined === '' ? [] : joined.split(',').map(Number);
}

export function splitStrings(joined: string | null): string[] | null {
  if (joined === null) return null;
  return joined === '' ? [] : joined.split(',');
}
