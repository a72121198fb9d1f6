import { index, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { baseColumns } from '@/features/core/database/columns';

// Counters for auth rate limits, in Postgres so every instance shares them (no Redis needed): fixed windows
// per client address, and per-account sign-in failures (`window_started_at` = the last failure there).
export const rateLimits = pgTable(
  'rate_limits',
  {
    ...baseColumns(),
    key: text('key').notNull().unique('rate_limits_key_unique'),
    windowStartedAt: timestamp('window_started_at', { withTimezone: true, mode: 'date' }).notNull(),
    hits: integer('hits').notNull(),
  },
  (table) => [index('rate_limits_window_idx').on(table.windowStartedAt)],
);
