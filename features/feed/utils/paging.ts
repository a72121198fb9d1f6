import { decodeCursor, encodeCursor } from '@/features/core/http/pagination';

// Stable paging (docs/product.md §6): a batch is ranked once, stored, and paged by offset. The cursor names the batch
// and the offset, so swipes between pages cannot shift what the next page holds.

export const BATCH_TTL_MS = 300_000;
/** Products served earlier in a paging session that the next batch keeps out (most recent first). */
export const MAX_SERVED_MEMORY = 1000;

export interface FeedCursor {
  batchId: string;
  offset: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** `<batch id>:<offset>`, the key a feed cursor encodes. */
const FEED_CURSOR_KEY = /^([0-9a-f-]{36}):(\d{1,4})$/;

export function encodeFeedCursor(cursor: FeedCursor): string {
  return encodeCursor(`${cursor.batchId}:${cursor.offset}`);
}

/** The batch and offset inside a cursor, or undefined when it is not one of ours. */
export function decodeFeedCursor(cursor: string): FeedCursor | undefined {
  const key = decodeCursor(cursor, (candidate) => FEED_CURSOR_KEY.test(candidate));
  const match = key === undefined ? null : FEED_CURSOR_KEY.exec(key);
  if (!match || !UUID.test(match[1] as string)) return undefined;
  return { batchId: match[1] as string, offset: Number(match[2]) };
}

/**
 * What a new batch continuing a session keeps out: the products served so far in the session (those of the
 * previous batch up to its offset, then what that batch itself kept out), newest first, bounded.
 */
export function servedInSession(
  previous: { productIds: readonly string[]; servedBefore: readonly string[] } | undefined,
  offset: number,
): string[] {
  if (!previous) return [];
  const seen = new Set<string>();
  const out: string[] = [];
  const servedNow = previous.productIds.slice(0, offset).reverse();
  for (const id of [...servedNow, ...previous.servedBefore]) {
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(id);
    if (out.length === MAX_SERVED_MEMORY) break;
  }
  return out;
}
