import { integer, pgTable, timestamp, uuid } from 'drizzle-orm/pg-core';
import { users } from '@/features/accounts/repository/users.table';
import { baseColumns } from '@/features/core/database/columns';

// Per-user fixed-window counter of upload attempts. Counted here rather than from `uploads` rows, so
// deleting photos does not buy more uploads: each attempt costs a decode whether or not its row survives.
export const uploadRateLimits = pgTable('upload_rate_limits', {
  ...baseColumns(),
  userId: uuid('user_id')
    .notNull()
    .unique('upload_rate_limits_user_id_unique')
    .references(() => users.id, { onDelete: 'cascade' }),
  windowStartedAt: timestamp('window_started_at', { withTimezone: true, mode: 'date' }).notNull(),
  hits: integer('hits').notNull(),
});
