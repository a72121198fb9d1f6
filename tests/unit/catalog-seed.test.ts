import { expect, test } from '@playwright/test';
import { QUALITY, toStoredImage } from '@/features/catalog/image/image';
import { loadFashionMnist } from '@/features/catalog/image/seed-images';
import { featureEmbedder } from '@/features/catalog/service/embedder';
import { buildSeedProducts, seedPrice } from '@/features/catalog/service/seed';
import { deriveCategory } from '@/features/catalog/utils/category';
import { nearestNeighbourPrecision } from '@/features/catalog/utils/evaluation';
import { seededRandom } from '@/features/core/maths/random';

// The seed catalogue: deterministic, and good enough for the feed to make sense.

const fashionMnist = loadFashionMnist() !== undefined;
// CI installs the dataset (.ci/run); a machine without it runs the generated-garment seed instead.
if (process.env.CI && !fashionMnist)
  throw new Error('CI needs dataset-fashion-mnist for the seed precision test');

test('k-nearest-neighbour precision by hand', () => {
  const v = (x: number, y: number) => Float32Array.from([x, y]);
  // Two tight pairs: each item's nearest neighbour is its partner.
  const vectors = [v(1, 0), v(0.99, 0.141), v(0, 1), v(0.141, 0.99)];
  expect(nearestNeighbourPrecision(vectors, ['a', 'a', 'b', 'b'], 1)).toBe(1);
  expect(nearestNeighbourPrecision(vectors, ['a', 'b', 'a', 'b'], 1)).toBe(0);
  // k = 2: partner (same) + nearest of the other pair (different) → 0.5 each.
  expect(nearestNeighbourPrecision(vectors, ['a', 'a', 'b', 'b'], 2)).toBe(0.5);
});

test('seed prices: log-normal around the category median, rounded to .99', () => {
  const random = seededRandom(1);
  const prices = Array.from({ length: 400 }, () => seedPrice('jackets', random));
  expect(prices.every((price) => Math.round((price % 1) * 100) === 99)).toBe(true);
  const sorted = [...prices].sort((a, b) => a - b);
  const median = sorted[200] as number;
  expect(median).toBeGreaterThan(130);
  expect(median).toBeLessThan(170);
});

test('the same seed gives the same products, images and vectors', async () => {
  const [first, second] = [
    await buildSeedProducts({ seed: 5, size: 20 }),
    await buildSeedProducts({ seed: 5, size: 20 }),
  ];
  expect(first.products).toHaveLength(20);
  const summary = (p: (typeof first.products)[number]) => [p.externalId, p.title, p.price, p.rawCategories];
  expect(first.products.map(summary)).toEqual(second.products.map(summary));
  for (let i = 0; i < 20; i++) {
    const a = first.products[i]?.imageBytes as Buffer;
    const b = second.products[i]?.imageBytes as Buffer;
    expect(a.equals(b)).toBe(true);
    const [va, vb] = await Promise.all([featureEmbedder.embed(a), featureEmbedder.embed(b)]);
    expect(Buffer.from(va.buffer).equals(Buffer.from(vb.buffer))).toBe(true);
  }
  const other = await buildSeedProducts({ seed: 6, size: 20 });
  expect(other.products.map(summary)).not.toEqual(first.products.map(summary));
});

test('seed catalogue: nearest-10 same-category precision ≥ 0.80 with the default embedder', async () => {
  test.setTimeout(600_000);
  const { source, products } = await buildSeedProducts();
  expect(source).toBe(fashionMnist ? 'fashion-mnist' : 'generated');
  expect(products).toHaveLength(480);
  const vectors: Float32Array[] = [];
  let embedMs = 0;
  for (const product of products) {
    const stored = await toStoredImage(product.imageBytes, { minSide: QUALITY.minSide });
    expect(Math.min(stored.width, stored.height)).toBeGreaterThanOrEqual(QUALITY.minSide);
    const started = performance.now();
    vectors.push(await featureEmbedder.embed(stored.bytes));
    embedMs += performance.now() - started;
  }
  const categories = products.map((p) => deriveCategory({ rawCategories: p.rawCategories, title: p.title }));
  const precision = nearestNeighbourPrecision(vectors, categories, 10);
  test.info().annotations.push({
    type: 'measurement',
    description: `${source}: precision@10 (same category) ${precision.toFixed(4)}; embedding ${(embedMs / products.length).toFixed(1)} ms/image`,
  });
  console.log(
    `seed precision@10 ${precision.toFixed(4)} (${source}), embed ${(embedMs / products.length).toFixed(1)} ms/image`,
  );
  expect(precision).toBeGreaterThanOrEqual(0.8);
});

test('without the dataset: generated garments (silhouette × palette × pattern) over six categories', async () => {
  test.setTimeout(300_000);
  const { source, products } = await buildSeedProducts({ size: 120, datasetDir: '/nonexistent' });
  expect(source).toBe('generated');
  expect(products).toHaveLength(120);
  const categories = products.map((p) => deriveCategory({ rawCategories: p.rawCategories, title: p.title }));
  expect(new Set(categories)).toEqual(new Set(['tops', 'pants', 'dresses', 'jackets', 'shoes', 'bags']));
  const vectors = await Promise.all(
    products.map(async (p) =>
      featureEmbedder.embed((await toStoredImage(p.imageBytes, { minSide: QUALITY.minSide })).bytes),
    ),
  );
  const precision = nearestNeighbourPrecision(vectors, categories, 10);
  console.log(`generated seed precision@10 ${precision.toFixed(4)}`);
  test.info().annotations.push({
    type: 'measurement',
    description: `generated: precision@10 ${precision.toFixed(4)}`,
  });
  // Far above chance (1/6): the silhouettes separate even with position, size and tilt varied.
  expect(precision).toBeGreaterThan(0.5);
});
