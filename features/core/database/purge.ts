import { type SQL, sql } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import { getDb } from './client';
import { queryRows } from './rows';

/** Rows a purge deletes in one statement. */
export const PURGE_CHUNK = 5_000;

/**
 * Deletes the rows of `table` (a table with an `id` key) that `where` selects, at most `chunk` a statement until
 * none is left: a large backlog goes as many short statements, each well within the statement timeout and none
 * holding its locks for long, instead of one. `where` reads the table's own columns. Returns how many went.
 */
export async function deleteInChunks(table: PgTable, where: SQL, chunk = PURGE_CHUNK): Promise<number> {
  const db = await getDb();
  let total = 0;
  for (;;) {
    const rows = await queryRows<{ id: string }>(
      db,
      sql`delete from ${table} where id in (select id from ${table} where ${where} limit ${chunk}) returning id`,
    );
    total += rows.length;
    if (rows.length < chunk) return total;
  }
}
