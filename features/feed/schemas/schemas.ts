import { z } from 'zod';
import { CATEGORIES, productCardFields } from '@/features/catalog/schemas/schemas';
import { cursorParam } from '@/features/core/http/pagination';
import { decodeFeedCursor } from '../utils/paging';

// The feed (docs/architecture.md §3, docs/product.md §6): stable pages from stored batches, and why each card was shown.

export const FEED_MODES = ['trending', 'exploring', 'personalized'] as const;
export const CARD_SOURCES = ['primary', 'exploration', 'trending'] as const;
export const PLACEMENTS = ['best_guess', 'exploration_draw', 'cluster', 'trending'] as const;

export const FeedQuerySchema = z.object({
  cursor: cursorParam(decodeFeedCursor, 'The `nextCursor` of the previous page; omit for a fresh feed'),
  pageSize: z.coerce.number().int().min(1).max(50).default(20).meta({ description: 'Cards per page (1–50)' }),
  category: z.enum(CATEGORIES).optional().meta({ description: 'Only products of this category' }),
});
export type FeedQuery = z.output<typeof FeedQuerySchema>;

export const FeedItemSchema = z
  .object({
    ...productCardFields,
    score: z.number(),
    explanation: z.string(),
    source: z.enum(CARD_SOURCES).meta({
      description:
        'primary: the learner’s best guess (it expects a like); exploration: a Thompson draw it is unsure of, or a cluster card while it explores; trending: popular with other shoppers',
    }),
    position: z.number().int().min(1).meta({ description: 'Position in the batch (1-based)' }),
  })
  .meta({ id: 'FeedItem', description: 'A product card of the feed' });
export type PublicFeedItem = z.input<typeof FeedItemSchema>;

export const FeedPageSchema = z
  .object({
    items: z.array(FeedItemSchema),
    nextCursor: z.string().nullable().meta({ description: 'Pass as `cursor` for the next page' }),
    feedMode: z.enum(FEED_MODES).meta({
      description:
        'trending: no signal and no style clusters yet; exploring: one card per style cluster until a first like, or right after a change of taste; personalized: the learner ranks',
    }),
    batchId: z.uuid().nullable().meta({ description: 'The stored batch these cards come from' }),
  })
  .meta({ id: 'FeedPage' });
export type PublicFeedPage = z.input<typeof FeedPageSchema>;

export const BatchIdSchema = z.object({ batchId: z.uuid() });

export const FeedDecisionSchema = z
  .object({
    productId: z.uuid(),
    position: z.number().int().min(1),
    source: z.enum(CARD_SOURCES),
    score: z.number(),
    explanation: z.string(),
    factors: z.object({
      placement: z.enum(PLACEMENTS).meta({
        description:
          'best_guess: a Thompson draw the model expects you to like; exploration_draw: a draw it is unsure of; cluster: a style-cluster card (cold start, after a reset); trending',
      }),
      probability: z.number().nullable().meta({ description: 'The model’s like probability (0–1)' }),
      uncertainty: z
        .number()
        .nullable()
        .meta({ description: 'Posterior standard deviation of the model’s score (log-odds)' }),
      nearestLikedProductId: z
        .uuid()
        .nullable()
        .meta({ description: 'The product you liked that is most like this one (the evidence)' }),
      cluster: z
        .number()
        .int()
        .nullable()
        .meta({ description: 'The product’s exploration cluster (k = 20)' }),
      priceScore: z.number().nullable().meta({ description: 'Fit to your usual price range (0–1)' }),
      freshness: z.number().meta({ description: 'exp(−ln2 · age / 14 days); 0 for a future date' }),
      popularity: z.number().nullable().meta({ description: 'Trending popularity (trending cards)' }),
    }),
    servedAt: z.iso.datetime(),
  })
  .meta({ id: 'FeedDecision', description: 'Why one card was shown' });

export const FeedDecisionsSchema = z
  .object({
    batchId: z.uuid(),
    feedMode: z.enum(FEED_MODES),
    createdAt: z.iso.datetime(),
    relaxations: z.array(z.enum(['price_window', 'revisits'])).meta({
      description:
        'Shortfall-ladder steps the batch needed: the price window dropped, already-seen products shown',
    }),
    reset: z.boolean().meta({
      description:
        'The batch follows a taste-shift reset: earlier swipes were discounted and clusters explored',
    }),
    items: z.array(FeedDecisionSchema),
  })
  .meta({ id: 'FeedDecisions', description: 'The decision log of one of your batches (kept 90 days)' });
export type PublicFeedDecisions = z.input<typeof FeedDecisionsSchema>;
