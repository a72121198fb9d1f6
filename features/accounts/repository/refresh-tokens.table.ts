import { index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { baseColumns } from '@/features/core/database/columns';
import { users } from './users.table';

// Refresh tokens of external clients. Only a SHA-256 of each token is stored (they are 256-bit random, so a
// fast hash is enough). A family is one sign-in: every rotation adds a token to it; presenting a used or
// revoked token revokes the whole family. `auth_time` is the family's sign-in instant, compared with the
// account's credentials_changed_at (docs/decisions/0002-accounts-token-families.md).
export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    ...baseColumns(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    familyId: uuid('family_id').notNull(),
    tokenHash: text('token_hash').notNull().unique('refresh_tokens_token_hash_unique'),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true, mode: 'date' }),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
    authTime: timestamp('auth_time', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (table) => [
    index('refresh_tokens_family_idx').on(table.familyId),
    index('refresh_tokens_user_idx').on(table.userId),
    index('refresh_tokens_expires_idx').on(table.expiresAt),
  ],
);

export type RefreshTokenRow = typeof refreshTokens.$inferSelect;
