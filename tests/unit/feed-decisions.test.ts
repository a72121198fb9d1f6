import { expect, test } from '@playwright/test';
import fc from 'fast-check';
import { servedPositions } from '@/features/feed/utils/decisions';
import { RecentCache } from '@/features/feed/utils/recent-cache';

// The decision log read from page records (features/feed/utils/decisions) and the cache of batches' cards.

const at = (seconds: number) => new Date(Date.UTC(2026, 10, 1, 10, 0, seconds));
const page = (firstPosition: number, lastPosition: number, seconds: number, skipped: number[] = []) => ({
  firstPosition,
  lastPosition,
  skipped,
  servedAt: at(seconds),
});

test('each served position once, at its first serving, in position order', () => {
  expect(servedPositions([], 60)).toEqual([]);
  // Pages 1–3 and 4–6, then a retry of 1–3 and an overlapping bigger page: first servings stand.
  const pages = [page(1, 3, 0), page(4, 6, 5), page(1, 3, 9), page(3, 8, 12)];
  expect(servedPositions(pages, 60)).toEqual([
    { position: 1, servedAt: at(0) },
    { position: 2, servedAt: at(0) },
    { position: 3, servedAt: at(0) },
    { position: 4, servedAt: at(5) },
    { position: 5, servedAt: at(5) },
    { position: 6, servedAt: at(5) },
    { position: 7, servedAt: at(12) },
    { position: 8, servedAt: at(12) },
  ]);
  // Records in any order: the earliest serving wins.
  expect(servedPositions([...pages].reverse(), 60)).toEqual(servedPositions(pages, 60));
});

test('a skipped position is served only by a page that did not skip it; nothing past the batch', () => {
  // Position 2's product had gone when page 1–3 was served; a retry 10 s later served it.
  expect(servedPositions([page(1, 3, 0, [2]), page(1, 3, 10)], 60)).toEqual([
    { position: 1, servedAt: at(0) },
    { position: 2, servedAt: at(10) },
    { position: 3, servedAt: at(0) },
  ]);
  expect(servedPositions([page(1, 3, 0, [1, 2, 3])], 60)).toEqual([]);
  expect(servedPositions([page(4, 9, 0, [5])], 6).map((row) => row.position)).toEqual([4, 6]);
  expect(servedPositions([page(7, 20, 0)], 6)).toEqual([]);
});

test('property: the served positions are the union of the pages minus what each skipped, each at its minimum time', () => {
  const arbitraryPage = fc
    .record({
      first: fc.integer({ min: 1, max: 30 }),
      length: fc.integer({ min: 1, max: 20 }),
      t: fc.nat(100),
    })
    .chain(({ first, length, t }) =>
      fc
        .subarray(Array.from({ length }, (_, i) => first + i))
        .map((skipped) => page(first, first + length - 1, t, skipped)),
    );
  fc.assert(
    fc.property(fc.array(arbitraryPage, { maxLength: 8 }), fc.integer({ min: 0, max: 60 }), (pages, size) => {
      const expected = new Map<number, number>();
      for (const p of pages)
        for (let position = p.firstPosition; position <= Math.min(p.lastPosition, size); position++)
          if (!p.skipped.includes(position))
            expected.set(position, Math.min(expected.get(position) ?? Infinity, p.servedAt.getTime()));
      const served = servedPositions(pages, size);
      expect(served.map((row) => [row.position, row.servedAt.getTime()])).toEqual(
        [...expected].sort(([a], [b]) => a - b),
      );
    }),
    { seed: 14 },
  );
});

test('the recent cache keeps at most its capacity, drops the least recently used, and forgets expired entries', () => {
  const cache = new RecentCache<string>(2);
  cache.set('a', 'A', 100);
  cache.set('b', 'B', 100);
  expect(cache.get('a', 0)).toBe('A'); // a is now the most recent
  cache.set('c', 'C', 100); // b, the least recently used, goes
  expect(cache.get('b', 0)).toBeUndefined();
  expect([cache.get('a', 0), cache.get('c', 0)]).toEqual(['A', 'C']);
  expect(cache.size).toBe(2);
  // An entry lives until its expiry time, not at it; an expired entry is gone once asked for.
  expect(cache.get('a', 99)).toBe('A');
  expect(cache.get('a', 100)).toBeUndefined();
  expect(cache.size).toBe(1);
  // Setting a key again replaces its value and expiry.
  cache.set('c', 'C2', 200);
  expect(cache.get('c', 150)).toBe('C2');
});
