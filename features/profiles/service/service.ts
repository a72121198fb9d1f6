import { limitUserWrite } from '@/features/accounts/service/rate-limit';
import {
  checkImageQuality,
  getEmbedder,
  loadCatalogVectors,
  toProductCard,
} from '@/features/catalog/service/service';
import { imageProcessing } from '@/features/core/admission/admission';
import { type Clock, systemClock } from '@/features/core/clock/clock';
import type { QueryPart } from '@/features/core/database/query-part';
import { conflict, DomainError, notFound } from '@/features/core/errors/errors';
import { getActiveClusters, planCalibration } from '@/features/styles/service/service';
import { getUploadContent } from '@/features/uploads/service/service';
import type { OnboardingAnswer } from '../repository/profiles.table';
import {
  completeOnboardingSession,
  findCompletedOnboardingSession,
  findOnboardingSession,
  findStyleProfile,
  insertOnboardingSession,
  profileVersionOf,
  purgeOnboardingSessions as purgeSessionRows,
  type StyleProfileRow,
} from '../repository/repository';
import type { Calibration, CompleteOnboarding, ProfileView } from '../schemas/schemas';
import {
  completionProblems,
  confidenceFor,
  type FeedMode,
  feedModeOf,
  type PriceProfile,
  priceProfile,
  rocchio,
} from '../utils/profile';

// Onboarding (docs/product.md §5): calibration from the user's own photos, completion into a style profile, and
// the profile other features read.

export type ProfileSource = 'onboarding' | 'auto_coldstart' | 'learning';

export interface StyleProfile {
  userId: string;
  vector: Float32Array | null;
  modelId: string | null;
  confidence: number;
  version: number;
  source: ProfileSource;
  interactionCount: number;
  likes: number;
  dislikes: number;
  priceProfile: PriceProfile | null;
  lastProfileUpdateAt: Date | null;
  lastProcessedInteractionId: string | null;
  hasPhotos: boolean;
}

function toStyleProfile(row: StyleProfileRow): StyleProfile {
  return {
    userId: row.userId,
    vector: row.vector ? Float32Array.from(row.vector) : null,
    modelId: row.modelId,
    confidence: row.confidence,
    version: row.version,
    source: row.source as ProfileSource,
    interactionCount: row.interactionCount,
    likes: row.likes,
    dislikes: row.dislikes,
    priceProfile:
      row.priceMin === null || row.priceMax === null || row.priceMedian === null || row.priceStd === null
        ? null
        : {
            priceMin: row.priceMin,
            priceMax: row.priceMax,
            priceMedian: row.priceMedian,
            priceStd: row.priceStd,
          },
    lastProfileUpdateAt: row.lastProfileUpdateAt,
    lastProcessedInteractionId: row.lastProcessedInteractionId,
    hasPhotos: row.hasPhotos,
  };
}

export async function getProfile(userId: string): Promise<StyleProfile | null> {
  const row = await findStyleProfile({ userId });
  return row ? toStyleProfile(row) : null;
}

/**
 * The version of the user's profile (0 without one: what getProfile(userId)?.version would give) as a part of
 * another feature's statement: `userId` is that statement's reference to the user's id.
 */
export const profileVersionQuery: (userId: QueryPart) => QueryPart = profileVersionOf;

/** The feed's base mode for this profile (see feedModeOf). */
export async function feedModeFor(profile: StyleProfile | null): Promise<FeedMode> {
  return feedModeOf(profile, (await getActiveClusters()) !== null);
}

/** The completed onboarding the learner stands on: photos, the onboarding vector, the calibration answers. */
export interface OnboardingRecord {
  modelId: string;
  /** The photos' vectors (each counts as a like). */
  photos: Float32Array[];
  /** The Rocchio vector of the completion (the learner's prior), from today's vectors of the answered cards. */
  vector: Float32Array;
  /** Every card the session showed (none comes back in the feed). */
  cardIds: string[];
  /** The answers, in card order: swipes the learner reads before any feed swipe. */
  answers: { productId: string; liked: boolean }[];
  completedAt: Date;
}

