import {
  type CatalogVectors,
  getProductsByIds,
  loadCatalogVectors,
  type RankableProduct,
} from '@/features/catalog/service/service';
import { type Clock, systemClock } from '@/features/core/clock/clock';
import { describeError, logger } from '@/features/core/logger/logger';
import { countEvent } from '@/features/core/metrics/metrics';
import { saveProfileUpdate } from '../repository/repository';
import {
  AUTO_COLD_START_SWIPES,
  applyInteraction,
  autoColdStartVector,
  BURST_WINDOW,
  type LearningState,
  type QueuedAction,
} from '../utils/learning';
import { confidenceFor, priceProfile } from '../utils/profile';
import { getProfile, type ProfileSource, type StyleProfile } from './service';

// Online learning (PRODUCT.md §7). The interactions table is the queue: each run reads the interactions after
// the profile's last processed one, folds them in creation order, and writes vector, price profile, counters,
// the queue marker and version + 1 in one statement guarded by the version it read. A concurrent run that
// lost the race changes nothing and reads the queue again, so every interaction is applied exactly once.

/** One interaction as the queue hands it to learning. */
export interface QueuedInteraction {
  id: string;
  productId: string;
  action: 'like' | 'dislike' | 'save' | 'undo';
  /** For an undo: the action it reverses. */
  undoes: 'like' | 'dislike' | 'save' | null;
  createdAt: Date;
}

/**
 * The queue learning reads. Interactions belong to features/feedback, which sits above profiles: it hands
 * its queue in (see `interactionQueue` there), so profiles never depends on the feature that calls it.
 */
export interface InteractionQueue {
  /** A user's interactions after `afterId` (exclusive), in creation order, at most `limit`. */
  listInteractionsSince(
    userId: string,
    afterId: string | null,
    options: { since?: Date | null; limit?: number },
  ): Promise<QueuedInteraction[]>;
  /** The actions of the `limit` interactions up to and including `until`, oldest first (the burst guard). */
  recentActions(userId: string, until: QueuedInteraction, limit: number): Promise<string[]>;
  /** Standing (not undone) likes, dislikes and saves up to and including `until` (auto cold start). */
  standingSwipes(userId: string, until: QueuedInteraction): Promise<{ productId: string; action: string }[]>;
  /** Every user who has interacted. */
  usersWithInteractions(): Promise<string[]>;
}

const QUEUE_PAGE = 500;
const MAX_ATTEMPTS = 8;

interface Catalogue {
  modelId: string;
  dims: number;
  vector: (id: string) => Float32Array | null;
  price: (id: string) => number | undefined;
}

// The catalogue by id, built once per loaded catalogue (cached under its version), not once per learning run.
const byIdCache = new WeakMap<CatalogVectors, Map<string, RankableProduct>>();

async function catalogueFor(pending: readonly QueuedInteraction[]): Promise<Catalogue> {
  const catalogue = await loadCatalogVectors();
  let byId = byIdCache.get(catalogue);
  if (!byId) {
    byId = new Map(catalogue.products.map((product) => [product.id, product]));
    byIdCache.set(catalogue, byId);
  }
  // Archived products are no longer rankable but still have a price the profile may learn from.
  const missing = [...new Set(pending.map((i) => i.productId))].filter((id) => !byId.has(id));
  const prices = new Map(
    (await getProductsByIds(missing)).map((product) => [product.id, Number(product.price)]),
  );
  return {
    modelId: catalogue.modelId,
    dims: catalogue.dims,
    vector: (id) => byId.get(id)?.vector ?? null,
    price: (id) => byId.get(id)?.price ?? prices.get(id),
  };
}

async function coldStart(
  queue: InteractionQueue,
  userId: string,
  until: QueuedInteraction,
  catalogue: Catalogue,
): Promise<Pick<LearningState, 'vector' | 'priceProfile'> | null> {
  const swipes = await queue.standingSwipes(userId, until);
  if (swipes.length < AUTO_COLD_START_SWIPES) return null;
  const positive = swipes.filter((swipe) => swipe.action !== 'dislike');
  const vectors = (list: typeof swipes) =>
    list.flatMap((swipe) => {
      const vector = catalogue.vector(swipe.productId);
      return vector ? [vector] : [];
    });
  const vector = autoColdStartVector(
    vectors(positive),
    vectors(swipes.filter((s) => s.action === 'dislike')),
  );
  if (!vector) return null;
  const prices = positive.flatMap((swipe) => {
    const price = catalogue.price(swipe.productId);
    return price === undefined ? [] : [price];
  });
  return { vector, priceProfile: priceProfile(prices) };
}

