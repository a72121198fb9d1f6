import { index, integer, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { users } from '@/features/accounts/repository/users.table';
import { baseColumns } from '@/features/core/database/columns';

// Outfit photos. The bytes live in storage (disk or S3) under `storage_key`; rows go with their user.
export const uploads = pgTable(
  'uploads',
  {
    ...baseColumns(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    contentType: text('content_type').notNull(),
    bytes: integer('bytes').notNull(),
    width: integer('width').notNull(),
    height: integer('height').notNull(),
    sha256: text('sha256').notNull(),
    storageKey: text('storage_key').notNull(),
  },
  (table) => [index('uploads_user_id_idx').on(table.userId, table.id)],
);

export type UploadRow = typeof uploads.$inferSelect;
