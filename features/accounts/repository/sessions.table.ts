import { index, pgTable, timestamp, uuid } from 'drizzle-orm/pg-core';
import { baseColumns } from '@/features/core/database/columns';
import { users } from './users.table';

// Web sessions (next-auth JWT cookies). The cookie carries this row's id; the row decides whether the cookie
// still counts: sign-out and a password change revoke it, account deletion removes it, and `expires_at` is
// the absolute lifetime that no rolling refresh of the cookie extends.
export const sessions = pgTable(
  'sessions',
  {
    ...baseColumns(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    authTime: timestamp('auth_time', { withTimezone: true, mode: 'date' }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
  },
  (table) => [index('sessions_user_idx').on(table.userId), index('sessions_expires_idx').on(table.expiresAt)],
);

export type SessionRow = typeof sessions.$inferSelect;
