import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { sql } from 'drizzle-orm';
import { databaseTargets, useAsAppDatabase } from '../support/database-targets';
import { setTestEnv } from '../support/env';

// Trending cannot be steered by one user (issue 23): what the feedback repository aggregates and the feed's
// trending maths make of it, against PGlite and Postgres.

setTestEnv({
  AUTH_SECRET: process.env.AUTH_SECRET ?? 'a-test-secret-that-is-long-enough-for-the-config-0123456789',
  DATA_DIR: process.env.DATA_DIR ?? mkdtempSync(join(tmpdir(), 'stylipp-trending-')),
});

const targets = databaseTargets('stylipp_trending', ['pglite (memory)', 'pg']);

for (const target of targets) {
  test.describe(`trending on ${target.name}`, () => {
    test.describe.configure({ mode: 'serial' });
    test.skip(!target.available, 'no Postgres server on this machine');

    const database = useAsAppDatabase(target);

    const user = async () => {
      const id = crypto.randomUUID();
      await database().db.execute(
        sql`insert into users (id, email, password_hash) values (${id}, ${`${id}@example.com`}, 'x')`,
      );
      return id;
    };
    const product = async () => {
      const id = crypto.randomUUID();
      await database().db.execute(sql`insert into products (id, store_id, external_id, title, price, product_url,
        category, image_key, image_sha256, source_image_sha256, image_content_type, image_bytes, image_width,
        image_height, phash) values (${id}, 'trending-test', ${id}, 'A product', '10.00',
        'https://shop.example.com/1', 'tops', 'k', 'x', 'x', 'image/png', 1, 400, 400, '0000000000000000')`);
      return id;
    };

    test('three products liked by three users each outrank one product pushed by one user (20 saves, 20 click-outs)', async () => {
      const { aggregateEngagement } = await import('@/features/feedback/repository/repository');
      const { popularityOf, trendingStats } = await import('@/features/feed/utils/trending');
      const now = new Date();
      const pushed = await product();
      const liked = [await product(), await product(), await product()];
      const pusher = await user();
      for (let i = 0; i < 20; i += 1) {
        await database().db.execute(
          sql`insert into interactions (id, user_id, product_id, action) values (${crypto.randomUUID()}, ${pusher}, ${pushed}, 'save')`,
        );
        await database().db.execute(
          sql`insert into clicks (id, user_id, product_id) values (${crypto.randomUUID()}, ${pusher}, ${pushed})`,
        );
      }
      const likers = [await user(), await user(), await user()];
      for (const productId of liked)
        for (const liker of likers)
          await database().db.execute(
            sql`insert into interactions (id, user_id, product_id, action) values (${crypto.randomUUID()}, ${liker}, ${productId}, 'like')`,
          );
      const { events, impressions } = await aggregateEngagement({
        since: new Date(now.getTime() - 86_400_000),
      });
      const stats = trendingStats(
        events.map((event) => ({ ...event, kind: event.kind as 'like' | 'save' | 'click' | 'dislike' })),
        impressions,
        now,
      );
      for (const productId of liked)
        expect(popularityOf(stats, productId)).toBeGreaterThan(popularityOf(stats, pushed));
    });

    test('exposures dated outside a sane window are dropped (not processed), and a future date earns nothing', async () => {
      const { recordExposures } = await import('@/features/feedback/service/service');
      const { trendingStats } = await import('@/features/feed/utils/trending');
      const now = new Date();
      const viewer = await user();
      const productId = await product();
      const event = (shownAt: string) => ({
        productId,
        sessionId: crypto.randomUUID(),
        feedMode: 'trending' as const,
        position: 1,
        shownAt,
      });
      const result = await recordExposures(viewer, [
        event('9999-12-31T00:00:00Z'),
        event('2001-01-01T00:00:00Z'),
        event(now.toISOString()),
      ]);
      expect(result).toEqual({ received: 3, processed: 1 });
      const future = new Date(now.getTime() + 365 * 86_400_000);
      const stats = trendingStats([{ productId, kind: 'save', at: future, count: 1 }], [], now);
      expect(stats.popularity.get(productId) ?? 0).toBe(0);
    });
  });
}
