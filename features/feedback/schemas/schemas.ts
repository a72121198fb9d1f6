import { z } from 'zod';
import { ProductSchema } from '@/features/catalog/schemas/schemas';
import { pageSchema } from '@/features/core/http/pagination';

// Feedback (docs/architecture.md §3, docs/product.md §7): swipes, undo, exposures, saves, click-out.

export const SWIPE_ACTIONS = ['like', 'dislike', 'save'] as const;
export const FEED_MODES = ['trending', 'exploring', 'personalized'] as const;
export const MAX_EXPOSURES = 100;

const position = z.number().int().min(1).max(10_000);

export const FeedbackCreateSchema = z
  .object({
    productId: z.uuid(),
    action: z.enum(SWIPE_ACTIONS),
    batchId: z.uuid().optional().meta({ description: 'The feed batch that showed the product, when known' }),
    position: position.optional().meta({ description: 'Its position in that batch (1-based), when known' }),
  })
  .meta({ id: 'FeedbackCreate' });
export type FeedbackCreate = z.output<typeof FeedbackCreateSchema>;

export const InteractionSchema = z
  .object({
    id: z.uuid(),
    productId: z.uuid(),
    action: z.enum([...SWIPE_ACTIONS, 'undo']),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'Interaction', description: 'A recorded swipe (or undo)' });
export type PublicInteraction = z.input<typeof InteractionSchema>;

export const InteractionIdSchema = z.object({ id: z.uuid() });

export const ExposureEventSchema = z
  .object({
    productId: z.uuid(),
    sessionId: z.string().min(1).max(100).meta({ description: 'The client’s viewing session' }),
    feedMode: z.enum(FEED_MODES),
    position,
    shownAt: z.iso.datetime({ offset: true }),
    action: z.enum([...SWIPE_ACTIONS, 'skip']).optional(),
    actionAt: z.iso.datetime({ offset: true }).optional(),
    dwellMs: z
      .number()
      .int()
      .min(0)
      .max(24 * 3_600_000)
      .optional(),
  })
  .meta({ id: 'ExposureEvent', description: 'A product shown to the user' });
export type ExposureEvent = z.output<typeof ExposureEventSchema>;

export const ExposureBatchSchema = z
  .object({ events: z.array(ExposureEventSchema).min(1).max(MAX_EXPOSURES) })
  .meta({ id: 'ExposureBatch' });

export const ExposureResultSchema = z
  .object({
    received: z.number().int().nonnegative(),
    processed: z.number().int().nonnegative().meta({
      description: 'Exposures stored or merged (events naming unknown products are dropped)',
    }),
  })
  .meta({ id: 'ExposureResult' });

export const SavedProductSchema = z
  .object({
    id: z.uuid().meta({ description: 'The save (an interaction id)' }),
    savedAt: z.iso.datetime(),
    product: ProductSchema,
  })
  .meta({ id: 'SavedProduct' });
export type PublicSavedProduct = z.input<typeof SavedProductSchema>;
export const SavedProductPageSchema = pageSchema(SavedProductSchema, 'SavedProductPage');

export const ClickOutParamsSchema = z.object({ id: z.uuid() });
export const ClickOutQuerySchema = z.object({
  batchId: z.uuid().optional().meta({ description: 'The feed batch that showed the product' }),
  position: z.coerce.number().int().min(1).max(10_000).optional(),
});
