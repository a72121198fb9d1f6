import { expect, test } from '@playwright/test';
import fc from 'fast-check';
import { DAY_MS, fixedClock } from '@/features/core/clock/clock';
import { seededRandom } from '@/features/core/maths/random';
import { normalise } from '@/features/core/maths/vector';
import {
  BATCH_TTL_MS,
  decodeFeedCursor,
  encodeFeedCursor,
  servedInSession,
} from '@/features/feed/utils/paging';
import { type HistorySwipe, type RankProduct, rankBatch } from '@/features/feed/utils/rank';
import { buildTasteSpace } from '@/features/feed/utils/taste-space';
import { trendingStats } from '@/features/feed/utils/trending';
import { clusterPoints } from '@/features/styles/service/service';

const NOW = new Date('2026-06-01T12:00:00Z');

test('feed cursor round-trips and rejects anything else', () => {
  const batchId = '01890a5d-ac96-774b-bcce-b302099a8057';
  const cursor = encodeFeedCursor({ batchId, offset: 40 });
  expect(decodeFeedCursor(cursor)).toEqual({ batchId, offset: 40 });
  expect(decodeFeedCursor('nope')).toBeUndefined();
  expect(decodeFeedCursor(Buffer.from(`${batchId}:-1`).toString('base64url'))).toBeUndefined();
  expect(decodeFeedCursor(Buffer.from('x:1').toString('base64url'))).toBeUndefined();
});

test('property: paging with swipes between pages never repeats or skips a card', () => {
  const catalogue: RankProduct[] = Array.from({ length: 1000 }, (_, i) => ({
    id: `id${String(i).padStart(4, '0')}`,
    price: 10 + (i % 90),
    category: i % 3 === 0 ? 'shoes' : 'tops',
    createdAt: new Date(NOW.getTime() - (i % 30) * DAY_MS),
  }));
  const space = buildTasteSpace(
    catalogue.map((_, i) => normalise([1 + (i % 7), 1 + (i % 11), 1 + (i % 13)])),
    clusterPoints,
  );
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          pageSize: fc.integer({ min: 1, max: 50 }),
          swipes: fc.array(fc.nat(), { maxLength: 5 }),
          waitMs: fc.constantFrom(0, 1000, BATCH_TTL_MS + 1),
        }),
        { minLength: 1, maxLength: 12 },
      ),
      fc.constantFrom<'trending' | 'learner'>('trending', 'learner'),
      (steps, mode) => {
        const clock = fixedClock(NOW);
        const swiped = new Set<string>();
        const swipes: HistorySwipe[] = [];
        let version = 1;
        let batch:
          | { productIds: string[]; servedBefore: string[]; createdAt: Date; version: number }
          | undefined;
        let offset = 0;
        const served: string[] = [];
        for (const step of steps) {
          // The stored-batch rule (serveStoredPage; tested on a real database in tests/db/feed.spec.ts).
          const reason =
            !batch ||
            offset >= batch.productIds.length ||
            batch.version !== version ||
            clock.now().getTime() - batch.createdAt.getTime() > BATCH_TTL_MS;
          if (reason) {
            const servedBefore = servedInSession(batch, offset);
            const ranked = rankBatch({
              products: catalogue,
              space,
              history: mode === 'trending' ? null : { swipes, photos: [], onboardingVector: null },
              priceProfile: null,
              trending: trendingStats([], [], clock.now()),
              excluded: swiped,
              served: new Set(servedBefore),
              clock,
              random: seededRandom(version),
            });
            batch = {
              productIds: ranked.cards.map((c) => c.productId),
              servedBefore,
              createdAt: clock.now(),
              version,
            };
            offset = 0;
          }
          if (!batch) throw new Error('no batch');
          const page = batch.productIds.slice(offset, offset + step.pageSize);
          // No skip: the page continues the batch exactly where the last one ended.
          expect(page).toEqual(batch.productIds.slice(offset, offset + page.length));
          offset += page.length;
          served.push(...page);
          for (const pick of step.swipes) {
            const id = page[pick % Math.max(1, page.length)];
            if (id && !swiped.has(id)) {
              swiped.add(id);
              swipes.push({ productId: id, liked: pick % 3 === 0, calibration: false });
            }
          }
          if (step.swipes.length > 0) version += 1; // learning bumps the profile version
          clock.advance(step.waitMs);
        }
        // No repeat anywhere in the session.
        expect(new Set(served).size).toBe(served.length);
      },
    ),
    { seed: 1403, numRuns: 100 },
  );
});