async function applyOnce(
  queue: InteractionQueue,
  userId: string,
  profile: StyleProfile | null,
  clock: Clock,
): Promise<{ applied: number; saved: boolean }> {
  const pending = await queue.listInteractionsSince(userId, profile?.lastProcessedInteractionId ?? null, {
    since: profile?.lastProfileUpdateAt ?? null,
    limit: QUEUE_PAGE,
  });
  const first = pending[0];
  if (!first) return { applied: 0, saved: true };
  const catalogue = await catalogueFor(pending);
  const comparable = profile?.vector && profile.vector.length === catalogue.dims ? profile.vector : null;
  let state: LearningState = {
    vector: comparable,
    priceProfile: profile?.priceProfile ?? null,
    interactionCount: profile?.interactionCount ?? 0,
    likes: profile?.likes ?? 0,
    dislikes: profile?.dislikes ?? 0,
    confidence: profile?.confidence ?? confidenceFor(profile?.interactionCount ?? 0),
  };
  let source: ProfileSource = profile?.source ?? 'learning';
  const recent = (await queue.recentActions(userId, first, BURST_WINDOW)) as QueuedAction[];
  for (const [index, interaction] of pending.entries()) {
    if (index > 0) recent.push(interaction.action);
    if (recent.length > BURST_WINDOW) recent.shift();
    const price = catalogue.price(interaction.productId);
    const before = state;
    state = applyInteraction(
      state,
      {
        action: interaction.action,
        undoes: interaction.undoes ?? undefined,
        vector: catalogue.vector(interaction.productId),
        price: price ?? 0,
      },
      recent,
    );
    if (price === undefined) state = { ...state, priceProfile: before.priceProfile }; // no price, no EMA step
    if (before.vector) {
      if (state.vector !== before.vector) source = 'learning';
    } else if (!profile?.hasPhotos && interaction.action !== 'undo') {
      const started = await coldStart(queue, userId, interaction, catalogue);
      if (started) {
        state = { ...state, ...started };
        source = 'auto_coldstart';
      }
    }
  }
  const last = pending.at(-1) as QueuedInteraction;
  const saved = await saveProfileUpdate({
    userId,
    expectedVersion: profile?.version ?? 0,
    vector: state.vector ? [...state.vector] : null,
    modelId: state.vector ? catalogue.modelId : (profile?.modelId ?? null),
    dims: state.vector ? state.vector.length : null,
    confidence: state.confidence,
    source,
    interactionCount: state.interactionCount,
    likes: state.likes,
    dislikes: state.dislikes,
    priceProfile: state.priceProfile,
    lastProfileUpdateAt: clock.now(),
    lastProcessedInteractionId: last.id,
  });
  return { applied: pending.length, saved };
}

/**
 * Applies every interaction not yet in the profile; returns how many were applied by this call. Safe to run
 * concurrently (in one process or many): a run whose version check fails re-reads the profile and the queue.
 */
export async function applyPendingInteractions(
  queue: InteractionQueue,
  userId: string,
  clock: Clock = systemClock,
): Promise<number> {
  let applied = 0;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; ) {
    const result = await applyOnce(queue, userId, await getProfile(userId), clock);
    if (result.applied === 0) return applied;
    if (result.saved) {
      applied += result.applied;
      countSwipesLearned(result.applied);
    } else attempt += 1; // lost the race to another run: read again
  }
  return applied;
}

/** Every swipe applied, however learning ran: after the swipe's response, by the catch-up job, by the CLI. */
const countSwipesLearned = (count: number) =>
  countEvent(
    'stylipp_swipes_learned_total',
    'Swipes applied to style profiles (after each swipe, by the catch-up job or `npm run learn`)',
    count,
  );

// After the response: one run per user at a time in this process; a swipe during a run asks for another.
const running = new Map<string, Promise<void>>();
const rerun = new Set<string>();

export function scheduleLearning(queue: InteractionQueue, userId: string): void {
  if (running.has(userId)) {
    rerun.add(userId);
    return;
  }
  const run = new Promise<void>((resolve) => setImmediate(resolve))
    .then(() => applyPendingInteractions(queue, userId))
    .then(
      () => {},
      (error) => logger.error('profiles: learning failed', { userId, ...describeError(error) }),
    )
    .finally(() => {
      running.delete(userId);
      if (rerun.delete(userId)) scheduleLearning(queue, userId);
    });
  running.set(userId, run);
}

/** Waits for the runs scheduled in this process (CLI, graceful shutdown). */
export async function settleLearning(): Promise<void> {
  while (running.size > 0) await Promise.all([...running.values()]);
}

/** Applies the pending interactions of every user (the `npm run learn` CLI); returns per-user counts. */
export async function applyAllPendingInteractions(
  queue: InteractionQueue,
  clock: Clock = systemClock,
): Promise<Map<string, number>> {
  const applied = new Map<string, number>();
  for (const userId of await queue.usersWithInteractions()) {
    const count = await applyPendingInteractions(queue, userId, clock);
    if (count > 0) applied.set(userId, count);
  }
  return applied;
}
