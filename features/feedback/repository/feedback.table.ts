import { sql } from 'drizzle-orm';
import { index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { users } from '@/features/accounts/repository/users.table';
import { products } from '@/features/catalog/repository/products.table';
import { baseColumns } from '@/features/core/database/columns';

// What users did with products (docs/product.md §7). Every row goes with its user (account deletion) and product.

// The learning queue: likes, dislikes, saves and explicit undos, in creation order (created_at, id). Rows are
// never updated; an undo is a row of its own pointing at the interaction it reverses.
export const interactions = pgTable(
  'interactions',
  {
    ...baseColumns(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    productId: uuid('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
    /** like | dislike | save | undo */
    action: text('action').notNull(),
    undoesId: uuid('undoes_id'),
    batchId: uuid('batch_id'),
    position: integer('position'),
  },
  (table) => [
    index('interactions_user_order_idx').on(table.userId, table.createdAt, table.id),
    index('interactions_product_created_idx').on(table.productId, table.createdAt),
    // One undo per interaction.
    uniqueIndex('interactions_undoes_id_unique').on(table.undoesId).where(sql`${table.undoesId} is not null`),
    // The retention purge (server/retention.ts) finds old undos, and through them the swipes they undid.
    index('interactions_undo_created_idx').on(table.createdAt).where(sql`${table.undoesId} is not null`),
  ],
);

// What was shown: one row per (user, product, client session), merged on repeat reports.
export const exposures = pgTable(
  'exposures',
  {
    ...baseColumns(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    productId: uuid('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
    sessionId: text('session_id').notNull(),
    feedMode: text('feed_mode').notNull(),
    position: integer('position').notNull(),
    shownAt: timestamp('shown_at', { withTimezone: true, mode: 'date' }).notNull(),
    action: text('action'),
    actionAt: timestamp('action_at', { withTimezone: true, mode: 'date' }),
    dwellMs: integer('dwell_ms'),
  },
  (table) => [
    uniqueIndex('exposures_user_product_session_unique').on(table.userId, table.productId, table.sessionId),
    index('exposures_shown_at_idx').on(table.shownAt),
  ],
);

// Click-outs to the store: the revenue path, traceable to the batch and position that showed the product.
export const clicks = pgTable(
  'clicks',
  {
    ...baseColumns(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    productId: uuid('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
    batchId: uuid('batch_id'),
    position: integer('position'),
  },
  (table) => [
    index('clicks_user_idx').on(table.userId, table.createdAt),
    index('clicks_created_at_idx').on(table.createdAt),
  ],
);

export type InteractionRow = typeof interactions.$inferSelect;
export type ExposureRow = typeof exposures.$inferSelect;
export type ClickRow = typeof clicks.$inferSelect;
