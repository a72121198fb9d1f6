import { z } from 'zod';

// The one list envelope: `?limit=&cursor=` in, `{ items, nextCursor }` out. Cursors are opaque to clients
// (base64url of the last item's sort key); keyset pagination over a time-ordered id means items created while
// a client pages never shift the pages it has not read yet: no duplicates, no gaps.

/**
 * The `cursor` query parameter, decoded at the edge: a cursor that is not one of ours is a 422 on
 * `query.cursor` with the other field errors, and the service receives the decoded position.
 */
export function cursorParam<T>(
  decode: (cursor: string) => T | undefined,
  description = 'The `nextCursor` of the previous page; omit for the first page',
) {
  return z
    .string()
    .max(200)
    .transform((cursor, context): T => {
      const decoded = decode(cursor);
      if (decoded === undefined) {
        context.addIssue({ code: 'custom', message: 'is not a cursor from this API' });
        return z.NEVER;
      }
      return decoded;
    })
    .optional()
    .meta({ description });
}

/** `?limit=&cursor=` of a list keyset-paginated on a UUID id; the cursor arrives decoded (the last id seen). */
export const CursorQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20).meta({ description: 'Items per page (1–100)' }),
  cursor: cursorParam((cursor) => decodeCursor(cursor)),
});

export function pageSchema<T extends z.ZodType>(item: T, id: string) {
  return z
    .object({
      items: z.array(item),
      nextCursor: z
        .string()
        .nullable()
        .meta({ description: 'Pass as `cursor` for the next page; null on the last' }),
    })
    .meta({ id });
}

export function encodeCursor(key: string): string {
  return Buffer.from(key, 'utf8').toString('base64url');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Keys of lists keyset-paginated on a UUID id (every list so far). */
export const isUuidKey = (key: string) => UUID.test(key);

/**
 * The key inside a cursor, or undefined if it is not one of ours: it must decode AND name a valid position
 * (`isKey`), so a cursor like base64url("x") never reaches a query as a malformed id (a 500 on Postgres).
 */
export function decodeCursor(
  cursor: string,
  isKey: (key: string) => boolean = isUuidKey,
): string | undefined {
  const key = Buffer.from(cursor, 'base64url').toString('utf8');
  return encodeCursor(key) === cursor && isKey(key) ? key : undefined;
}

/** Builds a page from `limit + 1` rows fetched after the cursor. */
export function toPage<Row, Item>(
  rows: Row[],
  limit: number,
  key: (row: Row) => string,
  map: (row: Row) => Item,
) {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items: items.map(map), nextCursor: rows.length > limit && last ? encodeCursor(key(last)) : null };
}
