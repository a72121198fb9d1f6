// npm run bench:feed   CPU of ranking one feed batch (rankBatch) over a synthetic 10,000-product catalogue
// (280-dim unit vectors like feature-v1, trending stats for every product), per mode: the learner's principal
// axes and exploration clusters (once per catalogue version), a cold-start batch, a personalised batch after
// 215 swipes (15 calibration answers and 10 pages), and a swipe's learning step (the profile's display vector
// and price profile; the model itself is fitted when a batch is ranked). In-process and pure: the database
// round trips of GET /api/feed come on top.
import { cpuUsage } from 'node:process';
import { DAY_MS, fixedClock } from '@/features/core/clock/clock';
import { seededRandom } from '@/features/core/maths/random';
import { normalise } from '@/features/core/maths/vector';
import { type HistorySwipe, type RankProduct, rankBatch } from '@/features/feed/utils/rank';
import { buildTasteSpace } from '@/features/feed/utils/taste-space';
import { trendingStats } from '@/features/feed/utils/trending';
import { applyInteraction, type LearningState } from '@/features/profiles/utils/learning';
import { clusterPoints } from '@/features/styles/service/service';

const N = Number(process.argv[2] ?? 10_000);
const DIMS = Number(process.argv[3] ?? 280); // feature-v1 descriptors have 280
const random = seededRandom(7);
const now = new Date('2026-06-01T00:00:00Z');
const categories = ['tops', 'shoes', 'pants', 'dresses', 'jackets', 'bags', 'accessories', 'other'];
// 40 styles: each product is its style's centre plus noise, so the catalogue has structure to learn.
const centres = Array.from({ length: 40 }, () =>
  Array.from({ length: DIMS }, () => Math.abs(random.normal())),
);
const styleOf = (i: number) => i % 40;
const vectors = Array.from({ length: N }, (_, i) =>
  normalise((centres[styleOf(i)] as number[]).map((x) => x + 0.8 * Math.abs(random.normal()))),
);
const products: RankProduct[] = Array.from({ length: N }, (_, i) => ({
  id: `00000000-0000-7000-8000-${String(i).padStart(12, '0')}`,
  title: `Product ${i}`,
  price: Math.round(Math.exp(3.5 + random.normal() * 0.6) * 100) / 100,
  category: categories[i % categories.length] as string,
  createdAt: new Date(now.getTime() - random.int(60) * DAY_MS),
}));
const trending = trendingStats(
  products.map((p) => ({ productId: p.id, kind: 'like' as const, at: p.createdAt, count: random.int(5) })),
  products.map((p) => ({ productId: p.id, at: p.createdAt, count: 1 + random.int(50) })),
  now,
);
const priceProfile = { priceMin: 15, priceMax: 80, priceMedian: 33, priceStd: 12 };

function measure(label: string, runs: number, work: () => void, warmUp = 3) {
  for (let i = 0; i < warmUp; i++) work();
  const start = cpuUsage();
  for (let i = 0; i < runs; i++) work();
  const used = cpuUsage(start);
  console.log(`${label}: ${((used.user + used.system) / 1000 / runs).toFixed(2)} ms CPU per call`);
}

let space = buildTasteSpace(vectors, clusterPoints);
measure(
  `principal axes + projection + k=20 clusters, ${N} products (once per catalogue version)`,
  2,
  () => {
    space = buildTasteSpace(vectors, clusterPoints);
  },
  1,
);
// A user who likes styles 3 and 17: 15 calibration answers, then 10 pages of 20 swipes.
const swipes: HistorySwipe[] = Array.from({ length: 215 }, (_, i) => {
  const row = (i * 37) % N;
  return {
    productId: (products[row] as RankProduct).id,
    liked: [3, 17].includes(styleOf(row)),
    calibration: i < 15,
  };
});
const excluded = new Set(swipes.map((swipe) => swipe.productId));
const photos = [vectors[3] as Float32Array, vectors[43] as Float32Array];
const batch = (history: Parameters<typeof rankBatch>[0]['history'], category?: string, seed = 1) =>
  rankBatch({
    products,
    space,
    history,
    priceProfile,
    trending,
    excluded,
    category,
    clock: fixedClock(now),
    random: seededRandom(seed),
  });
let seed = 0;
for (const category of [undefined, 'shoes']) {
  const suffix = `${category ? ` (${category})` : ''}, ${N} products`;
  measure(`rankBatch trending${suffix}`, 20, () => batch(null, category));
  measure(`rankBatch exploring (cold start)${suffix}`, 20, () =>
    batch(
      {
        swipes: swipes.slice(15, 30).map((s) => ({ ...s, liked: false })),
        photos: [],
        onboardingVector: null,
      },
      category,
    ),
  );
  measure(`rankBatch personalized (215 swipes, 2 photos)${suffix}`, 20, () =>
    batch({ swipes, photos, onboardingVector: photos[0] as Float32Array }, category, ++seed),
  );
}
let state: LearningState = {
  vector: normalise(Array.from({ length: DIMS }, () => Math.abs(random.normal()))),
  priceProfile,
  interactionCount: 30,
  likes: 20,
  dislikes: 10,
  confidence: 0.65,
};
measure('learning step (like)', 2000, () => {
  state = applyInteraction(
    state,
    { action: 'like', vector: vectors[random.int(N)] as Float32Array, price: 40 },
    ['like'],
  );
});
