import { halfLifeDecay } from './scoring';

// Trending popularity (docs/product.md §6): Σ weight · exp(−ln2 · age / 14 d) over what shoppers did with a product,
// smoothed toward the global engagement rate with a prior of 20 impressions once exposures are recorded, so a
// product shown once and liked once does not outrank one liked by hundreds out of thousands of views.

export const TRENDING_EVENT_WEIGHTS = { save: 3, like: 2, dislike: -1, click: 1 } as const;
export type TrendingEventKind = keyof typeof TRENDING_EVENT_WEIGHTS;
export const PRIOR_IMPRESSIONS = 20;

/** `count` events of one kind on one product at one instant (the repository groups them). */
export interface TrendingEvent {
  productId: string;
  kind: TrendingEventKind;
  at: Date;
  count: number;
}

/** `count` exposures (impressions) of one product at one instant. */
export interface ImpressionEvent {
  productId: string;
  at: Date;
  count: number;
}

export interface TrendingStats {
  /** Smoothed popularity per product that had any event or impression. */
  popularity: Map<string, number>;
  /** What a product without any event scores: the global rate when exposures exist, else 0. */
  baseline: number;
}

export function trendingStats(
  events: readonly TrendingEvent[],
  impressions: readonly ImpressionEvent[],
  now: Date,
): TrendingStats {
  const raw = new Map<string, number>();
  let totalRaw = 0;
  for (const event of events) {
    const value =
      TRENDING_EVENT_WEIGHTS[event.kind] * event.count * halfLifeDecay(now.getTime() - event.at.getTime());
    raw.set(event.productId, (raw.get(event.productId) ?? 0) + value);
    totalRaw += value;
  }
  const shown = new Map<string, number>();
  let totalShown = 0;
  for (const impression of impressions) {
    const value = impression.count * halfLifeDecay(now.getTime() - impression.at.getTime());
    shown.set(impression.productId, (shown.get(impression.productId) ?? 0) + value);
    totalShown += value;
  }
  if (totalShown <= 0) return { popularity: raw, baseline: 0 };

  const globalRate = totalRaw / totalShown;
  const popularity = new Map<string, number>();
  for (const id of new Set([...raw.keys(), ...shown.keys()])) {
    popularity.set(
      id,
      ((raw.get(id) ?? 0) + PRIOR_IMPRESSIONS * globalRate) / ((shown.get(id) ?? 0) + PRIOR_IMPRESSIONS),
    );
  }
  return { popularity, baseline: globalRate };
}

export const popularityOf = (stats: TrendingStats, productId: string) =>
  stats.popularity.get(productId) ?? stats.baseline;
