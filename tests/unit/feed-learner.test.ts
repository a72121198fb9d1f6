import { expect, test } from '@playwright/test';
import fc from 'fast-check';
import { seededRandom } from '@/features/core/maths/random';
import {
  backSolve,
  choleskyLower,
  fitTasteModel,
  forwardSolve,
  LEARNER,
  logitSpread,
  recencyWeight,
  resetPoints,
  sampleBeta,
  sampleTasteModel,
  sigmoid,
} from '@/features/feed/utils/learner';
import { principalAxes, projectOne, symmetricEigen } from '@/features/feed/utils/projection';

// The learner of PRODUCT.md §7 on hand-computed values.

test('Newton fit, two points: z = ±1, liked and disliked, no prior', () => {
  // By symmetry b = 0, and ∂/∂w: (σ(w) − 1)·1 + σ(−w)·(−1) + 0.1·w = 0  ⇔  σ(−w) = 0.05·w  ⇒  w = 2.128035
  // (bisection on that one equation). At the mode p = σ(w) = 0.893707, p(1 − p) = 0.095080, so
  // H = diag(2·0.095080 + 0.1, 2·0.095080 + 0.01) = diag(0.290161, 0.200161): the off-diagonal Σ p(1−p)·z is 0.
  const model = fitTasteModel({
    k: 1,
    examples: [
      { z: [1], y: 1, c: 1 },
      { z: [-1], y: 0, c: 1 },
    ],
    priorMean: null,
  });
  expect(model.mean[0]).toBeCloseTo(2.128035, 5);
  expect(model.mean[1]).toBeCloseTo(0, 9);
  expect(model.iterations).toBeLessThanOrEqual(LEARNER.maxIterations);
  // R = diag(√0.290161, √0.200161) = diag(0.538666, 0.447394)
  expect(model.cholesky[0]).toBeCloseTo(0.538666, 5);
  expect(model.cholesky[1]).toBeCloseTo(0, 9);
  expect(model.cholesky[3]).toBeCloseTo(0.447394, 5);
  // sd of the logit at z = 1: √(1/0.290161 + 1/0.200161) = √8.442363 = 2.905574
  expect(logitSpread(model, [1])).toBeCloseTo(2.905574, 4);
});

test('the prior pulls the weights toward s_p·w₀; weights scale the data', () => {
  // No data: the mode is the prior mean exactly (gradient 0.1·(w − m) = 0), bias 0.
  const prior = fitTasteModel({ k: 2, examples: [], priorMean: [3, -1] });
  expect([...prior.mean].map((x) => Number(x.toFixed(9)))).toEqual([3, -1, 0]);
  // H = diag(0.1, 0.1, 0.01): R = diag(0.316228, 0.316228, 0.1)
  expect(prior.cholesky[0]).toBeCloseTo(Math.sqrt(0.1), 9);
  expect(prior.cholesky[8]).toBeCloseTo(0.1, 9);
  // Halving every weight is the same as halving the data: a weaker fit than weight 1.
  const strong = fitTasteModel({
    k: 1,
    examples: [
      { z: [1], y: 1, c: 1 },
      { z: [-1], y: 0, c: 1 },
    ],
    priorMean: null,
  });
  const weak = fitTasteModel({
    k: 1,
    examples: [
      { z: [1], y: 1, c: 0.5 },
      { z: [-1], y: 0, c: 0.5 },
    ],
    priorMean: null,
  });
  expect(weak.mean[0] as number).toBeLessThan(strong.mean[0] as number);
});

test('separable data: the fit stops at the root the prior bounds, not at infinity', () => {
  const model = fitTasteModel({
    k: 1,
    examples: Array.from({ length: 50 }, (_, i) => ({ z: [i % 2 ? 1 : -1], y: i % 2, c: 1 })),
    priorMean: null,
  });
  expect(Number.isFinite(model.mean[0])).toBe(true);
  // 25 likes at z = 1, 25 dislikes at z = −1 (b = 0 by symmetry): 50·σ(−w) = 0.1·w ⇔ σ(−w) = 0.002·w
  // ⇒ w = 4.665120 (bisection).
  expect(model.mean[0]).toBeCloseTo(4.66512, 5);
  expect(model.mean[1]).toBeCloseTo(0, 9);
});

