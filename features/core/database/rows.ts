import type { SQL } from 'drizzle-orm';
import type { Database } from './client';

/** Runs raw SQL and returns its rows: every driver's result carries `rows`, but under different types. */
export async function queryRows<Row>(db: Database, query: SQL): Promise<Row[]> {
  const result = (await db.execute(query)) as unknown as { rows: Row[] };
  return result.rows;
}
