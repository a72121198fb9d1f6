import { expect, test } from '@playwright/test';
import { isDatabaseUnavailable } from '@/features/core/database/errors';
import { uuidv7, uuidv7Timestamp } from '@/features/core/database/uuid';

test('uuidv7 has the RFC 9562 layout and embeds the time', () => {
  const now = Date.UTC(2026, 10, 26, 12, 0, 0);
  const id = uuidv7(now);
  expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  expect(uuidv7Timestamp(id)).toBe(now);
});

test('uuidv7 ids from one process sort in creation order, even within one millisecond', () => {
  const ids = Array.from({ length: 5_000 }, () => uuidv7());
  expect([...ids].sort()).toEqual(ids);
  expect(new Set(ids).size).toBe(ids.length);
});

test('database unavailability is recognised through wrapped causes', () => {
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
  expect(isDatabaseUnavailable(new Error('Failed query: select 1', { cause: refused }))).toBe(true);
  expect(isDatabaseUnavailable(Object.assign(new Error('terminating connection'), { code: '57P01' }))).toBe(
    true,
  );
  expect(
    isDatabaseUnavailable(
      Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' }),
    ),
  ).toBe(true);
  expect(isDatabaseUnavailable(new AggregateError([refused]))).toBe(true);
  expect(isDatabaseUnavailable(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(false);
  expect(isDatabaseUnavailable(new TypeError('x is undefined'))).toBe(false);
});
