import type { Random } from '@/features/core/maths/random';

// Intervals for the evaluation's figures. Pure: unit-tested with hand-computed values.

/** z of a two-sided 95 % interval. */
export const Z95 = 1.959963984540054;

export interface Interval {
  low: number;
  high: number;
}

export function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  let sum = 0;
  for (const value of values) sum += value;
  return sum / values.length;
}

/**
 * Wilson score interval of a proportion (successes of n trials): the centre (p + z²/2n)/(1 + z²/n), the half
 * width z·√(p(1−p)/n + z²/4n²)/(1 + z²/n). Unlike p ± z·√(p(1−p)/n) it stays inside [0, 1] and is not empty at
 * p = 0 or 1. Pooled over every card of a page it treats cards as independent, which the cards one user sees
 * are not: the table's interval is the bootstrap over users below; this one is in the JSON beside it.
 */
export function wilsonInterval(successes: number, n: number, z = Z95): Interval {
  if (n <= 0) return { low: 0, high: 1 };
  const p = successes / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denominator;
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/** The q-quantile of sorted values, linearly interpolated (numpy's default). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(sorted.length - 1, below + 1);
  const lower = sorted[below] as number;
  return lower + (position - below) * ((sorted[above] as number) - lower);
}

/**
 * Percentile bootstrap of the mean (95 %): resample the values (one per user) with replacement `resamples`
 * times from the seeded source, and take the 2.5 % and 97.5 % quantiles of the resampled means.
 */
export function bootstrapMeanInterval(values: readonly number[], random: Random, resamples = 1000): Interval {
  if (values.length === 0) return { low: Number.NaN, high: Number.NaN };
  const means: number[] = [];
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    for (let i = 0; i < values.length; i++) sum += values[random.int(values.length)] as number;
    means.push(sum / values.length);
  }
  means.sort((a, b) => a - b);
  return { low: quantile(means, 0.025), high: quantile(means, 0.975) };
}