test('Cholesky and the two triangular solves', () => {
  // [[4, 2], [2, 3]] = R Rᵀ with R = [[2, 0], [1, √2]]
  const r = choleskyLower(Float64Array.from([4, 2, 2, 3]), 2);
  expect([...r].map((x) => Number(x.toFixed(12)))).toEqual([2, 0, 1, Number(Math.SQRT2.toFixed(12))]);
  // R x = (2, 3): x = (1, (3 − 1)/√2) = (1, 1.414214); Rᵀ x = (2, 3): x₂ = 3/√2 = 2.121320, x₁ = (2 − 2.121320)/2
  expect([...forwardSolve(r, 2, [2, 3])].map((x) => Number(x.toFixed(12)))).toEqual([
    1,
    Number(Math.SQRT2.toFixed(12)),
  ]);
  expect([...backSolve(r, 2, [2, 3])].map((x) => Number(x.toFixed(6)))).toEqual([-0.06066, 2.12132]);
  expect(() => choleskyLower(Float64Array.from([1, 2, 2, 1]), 2)).toThrow(/positive definite/);
});

test('a Thompson draw is θ + 0.2·R⁻ᵀ ε with ε from the seeded source', () => {
  const model = fitTasteModel({
    k: 1,
    examples: [
      { z: [1], y: 1, c: 1 },
      { z: [-1], y: 0, c: 1 },
    ],
    priorMean: null,
  });
  const draw = sampleTasteModel(model, seededRandom(42));
  const reference = seededRandom(42);
  const e0 = reference.normal();
  const e1 = reference.normal();
  // H is diagonal here, so R⁻ᵀ ε = (ε₀/0.538666, ε₁/0.447394).
  expect(draw[0]).toBeCloseTo(2.128035 + (0.2 * e0) / 0.538666, 4);
  expect(draw[1]).toBeCloseTo((0.2 * e1) / 0.447394, 4);
  // Same seed, same draw, bit for bit.
  expect([...sampleTasteModel(model, seededRandom(42))]).toEqual([...draw]);
});

test('draws spread as the posterior says: the sample covariance approaches 0.04·H⁻¹', () => {
  const model = fitTasteModel({
    k: 1,
    examples: [
      { z: [1], y: 1, c: 1 },
      { z: [-1], y: 0, c: 1 },
    ],
    priorMean: null,
  });
  const random = seededRandom(7);
  const n = 20_000;
  let sum = 0;
  let squares = 0;
  for (let i = 0; i < n; i++) {
    const w = (sampleTasteModel(model, random)[0] as number) - (model.mean[0] as number);
    sum += w;
    squares += w * w;
  }
  const variance = squares / n - (sum / n) ** 2;
  // 0.2² / 0.290161 = 0.137855
  expect(variance).toBeGreaterThan(0.137855 * 0.95);
  expect(variance).toBeLessThan(0.137855 * 1.05);
});

test('recency: a swipe’s weight halves every 400 later swipes', () => {
  expect(recencyWeight(0)).toBe(1);
  expect(recencyWeight(400)).toBeCloseTo(0.5, 12);
  expect(recencyWeight(200)).toBeCloseTo(Math.SQRT1_2, 12);
});

test('reset trigger: a page at ≤ 25 % likes after two pages averaging ≥ 60 %, or a dead feed', () => {
  const page = (likes: number) => Array.from({ length: 20 }, (_, i) => i < likes);
  // 0.8, 0.7 (mean 0.75), then 0.25: a reset, effective from the third page's first swipe (40).
  expect(resetPoints([...page(16), ...page(14), ...page(5)])).toEqual([40]);
  // 0.5, 0.6 (mean 0.55 < 0.6): no reset; a page of 0.3 is not ≤ 0.25 either.
  expect(resetPoints([...page(10), ...page(12), ...page(0)])).toEqual([]);
  expect(resetPoints([...page(16), ...page(16), ...page(6)])).toEqual([]);
  // After a reset the pages count afresh: two more good pages are needed before the next one.
  expect(
    resetPoints([...page(16), ...page(14), ...page(0), ...page(0), ...page(20), ...page(20), ...page(2)]),
  ).toEqual([40, 120]);
  // A dead feed: the taste faded (0.8, 0.3 — a mean of 0.55, no drop —, 0.1) and then died (0.05): the second
  // page in a row at ≤ 0.1 resets, from its first swipe (60). Not without a page at ≥ 0.6 since the last reset
  // (0.55 at best below, or a cold start's empty pages).
  expect(resetPoints([...page(16), ...page(6), ...page(2), ...page(1)])).toEqual([60]);
  expect(resetPoints([...page(11), ...page(8), ...page(2), ...page(1)])).toEqual([]);
  expect(resetPoints([...page(2), ...page(0), ...page(1), ...page(0)])).toEqual([]);
  // 0.1 then 0.15 is not dead.
  expect(resetPoints([...page(16), ...page(6), ...page(2), ...page(3)])).toEqual([]);
  // An unfinished page is not judged.
  expect(resetPoints([...page(16), ...page(14), ...page(0).slice(0, 19)])).toEqual([]);
});

