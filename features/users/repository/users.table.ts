import { pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { baseColumns } from '@/features/core/database/columns';

export const users = pgTable(
  'users',
  {
    ...baseColumns(),
    // Stored normalised (trimmed, lower-cased) by the service, so the unique index catches case variants.
    email: text('email').notNull(),
    name: text('name'),
    passwordHash: text('password_hash').notNull(),
  },
  (table) => [uniqueIndex('users_email_unique').on(table.email)],
);

export type UserRow = typeof users.$inferSelect;
export type NewUserRow = typeof users.$inferInsert;
