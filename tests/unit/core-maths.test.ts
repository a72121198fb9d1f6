import { expect, test } from '@playwright/test';
import { fixedClock } from '@/features/core/clock/clock';
import { seededRandom } from '@/features/core/maths/random';
import { cosine, dot, mean, normalise, weightedSum } from '@/features/core/maths/vector';

test('vector maths on hand-computed values', () => {
  const a = Float32Array.from([3, 4]);
  expect(dot(a, a)).toBe(25);
  expect([...normalise(a)]).toEqual([Math.fround(0.6), Math.fround(0.8)]);
  expect([...normalise([0, 0])]).toEqual([0, 0]);
  expect(cosine(Float32Array.from([1, 0]), Float32Array.from([0, 1]))).toBe(0);
  expect(cosine(Float32Array.from([1, 1]), Float32Array.from([2, 2]))).toBeCloseTo(1, 12);
  expect([...mean([Float32Array.from([1, 2]), Float32Array.from([3, 6])])]).toEqual([2, 4]);
  expect([
    ...weightedSum([
      { weight: 0.5, vector: a },
      { weight: -1, vector: Float32Array.from([1, 1]) },
    ]),
  ]).toEqual([0.5, 1]);
  expect(() => dot(a, Float32Array.from([1]))).toThrow(/dimension/);
  expect(() => mean([])).toThrow();
});

test('seeded random repeats its sequence and stays in range', () => {
  const first = seededRandom(42);
  const second = seededRandom(42);
  const a = Array.from({ length: 1000 }, () => first.next());
  const b = Array.from({ length: 1000 }, () => second.next());
  expect(a).toEqual(b);
  expect(a.every((x) => x >= 0 && x < 1)).toBe(true);
  expect(seededRandom(43).next()).not.toBe(a[0]);
  const ints = Array.from({ length: 1000 }, () => first.int(7));
  expect(new Set(ints).size).toBe(7);
  const normals = Array.from({ length: 5000 }, () => first.normal());
  const mu = normals.reduce((s, x) => s + x, 0) / normals.length;
  expect(Math.abs(mu)).toBeLessThan(0.06);
});

test('fixed clock stands still until moved', () => {
  const clock = fixedClock('2026-01-01T00:00:00Z');
  expect(clock.now().toISOString()).toBe('2026-01-01T00:00:00.000Z');
  clock.advance(1000);
  expect(clock.now().toISOString()).toBe('2026-01-01T00:00:01.000Z');
});
