import { z } from 'zod';
import { productCardFields } from '@/features/catalog/schemas/schemas';

// Onboarding (calibration → completion) and the profile view (docs/architecture.md §3).

const distinct = (ids: readonly string[]) => new Set(ids).size === ids.length;

export const CalibrationRequestSchema = z
  .object({
    photoIds: z
      .array(z.uuid())
      .min(1)
      .max(2)
      .refine(distinct, { message: 'must not repeat a photo' })
      .meta({ description: '1–2 ids of your own uploads (POST /api/uploads)' }),
  })
  .meta({ id: 'CalibrationRequest' });

export const CalibrationCardSchema = z
  .object({
    ...productCardFields,
    score: z.number().meta({ description: 'Cosine similarity to your photos' }),
    explanation: z.string(),
    source: z.enum(['primary', 'diversity']).meta({
      description: 'primary: from the 3 clusters nearest your photos; diversity: from the 4th–5th',
    }),
    position: z.number().int().min(1).max(15),
  })
  .meta({ id: 'CalibrationCard', description: 'A product to swipe during onboarding (the feed item shape)' });

export const CalibrationSchema = z
  .object({
    sessionId: z.uuid(),
    items: z.array(CalibrationCardSchema),
    primaryClusters: z.array(z.number().int().nonnegative()),
    diversityClusters: z.array(z.number().int().nonnegative()),
  })
  .meta({
    id: 'Calibration',
    description: 'The calibration session: 15 cards, diversity at positions 5, 10, 15',
  });

export const CompleteOnboardingSchema = z
  .object({
    sessionId: z.uuid(),
    likedProductIds: z
      .array(z.uuid())
      .min(1, { message: 'like at least one card' })
      .max(15)
      .refine(distinct, { message: 'must not repeat a card' }),
    dislikedProductIds: z
      .array(z.uuid())
      .max(15)
      .refine(distinct, { message: 'must not repeat a card' })
      .default([]),
  })
  .meta({ id: 'CompleteOnboarding', description: 'Cards of that calibration session only' });

export const PriceProfileSchema = z
  .object({
    priceMin: z.number().nonnegative(),
    priceMax: z.number().nonnegative(),
    priceMedian: z.number().nonnegative(),
    priceStd: z.number().nonnegative(),
  })
  .meta({ id: 'PriceProfile' });

export const ProfileSchema = z
  .object({
    onboardingCompleted: z.boolean(),
    feedMode: z.enum(['trending', 'exploring', 'personalized']),
    confidence: z.number().min(0).max(1).meta({ description: 'min(1, ln(1 + n)/ln(201))' }),
    version: z.number().int().nonnegative(),
    source: z.enum(['onboarding', 'auto_coldstart', 'learning']).nullable(),
    interactionCount: z.number().int().nonnegative(),
    priceProfile: PriceProfileSchema.nullable(),
    lastProfileUpdateAt: z.iso.datetime({ offset: true }).nullable(),
  })
  .meta({ id: 'StyleProfile', description: 'Your style profile (the vector itself is never shown)' });

export type CalibrationRequest = z.output<typeof CalibrationRequestSchema>;
export type Calibration = z.input<typeof CalibrationSchema>;
export type CompleteOnboarding = z.output<typeof CompleteOnboardingSchema>;
export type ProfileView = z.input<typeof ProfileSchema>;
