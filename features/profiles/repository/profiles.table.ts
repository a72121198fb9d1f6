import {
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  real,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { users } from '@/features/accounts/repository/users.table';
import { baseColumns } from '@/features/core/database/columns';

// One style profile per user (docs/product.md §5, §7): the style vector, the price profile and the counters the
// learning reads. `version` guards every update (a stale writer changes nothing).
export const styleProfiles = pgTable(
  'style_profiles',
  {
    ...baseColumns(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    vector: real('vector').array(),
    modelId: text('model_id'),
    dims: integer('dims'),
    confidence: doublePrecision('confidence').notNull().default(0),
    version: integer('version').notNull().default(0),
    /** onboarding | auto_coldstart | learning */
    source: text('source').notNull(),
    interactionCount: integer('interaction_count').notNull().default(0),
    likes: integer('likes').notNull().default(0),
    dislikes: integer('dislikes').notNull().default(0),
    priceMin: doublePrecision('price_min'),
    priceMax: doublePrecision('price_max'),
    priceMedian: doublePrecision('price_median'),
    priceStd: doublePrecision('price_std'),
    lastProfileUpdateAt: timestamp('last_profile_update_at', { withTimezone: true, mode: 'date' }),
    lastProcessedInteractionId: uuid('last_processed_interaction_id'),
    hasPhotos: boolean('has_photos').notNull().default(false),
    onboardedAt: timestamp('onboarded_at', { withTimezone: true, mode: 'date' }),
  },
  (table) => [uniqueIndex('style_profiles_user_id_unique').on(table.userId)],
);

export interface OnboardingCardRecord {
  productId: string;
  source: 'primary' | 'diversity';
  position: number;
  /** The price when the card was shown (the price profile is built from liked cards' prices). */
  price: number;
}

export interface OnboardingAnswer {
  productId: string;
  liked: boolean;
}

// A calibration session: the photos the user named, their vectors, and the 15 cards shown. Completion may
// only name these cards. Goes with the user (cascade): account deletion erases photos' vectors too.
export const onboardingSessions = pgTable(
  'onboarding_sessions',
  {
    ...baseColumns(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    photoIds: uuid('photo_ids').array().notNull(),
    /** The photo vectors, concatenated (photo_count × dims). */
    photoVectors: real('photo_vectors').array().notNull(),
    modelId: text('model_id').notNull(),
    dims: integer('dims').notNull(),
    clusterRunId: uuid('cluster_run_id'),
    primaryClusters: integer('primary_clusters').array().notNull(),
    diversityClusters: integer('diversity_clusters').array().notNull(),
    cards: jsonb('cards').$type<OnboardingCardRecord[]>().notNull(),
    /** The answers given at completion: each is a swipe the learner reads (PRODUCT.md §5), oldest first. */
    answers: jsonb('answers').$type<OnboardingAnswer[]>(),
    completedAt: timestamp('completed_at', { withTimezone: true, mode: 'date' }),
  },
  (table) => [index('onboarding_sessions_user_id_idx').on(table.userId, table.createdAt)],
);

export type StyleProfileRow = typeof styleProfiles.$inferSelect;
export type OnboardingSessionRow = typeof onboardingSessions.$inferSelect;
