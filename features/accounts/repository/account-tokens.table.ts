import { index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { baseColumns } from '@/features/core/database/columns';
import { users } from './users.table';

// Single-use tokens that travel by mail: password resets and email verifications. Only a SHA-256 of each
// token is stored (256 random bits, so a fast hash is enough). One live token per account and purpose: a new
// one replaces the last. `email` is the address the mail went to — a token proves only that address.
// Deleting the account deletes its tokens (ON DELETE CASCADE).
export const accountTokens = pgTable(
  'account_tokens',
  {
    ...baseColumns(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    purpose: text('purpose', { enum: ['password_reset', 'email_verification'] }).notNull(),
    tokenHash: text('token_hash').notNull().unique('account_tokens_token_hash_unique'),
    email: text('email').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (table) => [
    index('account_tokens_user_purpose_idx').on(table.userId, table.purpose),
    index('account_tokens_expires_idx').on(table.expiresAt),
  ],
);

export type AccountTokenPurpose = (typeof accountTokens.$inferSelect)['purpose'];
