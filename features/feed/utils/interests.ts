// A user's interests (PRODUCT.md §7, two interests): groups of the products they liked, found by a weighted
// two-means over the liked products' coordinates (and the onboarding photos'). Pure and deterministic: the
// same points in the same order give the same groups.

/** A liked point: coordinates on the catalogue's axes and its like weight (a like 1, an onboarding photo 2). */
export interface LikedPoint {
  z: ArrayLike<number>;
  weight: number;
}

export interface Interest {
  /** The weighted mean of the interest's liked points (k values). */
  centre: Float64Array;
  /** The like weight in the interest. */
  weight: number;
}

const MAX_ITERATIONS = 20;

function squaredDistance(a: ArrayLike<number>, b: ArrayLike<number>, k: number, offset = 0): number {
  let sum = 0;
  for (let j = 0; j < k; j++) sum += ((a[offset + j] as number) - (b[j] as number)) ** 2;
  return sum;
}

/** Index of the interest whose centre is nearest to the k values of `z` at `offset` (the first on ties). */
export function nearestInterest(
  interests: readonly Interest[],
  z: ArrayLike<number>,
  k: number,
  offset = 0,
): number {
  let best = -1;
  let bestDistance = Number.POSITIVE_INFINITY;
  interests.forEach((interest, i) => {
    const distance = squaredDistance(z, interest.centre, k, offset);
    if (distance < bestDistance) {
      bestDistance = distance;
      best = i;
    }
  });
  return best;
}

function weightedMeans(
  points: readonly LikedPoint[],
  labels: Int8Array,
  k: number,
  groups: number,
): Interest[] {
  const interests = Array.from({ length: groups }, () => ({ centre: new Float64Array(k), weight: 0 }));
  points.forEach((point, i) => {
    const interest = interests[labels[i] as number] as Interest;
    interest.weight += point.weight;
    for (let j = 0; j < k; j++)
      interest.centre[j] = (interest.centre[j] as number) + point.weight * (point.z[j] as number);
  });
  for (const interest of interests)
    if (interest.weight > 0)
      for (let j = 0; j < k; j++) interest.centre[j] = (interest.centre[j] as number) / interest.weight;
  return interests;
}

/**
 * Two-means of the liked points, weighted. With two or more `seeds` (the user's onboarding photos, each a liked
 * point of its own) every point joins the nearest seed, once: each photo stands for an interest the user showed,
 * however few likes it has yet. Otherwise (a single seed counts as one more liked point) the two-means starts
 * from the point farthest from the weighted mean and the point farthest from that one, and takes Lloyd's steps
 * until no point changes group. Returns the groups holding at least `minWeight`, the heaviest first (one group
 * when the points do not split into two such groups; none without points).
 */
export function findInterests(
  points: readonly LikedPoint[],
  k: number,
  minWeight: number,
  seeds: readonly LikedPoint[] = [],
): Interest[] {
  if (seeds.length < 2) return twoMeans([...points, ...seeds], k, minWeight);
  const all = [...seeds, ...points];
  const centres = seeds.map((seed) => ({ centre: Float64Array.from(seed.z), weight: seed.weight }));
  const labels = Int8Array.from(all, (point) => nearestInterest(centres, point.z, k));
  seeds.forEach((_, i) => {
    labels[i] = i; // a photo is its own interest's seed, even where another photo lies as near
  });
  return weightedMeans(all, labels, k, seeds.length)
    .filter((interest) => interest.weight >= minWeight)
    .sort((x, y) => y.weight - x.weight);
}

/** The seedless two-means of `findInterests`. */
function twoMeans(points: readonly LikedPoint[], k: number, minWeight: number): Interest[] {
  if (points.length === 0) return [];
  const all = weightedMeans(points, new Int8Array(points.length), k, 1);
  const farthestFrom = (centre: ArrayLike<number>) => {
    let best = 0;
    let bestDistance = -1;
    points.forEach((point, i) => {
      const distance = squaredDistance(point.z, centre, k);
      if (distance > bestDistance) {
        bestDistance = distance;
        best = i;
      }
    });
    return best;
  };
  const a = farthestFrom((all[0] as Interest).centre);
  const b = farthestFrom(points[a]?.z as ArrayLike<number>);
  const one = all.filter((interest) => interest.weight >= minWeight);
  if (a === b) return one;
  let centres: Interest[] = [
    { centre: Float64Array.from(points[a]?.z as ArrayLike<number>), weight: 0 },
    { centre: Float64Array.from(points[b]?.z as ArrayLike<number>), weight: 0 },
  ];
  const labels = new Int8Array(points.length).fill(-1);
  for (let iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
    let changed = false;
    points.forEach((point, i) => {
      const label = nearestInterest(centres, point.z, k);
      if (label !== labels[i]) {
        labels[i] = label;
        changed = true;
      }
    });
    if (!changed) break;
    centres = weightedMeans(points, labels, k, 2);
  }
  const two = centres.filter((interest) => interest.weight >= minWeight);
  if (two.length < 2) return one;
  return two.sort((x, y) => y.weight - x.weight);
}
