// npm run bench:feed   CPU of ranking one feed batch (rankBatch) over a synthetic 10,000-product catalogue
// (280-dim unit vectors like feature-v1, 40 clusters, trending stats for every product), per mode; and of a
// learning step. In-process and pure: the database round trips of GET /api/feed come on top.
import { cpuUsage } from 'node:process';
import { DAY_MS, fixedClock } from '@/features/core/clock/clock';
import { seededRandom } from '@/features/core/maths/random';
import { normalise } from '@/features/core/maths/vector';
import { type FeedMode, type RankProduct, rankBatch } from '@/features/feed/utils/rank';
import { trendingStats } from '@/features/feed/utils/trending';
import { applyInteraction, type LearningState } from '@/features/profiles/utils/learning';

const N = Number(process.argv[2] ?? 10_000);
const DIMS = Number(process.argv[3] ?? 280); // feature-v1 descriptors have 280
const random = seededRandom(7);
const now = new Date('2026-06-01T00:00:00Z');
const categories = ['tops', 'shoes', 'pants', 'dresses', 'jackets', 'bags', 'accessories', 'other'];
const products: RankProduct[] = Array.from({ length: N }, (_, i) => ({
  id: `00000000-0000-7000-8000-${String(i).padStart(12, '0')}`,
  price: Math.round(Math.exp(3.5 + random.normal() * 0.6) * 100) / 100,
  category: categories[i % categories.length] as string,
  createdAt: new Date(now.getTime() - random.int(60) * DAY_MS),
  vector: normalise(Array.from({ length: DIMS }, () => Math.abs(random.normal()))),
}));
const clusters = {
  assignment: new Map(products.map((p, i) => [p.id, i % 40])),
  priors: new Map(Array.from({ length: 40 }, (_, i) => [i, 1 / 40])),
  diversity: [3, 4],
};
const trending = trendingStats(
  products.map((p) => ({ productId: p.id, kind: 'like' as const, at: p.createdAt, count: random.int(5) })),
  products.map((p) => ({ productId: p.id, at: p.createdAt, count: 1 + random.int(50) })),
  now,
);
const profile = {
  vector: normalise(Array.from({ length: DIMS }, () => Math.abs(random.normal()))),
  priceProfile: { priceMin: 15, priceMax: 80, priceMedian: 33, priceStd: 12 },
};
const swiped = new Set(products.slice(0, 200).map((p) => p.id));

function measure(label: string, runs: number, work: () => void) {
  for (let i = 0; i < 3; i++) work(); // warm-up
  const start = cpuUsage();
  for (let i = 0; i < runs; i++) work();
  const used = cpuUsage(start);
  console.log(`${label}: ${((used.user + used.system) / 1000 / runs).toFixed(2)} ms CPU per call`);
}

for (const mode of ['trending', 'hybrid', 'personalized'] as FeedMode[]) {
  for (const category of [undefined, 'shoes']) {
    measure(`rankBatch ${mode}${category ? ` (${category})` : ''}, ${N} products`, 20, () =>
      rankBatch({
        mode,
        products,
        profile: mode === 'trending' ? null : profile,
        clusters,
        trending,
        swiped,
        category,
        clock: fixedClock(now),
      }),
    );
  }
}
let state: LearningState = {
  vector: profile.vector,
  priceProfile: profile.priceProfile,
  interactionCount: 30,
  likes: 20,
  dislikes: 10,
  confidence: 0.65,
};
measure('learning step (like)', 2000, () => {
  state = applyInteraction(
    state,
    { action: 'like', vector: (products[random.int(N)] as RankProduct).vector, price: 40 },
    ['like'],
  );
});
