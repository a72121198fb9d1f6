import {
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { users } from '@/features/accounts/repository/users.table';
import { baseColumns } from '@/features/core/database/columns';

/** One ranked card as stored in its batch: enough to serve it and to explain it later. */
export interface StoredCard {
  productId: string;
  source: 'primary' | 'diversity' | 'trending';
  score: number;
  explanation: string;
  cosine: number | null;
  cluster: number | null;
  prior: number | null;
  priceScore: number | null;
  freshness: number;
  popularity: number | null;
}

// A batch of up to 60 ranked cards, stored so that pages come from it unchanged (PRODUCT.md §6).
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
    /** How far the batch has been served. */
    servedCount: integer('served_count').notNull().default(0),
  },
  (table) => [index('feed_batches_user_created_idx').on(table.userId, table.createdAt)],
);

// Why each served card was shown (GDPR Art. 22): the factors that placed it. Kept 90 days.
export const feedDecisions = pgTable(
  'feed_decisions',
  {
    ...baseColumns(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    batchId: uuid('batch_id')
      .notNull()
      .references(() => feedBatches.id, { onDelete: 'cascade' }),
    productId: uuid('product_id').notNull(),
    position: integer('position').notNull(),
    mode: text('mode').notNull(),
    source: text('source').notNull(),
    score: doublePrecision('score').notNull(),
    explanation: text('explanation').notNull(),
    cosine: doublePrecision('cosine'),
    cluster: integer('cluster'),
    prior: doublePrecision('prior'),
    priceScore: doublePrecision('price_score'),
    freshness: doublePrecision('freshness').notNull(),
    popularity: doublePrecision('popularity'),
  },
  (table) => [
    uniqueIndex('feed_decisions_batch_position_unique').on(table.batchId, table.position),
    index('feed_decisions_created_at_idx').on(table.createdAt),
  ],
);

export type FeedBatchRow = typeof feedBatches.$inferSelect;
export type FeedDecisionRow = typeof feedDecisions.$inferSelect;
