import { timestamp, uuid } from 'drizzle-orm/pg-core';
import { uuidv7 } from './uuid';

/**
 * Columns every table starts with. `updated_at` is kept current by the `stylipp_set_updated_at` trigger
 * (installed per table by a migration), so raw SQL updates advance it too; a test checks every table
 * with an `updated_at` column has that trigger.
 */
export const baseColumns = () => ({
  id: uuid('id').primaryKey().$defaultFn(uuidv7),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});
