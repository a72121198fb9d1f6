import { integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { baseColumns } from '@/features/core/database/columns';

// Fixed-window counters for auth rate limits, in Postgres so every instance shares them (no Redis needed).
export const rateLimits = pgTable('rate_limits', {
  ...baseColumns(),
  key: text('key').notNull().unique('rate_limits_key_unique'),
  windowStartedAt: timestamp('window_started_at', { withTimezone: true, mode: 'date' }).notNull(),
  hits: integer('hits').notNull(),
});
