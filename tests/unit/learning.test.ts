import { expect, test } from '@playwright/test';
import fc from 'fast-check';
import { cosine, normalise } from '@/features/core/maths/vector';
import {
  applyInteraction,
  autoColdStartVector,
  capDrift,
  isDislikeBurst,
  type LearningState,
  learningRate,
  negativeStep,
  positiveStep,
  updatePriceProfile,
} from '@/features/profiles/utils/learning';
import { confidenceFor } from '@/features/profiles/utils/profile';

const v2 = (x: number, y: number) => Float32Array.from([x, y]);
const expectVector = (actual: Float32Array, expected: number[], digits = 6) => {
  for (const [i, value] of expected.entries()) expect(actual[i]).toBeCloseTo(value, digits);
};

test('learning-rate bands by confidence', () => {
  expect(learningRate(0)).toBe(0.15);
  expect(learningRate(0.29)).toBe(0.15);
  expect(learningRate(0.3)).toBe(0.08);
  expect(learningRate(0.69)).toBe(0.08);
  expect(learningRate(0.7)).toBe(0.03);
  expect(learningRate(1)).toBe(0.03);
});

test('positive step: l = min(lr·weight, 0.35)', () => {
  // like, lr 0.15: (0.85, 0.15)/0.863134 = (0.984784, 0.173785)
  expectVector(positiveStep(v2(1, 0), v2(0, 1), 0.15, 1), [0.984784, 0.173785]);
  // save, lr 0.15: l = 0.225 → (0.775, 0.225)/0.806997 = (0.960346, 0.278810)
  expectVector(positiveStep(v2(1, 0), v2(0, 1), 0.15, 1.5), [0.960346, 0.27881]);
  // l capped at 0.35: (0.65, 0.35)/0.738241 = (0.880471, 0.474100)
  expectVector(positiveStep(v2(1, 0), v2(0, 1), 0.15, 3), [0.880471, 0.4741]);
});

test('negative step and the dislike burst guard', () => {
  // (0.85, −0.05)/0.851469 = (0.998274, −0.058722)
  expectVector(negativeStep(v2(1, 0), v2(0, 1), 0.15, false), [0.998274, -0.058722]);
  // burst: 0.025 → (0.85, −0.025)/0.850368 = (0.999568, −0.029399)
  expectVector(negativeStep(v2(1, 0), v2(0, 1), 0.15, true), [0.999568, -0.029399]);
  const dislikes = Array.from({ length: 10 }, () => 'dislike' as const);
  expect(isDislikeBurst(dislikes)).toBe(true);
  expect(isDislikeBurst(dislikes.slice(1))).toBe(false);
  expect(isDislikeBurst(['like', ...dislikes])).toBe(true);
  expect(isDislikeBurst([...dislikes.slice(1), 'like'])).toBe(false);
  expect(isDislikeBurst([...dislikes.slice(1), 'undo'])).toBe(false);
});

test('drift cap: a step further than 0.15 lands on 0.15 exactly', () => {
  const capped = capDrift(v2(1, 0), v2(0, 1));
  // cos = 0.85, sin = √(1 − 0.7225) = 0.526783
  expectVector(capped, [0.85, 0.526783]);
  expect(1 - cosine(v2(1, 0), capped)).toBeLessThanOrEqual(0.15 + 1e-9);
  expect(1 - cosine(v2(1, 0), capped)).toBeGreaterThan(0.15 - 1e-6);
  const small = v2(0.984784, 0.173785);
  expect(capDrift(v2(1, 0), small)).toBe(small); // inside the cap: untouched

  fc.assert(
    fc.property(
      fc.array(fc.float({ min: -1, max: 1, noNaN: true }), { minLength: 8, maxLength: 8 }),
      fc.array(fc.float({ min: -1, max: 1, noNaN: true }), { minLength: 8, maxLength: 8 }),
      (a, b) => {
        const v = normalise(a);
        const next = normalise(b);
        fc.pre(cosine(v, v) > 0.5 && cosine(next, next) > 0.5 && cosine(v, next) > -0.999);
        const result = capDrift(v, next);
        const drift = 1 - cosine(v, result);
        expect(drift).toBeLessThanOrEqual(0.15 + 1e-9);
        if (1 - cosine(v, next) > 0.15) expect(drift).toBeGreaterThan(0.15 - 1e-6);
      },
    ),
    { seed: 14, numRuns: 500 },
  );
});

