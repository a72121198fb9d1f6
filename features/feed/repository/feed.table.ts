import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { users } from '@/features/accounts/repository/users.table';
import { baseColumns } from '@/features/core/database/columns';
import type { CardFactors } from '../utils/rank';

/**
 * One ranked card as stored in its batch: enough to serve it and to explain it later (PRODUCT.md §6). Batches
 * ranked before the learner (kept 90 days) have `source` diversity, and cosine/prior instead of the learner's
 * fields: those read as absent.
 */
export type StoredCard = {
  productId: string;
  source: string;
  score: number;
  explanation: string;
} & Pick<CardFactors, 'cluster' | 'priceScore' | 'freshness' | 'popularity'> &
  Partial<Pick<CardFactors, 'placement' | 'probability' | 'uncertainty' | 'nearestLikedId' | 'reset'>>;

// A batch of up to 60 ranked cards, stored so that pages come from it unchanged (docs/product.md §6).
export const feedBatches = pgTable(
  'feed_batches',
  {
    ...baseColumns(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    mode: text('mode').notNull(),
    profileVersion: integer('profile_version').notNull(),
    category: text('category'),
    cards: jsonb('cards').$type<StoredCard[]>().notNull(),
    /** Shortfall-ladder steps taken: price_window, revisits. */
    relaxations: text('relaxations').array().notNull(),
    /** Products served earlier in the paging session, kept out of this batch. */
    servedBefore: uuid('served_before').array().notNull(),
    /** How many cards the batch holds (the length of `cards`, kept so a page is checked without reading them). */
    size: integer('size').notNull(),
  },
  (table) => [
    index('feed_batches_user_created_idx').on(table.userId, table.createdAt),
    // The retention purge (server/retention.ts) reads batches by age alone.
    index('feed_batches_created_at_idx').on(table.createdAt),
  ],
);

// The decision log (docs/product.md §6, GDPR Art. 22): every page served from a batch, a row each. Why each served card
// was shown is its batch's card (the factors that placed it, stored when the batch was ranked) at a position one of
// these rows covers, served at the row's `created_at`; a position a row covers but lists in `skipped` was not served
// by it (its product had left the catalogue). Kept 90 days, like the batches.
export const feedServedPages = pgTable(
  'feed_served_pages',
  {
    ...baseColumns(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    batchId: uuid('batch_id')
      .notNull()
      .references(() => feedBatches.id, { onDelete: 'cascade' }),
    /** The page's first and last position in the batch (1-based, inclusive). */
    firstPosition: integer('first_position').notNull(),
    lastPosition: integer('last_position').notNull(),
    /** Positions of the page it did not serve. */
    skipped: integer('skipped').array().notNull().default(sql`'{}'::integer[]`),
  },
  (table) => [
    index('feed_served_pages_batch_idx').on(table.batchId, table.createdAt),
    index('feed_served_pages_created_at_idx').on(table.createdAt),
  ],
);

export type FeedBatchRow = typeof feedBatches.$inferSelect;
export type FeedServedPageRow = typeof feedServedPages.$inferSelect;