function photoVectorsOf(session: { photoVectors: number[]; dims: number }): Float32Array[] {
  return Array.from({ length: session.photoVectors.length / session.dims }, (_, i) =>
    Float32Array.from(session.photoVectors.slice(i * session.dims, (i + 1) * session.dims)),
  );
}

export async function getOnboardingRecord(
  userId: string,
  vectorOf: (productId: string) => Float32Array | undefined,
): Promise<OnboardingRecord | null> {
  const session = await findCompletedOnboardingSession({ userId });
  if (!session?.completedAt) return null;
  const answers = session.answers ?? [];
  const vectors = (liked: boolean) =>
    answers.flatMap((answer) => {
      const vector = answer.liked === liked ? vectorOf(answer.productId) : undefined;
      return vector ? [vector] : [];
    });
  const photos = photoVectorsOf(session);
  return {
    modelId: session.modelId,
    photos,
    vector: rocchio({ photos, liked: vectors(true), disliked: vectors(false) }),
    cardIds: session.cards.map((card) => card.productId),
    answers,
    completedAt: session.completedAt,
  };
}

export async function getProfileView(userId: string): Promise<ProfileView> {
  const row = await findStyleProfile({ userId });
  const profile = row ? toStyleProfile(row) : null;
  return {
    onboardingCompleted: row?.onboardedAt != null,
    feedMode: await feedModeFor(profile),
    confidence: profile?.confidence ?? 0,
    version: profile?.version ?? 0,
    source: profile?.source ?? null,
    interactionCount: profile?.interactionCount ?? 0,
    priceProfile: profile?.priceProfile ?? null,
    lastProfileUpdateAt: profile?.lastProfileUpdateAt?.toISOString() ?? null,
  };
}

// --- calibration ------------------------------------------------------------------------------------------

const EXPLANATIONS = {
  primary: 'Close to your photos',
  diversity: 'A neighbouring style, to calibrate',
} as const;

async function readPhoto(userId: string, photoId: string): Promise<Uint8Array> {
  const content = await getUploadContent(userId, photoId);
  return new Uint8Array(await new Response(await content.open()).arrayBuffer());
}

/** A calibration session (its photo vectors and cards) lives this long: completed within it, or gone. */
export const ONBOARDING_SESSION_TTL_MS = 24 * 3_600_000;

/**
 * Deletes the onboarding sessions created before `before` that nothing reads any more: unfinished ones, and
 * completed ones a later completion replaced. Run by the data-retention job (server/retention.ts: a day, the
 * session's lifetime); the latest completed session stays while the account lives.
 */
export function purgeOnboardingSessions(before: Date): Promise<number> {
  return purgeSessionRows({ before });
}

/**
 * Embeds 1–2 of the user's own photos (each through the quality gate) and builds the 15 calibration cards;
 * the session (photos, their vectors, the cards) stays server-side for completion.
 */
export async function startCalibration(userId: string, photoIds: readonly string[]): Promise<Calibration> {
  // Each calibration decodes and embeds up to two photos: heavy work, limited per user (429 + Retry-After).
  await limitUserWrite('calibration', userId);
  const embedder = getEmbedder();
  const vectors: Float32Array[] = [];
  const problems: { field: string; message: string }[] = [];
  for (const [i, photoId] of photoIds.entries()) {
    const bytes = await readPhoto(userId, photoId); // another user's photo: not found
    const quality = await checkImageQuality(bytes);
    if (!quality.ok) {
      problems.push({ field: `photoIds.${i}`, message: quality.issues.join(', ') });
      continue;
    }
    vectors.push(await imageProcessing().run(() => embedder.embed(bytes))); // a decode: admission control
  }
  if (problems.length > 0) {
    throw new DomainError(
      'invalid',
      `A photo does not pass the quality gate (${problems.map((p) => p.message).join('; ')}).`,
      { code: 'photo_quality', fields: problems },
    );
  }
  const plan = await planCalibration(vectors);
  if (!plan) {
    throw new DomainError('unavailable', 'Style clusters are being built; try again shortly.', {
      retryAfter: 10,
    });
  }
  const session = await insertOnboardingSession({
    userId,
    photoIds: [...photoIds],
    photoVectors: vectors.flatMap((vector) => [...vector]),
    modelId: embedder.modelId,
    dims: embedder.dims,
    clusterRunId: plan.runId,
    primaryClusters: plan.primaryClusters,
    diversityClusters: plan.diversityClusters,
    cards: plan.items.map((item) => ({
      productId: item.product.id,
      source: item.source,
      position: item.position,
      price: item.product.price,
    })),
  });
  return {
    sessionId: session.id,
    items: plan.items.map(({ product, source, position, score }) => ({
      ...toProductCard(product),
      score,
      explanation: EXPLANATIONS[source],
      source,
      position,
    })),
    primaryClusters: plan.primaryClusters,
    diversityClusters: plan.diversityClusters,
  };
}

