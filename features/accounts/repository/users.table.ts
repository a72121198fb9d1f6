import { pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { baseColumns } from '@/features/core/database/columns';

export const users = pgTable(
  'users',
  {
    ...baseColumns(),
    // Stored normalised (trimmed, lower-cased) by the service, so the unique index catches case variants.
    email: text('email').notNull(),
    name: text('name'),
    passwordHash: text('password_hash').notNull(),
    // Sessions and access tokens issued before this instant are refused (set by a password change).
    credentialsChangedAt: timestamp('credentials_changed_at', { withTimezone: true, mode: 'date' }),
    // When the current email was proven to reach its owner (a verification link or a password reset sent
    // there); cleared by an email change.
    emailVerifiedAt: timestamp('email_verified_at', { withTimezone: true, mode: 'date' }),
  },
  (table) => [uniqueIndex('users_email_unique').on(table.email)],
);

export type UserRow = typeof users.$inferSelect;
export type NewUserRow = typeof users.$inferInsert;