test('price EMA: median 50, like at 100 → 55; min and max keep their ratio', () => {
  const liked = updatePriceProfile(
    { priceMin: 15, priceMax: 150, priceMedian: 50, priceStd: 0 },
    100,
    'like',
  );
  expect(liked.priceMedian).toBeCloseTo(55, 12);
  expect(liked.priceStd).toBeCloseTo(4.5, 12); // 0.1·|100 − 55| + 0.9·0
  expect(liked.priceMin).toBeCloseTo(16.5, 12);
  expect(liked.priceMax).toBeCloseTo(165, 12);
  const saved = updatePriceProfile(
    { priceMin: 15, priceMax: 150, priceMedian: 50, priceStd: 10 },
    100,
    'save',
  );
  expect(saved.priceMedian).toBeCloseTo(57.5, 12); // 0.15·100 + 0.85·50
  expect(saved.priceStd).toBeCloseTo(0.15 * 42.5 + 0.85 * 10, 12); // 14.875
});

test('auto cold start vector and confidence', () => {
  // mean(liked) = (0.5, 0.5); − 0.25·(1, 0) → (0.25, 0.5)/0.559017 = (0.447214, 0.894427)
  const v = autoColdStartVector([v2(1, 0), v2(0, 1)], [v2(1, 0)]);
  expectVector(v as Float32Array, [0.447214, 0.894427]);
  expect(autoColdStartVector([], [v2(1, 0)])).toBeNull();
  expect(confidenceFor(15)).toBeCloseTo(0.522804, 6); // after onboarding
  expect(confidenceFor(24)).toBeCloseTo(0.606957, 6); // ≥ 0.6: personalised
  expect(confidenceFor(10)).toBeCloseTo(0.452151, 6);
  expect(confidenceFor(200)).toBe(1);
  expect(confidenceFor(10_000)).toBe(1);
});

test('applyInteraction folds likes, dislikes and undos into the state', () => {
  const start: LearningState = {
    vector: v2(1, 0),
    priceProfile: { priceMin: 15, priceMax: 150, priceMedian: 50, priceStd: 0 },
    interactionCount: 15,
    likes: 10,
    dislikes: 5,
    confidence: confidenceFor(15),
  };
  // lr 0.08 at confidence 0.52: like → (0.92, 0.08)/0.923472
  const liked = applyInteraction(start, { action: 'like', vector: v2(0, 1), price: 100 }, ['like']);
  expectVector(liked.vector as Float32Array, [0.996241, 0.08663]);
  expect(liked.priceProfile?.priceMedian).toBeCloseTo(55, 12);
  expect([liked.interactionCount, liked.likes, liked.dislikes]).toEqual([16, 11, 5]);
  expect(liked.confidence).toBeCloseTo(confidenceFor(16), 12);

  // Undo of that like: weight −0.5 → l = −0.04: (1.04·v − 0.04·p), normalised; price profile untouched.
  const undone = applyInteraction(liked, { action: 'undo', undoes: 'like', vector: v2(0, 1), price: 100 }, [
    'like',
    'undo',
  ]);
  const expected = normalise([1.04 * 0.996241, 1.04 * 0.08663 - 0.04]);
  expectVector(undone.vector as Float32Array, [...expected], 5);
  expect(undone.priceProfile).toEqual(liked.priceProfile);
  expect([undone.interactionCount, undone.likes, undone.dislikes]).toEqual([15, 10, 5]);

  // A dislike at lr 0.08: (0.92, −0.05)/0.921358
  const disliked = applyInteraction(start, { action: 'dislike', vector: v2(0, 1), price: 10 }, ['dislike']);
  expectVector(disliked.vector as Float32Array, [0.998526, -0.054268]);
  expect(disliked.priceProfile).toEqual(start.priceProfile);
  expect([disliked.interactionCount, disliked.dislikes]).toEqual([16, 6]);

  // A product without a comparable vector still counts, and moves the price profile on a like.
  const blind = applyInteraction(start, { action: 'save', vector: null, price: 100 }, ['save']);
  expect(blind.vector).toBe(start.vector);
  expect(blind.priceProfile?.priceMedian).toBeCloseTo(57.5, 12);
});