// --- completion -------------------------------------------------------------------------------------------

/**
 * Rocchio style vector, price profile from the liked cards, counters and confidence, source "onboarding"
 * (docs/product.md §5). Only cards of this session count; a session completes once.
 */
export async function completeOnboarding(
  userId: string,
  input: CompleteOnboarding,
  clock: Clock = systemClock,
): Promise<ProfileView> {
  const session = await findOnboardingSession({ userId, id: input.sessionId });
  // An expired session is gone, even before the purge removes its row. Its age is wall-clock time, as the
  // purge measures it (`clock` is the learner's time: a simulation's clock may run ahead of the stored row's).
  if (!session || Date.now() - session.createdAt.getTime() > ONBOARDING_SESSION_TTL_MS)
    throw notFound('No such onboarding session (a session expires 24 h after calibration).');
  const cards = new Map(session.cards.map((card) => [card.productId, card]));
  const errors = completionProblems(new Set(cards.keys()), input.likedProductIds, input.dislikedProductIds);
  if (errors.length > 0) {
    throw new DomainError('invalid', 'Completion may name only the cards of its session, each once.', {
      fields: errors,
    });
  }
  if (session.completedAt) throw alreadyCompleted();

  const catalogue = await loadCatalogVectors();
  const vectorOf = new Map(catalogue.products.map((product) => [product.id, product.vector]));
  // A card archived since calibration has no vector now: it still counts, it just cannot steer.
  const vectors = (ids: readonly string[]) =>
    ids.flatMap((id) => {
      const vector = vectorOf.get(id);
      return vector && catalogue.modelId === session.modelId ? [vector] : [];
    });
  const photos = photoVectorsOf(session);
  const vector = rocchio({
    photos,
    liked: vectors(input.likedProductIds),
    disliked: vectors(input.dislikedProductIds),
  });
  const prices = priceProfile(input.likedProductIds.map((id) => cards.get(id)?.price as number));
  const liked = new Set(input.likedProductIds);
  const disliked = new Set(input.dislikedProductIds);
  const now = clock.now();
  const row = await completeOnboardingSession({
    userId,
    sessionId: session.id,
    completedAt: now,
    // In card order: the learner reads each answer as a swipe (PRODUCT.md §5).
    answers: session.cards.flatMap((card): OnboardingAnswer[] =>
      liked.has(card.productId) || disliked.has(card.productId)
        ? [{ productId: card.productId, liked: liked.has(card.productId) }]
        : [],
    ),
    build: (current) => {
      const likes = (current?.likes ?? 0) + input.likedProductIds.length;
      const dislikes = (current?.dislikes ?? 0) + input.dislikedProductIds.length;
      const swipes = input.likedProductIds.length + input.dislikedProductIds.length;
      const interactionCount = Math.max((current?.interactionCount ?? 0) + swipes, likes + dislikes);
      return {
        vector: [...vector],
        modelId: session.modelId,
        dims: session.dims,
        confidence: confidenceFor(interactionCount),
        source: 'onboarding',
        interactionCount,
        likes,
        dislikes,
        ...prices,
        lastProfileUpdateAt: now,
        hasPhotos: true,
        onboardedAt: now,
      };
    },
  });
  if (!row) throw alreadyCompleted(); // a concurrent completion of the same session won
  return getProfileView(userId);
}

const alreadyCompleted = () =>
  conflict('This onboarding session is already completed.', 'onboarding_completed');