test('Beta draws stay in (0, 1) and follow the counts', () => {
  const random = seededRandom(3);
  let high = 0;
  let low = 0;
  for (let i = 0; i < 2000; i++) {
    const a = sampleBeta(9, 1, random);
    const b = sampleBeta(1, 9, random);
    expect(a > 0 && a < 1 && b > 0 && b < 1).toBe(true);
    high += a;
    low += b;
  }
  // means 9/10 and 1/10
  expect(high / 2000).toBeCloseTo(0.9, 1);
  expect(low / 2000).toBeCloseTo(0.1, 1);
});

test('symmetric eigen-decomposition: a hand-computed 2 × 2 and A·v = λ·v on random matrices', () => {
  // [[2, 1], [1, 2]]: λ = 3 with (1, 1)/√2, λ = 1 with (1, −1)/√2 (signed: largest component positive).
  const { values, vectors } = symmetricEigen(Float64Array.from([2, 1, 1, 2]), 2);
  expect([...values].map((x) => Number(x.toFixed(9)))).toEqual([3, 1]);
  expect(Math.abs(vectors[0] as number)).toBeCloseTo(Math.SQRT1_2, 9);
  expect(vectors[0]).toBeCloseTo(vectors[1] as number, 9);
  expect((vectors[2] as number) * (vectors[3] as number)).toBeCloseTo(-0.5, 9);
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 12 }), fc.integer(), (n, seed) => {
      const random = seededRandom(seed);
      const a = new Float64Array(n * n);
      for (let i = 0; i < n; i++)
        for (let j = 0; j <= i; j++) {
          const x = random.normal();
          a[i * n + j] = x;
          a[j * n + i] = x;
        }
      const eigen = symmetricEigen(a, n);
      for (let q = 0; q < n; q++) {
        if (q > 0) expect(eigen.values[q - 1] as number).toBeGreaterThanOrEqual(eigen.values[q] as number);
        for (let i = 0; i < n; i++) {
          let av = 0;
          for (let j = 0; j < n; j++) av += (a[i * n + j] as number) * (eigen.vectors[q * n + j] as number);
          expect(
            Math.abs(av - (eigen.values[q] as number) * (eigen.vectors[q * n + i] as number)),
          ).toBeLessThan(1e-9);
        }
      }
    }),
    { numRuns: 40, seed: 11 },
  );
});

test('principal axes of points on a line: one axis along it, coordinates are offsets from the mean', () => {
  // (0,0), (1,1), (2,2), (3,3): mean (1.5, 1.5), first axis (1, 1)/√2; offsets ±0.707, ±2.121 along it:
  // sample variance (0.5 + 0.5 + 4.5 + 4.5)/3 = 10/3; the second axis 0.
  const rows = Float32Array.from([0, 0, 1, 1, 2, 2, 3, 3]);
  const projection = principalAxes(rows, 4, 2, 2);
  expect([...projection.mean]).toEqual([1.5, 1.5]);
  expect(projection.variances[0]).toBeCloseTo(10 / 3, 9);
  expect(projection.variances[1]).toBeCloseTo(0, 9);
  expect(projection.axes[0]).toBeCloseTo(Math.SQRT1_2, 9);
  // z of (3, 3) on the first axis: (1.5, 1.5)·(1, 1)/√2 = 2.121320
  expect(projectOne(projection, [3, 3])[0]).toBeCloseTo(2.12132, 5);
  expect(sigmoid(0)).toBe(0.5);
});
