import { expect, test } from '@playwright/test';
import { findInterests, nearestInterest } from '@/features/feed/utils/interests';

// The two-means that finds a user's interests among the liked products (PRODUCT.md §7, two interests), on points
// placed by hand so every centre and weight can be worked out on paper.

const point = (x: number, y: number, weight = 1) => ({ z: [x, y], weight });

test('two groups of likes: the heavier first, each its weighted mean; under the weight floor they stay one', () => {
  // Weighted mean (6, 0.8); farthest from it (0, 2) (37.44 against 36.64); farthest from that (10, 0) (104).
  // Lloyd's step keeps {(0,0), (0,2)} and {(10,0) ×2, (10,2)}: centres (0, 1) weight 2 and (10, 2/3) weight 3.
  const points = [point(0, 0), point(0, 2), point(10, 0, 2), point(10, 2)];
  const two = findInterests(points, 2, 2);
  expect(two.map((interest) => interest.weight)).toEqual([3, 2]);
  expect(Array.from(two[0]?.centre ?? [])).toEqual([10, 2 / 3]);
  expect(Array.from(two[1]?.centre ?? [])).toEqual([0, 1]);
  // A floor of 3 leaves the lighter group out, so the likes are one interest at their weighted mean.
  const one = findInterests(points, 2, 3);
  expect(one).toHaveLength(1);
  expect(one[0]?.weight).toBe(5);
  expect(Array.from(one[0]?.centre ?? [])).toEqual([6, 0.8]);
  // No likes, no interest; one like under the floor, none either.
  expect(findInterests([], 2, 2)).toEqual([]);
  expect(findInterests([point(1, 1)], 2, 2)).toEqual([]);
});

test('two photos seed two interests: each like joins the nearer photo once, however few likes a photo has', () => {
  // Photos at (0, 0) and (10, 0), weight 2 each. (1, 0) and (4, 0) join the first: weight 4, centre
  // (0·2 + 1 + 4) / 4 = 1.25. (9, 0) joins the second: weight 3, centre (10·2 + 9) / 3 = 29/3.
  const seeds = [point(0, 0, 2), point(10, 0, 2)];
  const interests = findInterests([point(1, 0), point(9, 0), point(4, 0)], 2, 2, seeds);
  expect(interests.map((interest) => interest.weight)).toEqual([4, 3]);
  expect(Array.from(interests[0]?.centre ?? [])).toEqual([1.25, 0]);
  expect(Array.from(interests[1]?.centre ?? [])).toEqual([29 / 3, 0]);
  // No like near the second photo yet: it is an interest of its own all the same (its weight 2 is the floor).
  expect(findInterests([point(1, 0), point(2, 0)], 2, 2, seeds).map((interest) => interest.weight)).toEqual([
    4, 2,
  ]);
});

test('a product belongs to the interest whose centre is nearest', () => {
  const interests = findInterests([point(0, 0), point(0, 2), point(10, 0, 2), point(10, 2)], 2, 2);
  // Coordinates of three products in one row-major array, read at an offset as the feed reads its catalogue.
  const rows = [9, 9, 1, 1, 6, 1];
  expect(nearestInterest(interests, rows, 2, 0)).toBe(0);
  expect(nearestInterest(interests, rows, 2, 2)).toBe(1);
  // (6, 1): 16 + 1/9 from (10, 2/3), 36 from (0, 1).
  expect(nearestInterest(interests, rows, 2, 4)).toBe(0);
});
