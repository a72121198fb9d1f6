import { expect, test } from '@playwright/test';
import { entriesToObject } from '@/features/core/http/body';
import { corsHeaders, preflightHeaders } from '@/features/core/http/cors';
import { decodeCursor, encodeCursor } from '@/features/core/http/pagination';
import { requestIdFrom } from '@/features/core/http/request-id';

test('request ids: sane ones are kept, others replaced', () => {
  expect(requestIdFrom('abc-123_x.y:z@w')).toBe('abc-123_x.y:z@w');
  for (const bad of [null, '', 'a b', 'x'.repeat(129), 'line\nbreak', '<script>']) {
    expect(requestIdFrom(bad)).toMatch(/^[0-9a-f-]{36}$/);
  }
});

test('entriesToObject keeps repeated keys as arrays and treats __proto__ as data', () => {
  const result = entriesToObject(new URLSearchParams('a=1&b=2&a=3&__proto__=x').entries());
  expect(result.a).toEqual(['1', '3']);
  expect(result.b).toBe('2');
  expect(Object.getOwnPropertyDescriptor(result, '__proto__')?.value).toBe('x');
  expect(({} as Record<string, unknown>).x).toBeUndefined();
});

test('CORS headers only for allowed origins', () => {
  const allowed = new Set(['https://stylipp.com']);
  const ok = new Map(corsHeaders('https://stylipp.com', allowed));
  expect(ok.get('access-control-allow-origin')).toBe('https://stylipp.com');
  expect(ok.get('access-control-allow-credentials')).toBe('true');

  const foreign = 'https://stylipp.com.evil.example';
  expect(corsHeaders(foreign, allowed)).toEqual([]);
  expect(preflightHeaders(foreign, allowed, ['GET'])).toEqual([]);
  expect(
    new Map(preflightHeaders('https://stylipp.com', allowed, ['GET'])).get('access-control-allow-methods'),
  ).toBe('GET');
});

test('log redaction masks URLs, credential pairs and bearer values', async () => {
  const { redact } = await import('@/features/core/logger/logger');
  const text = redact(
    'connect postgres://u:pw@db/x failed; password=hunter2 token: "abc def" Authorization: Bearer eyJhbGci.x.y',
  );
  for (const secret of ['pw@db', 'hunter2', 'abc def', 'eyJhbGci']) expect(text).not.toContain(secret);
  expect(text).toContain('password=<redacted>');
});

test('log lines are one JSON object each, with or without fields', async () => {
  const { formatLogLine } = await import('@/features/core/logger/logger');
  for (const fields of [undefined, {}, { status: 200, path: '/api/x"y', gone: undefined }]) {
    const parsed = JSON.parse(formatLogLine('info', 'request "quoted"', fields));
    expect(parsed).toMatchObject({ level: 'info', msg: 'request "quoted"' });
    expect(Date.parse(parsed.time)).not.toBeNaN();
  }
  expect(JSON.parse(formatLogLine('warn', 'm', { status: 200 })).status).toBe(200);
});

test('a cursor must decode and name a valid position: a non-UUID key is refused', () => {
  const id = '0198a6e2-6c1e-7d6f-9a4e-3b1f2a5c6d7e';
  expect(decodeCursor(encodeCursor(id))).toBe(id);
  expect(decodeCursor(encodeCursor('not-a-uuid'))).toBeUndefined();
  expect(decodeCursor(encodeCursor(`${id}'; drop table uploads`))).toBeUndefined();
  expect(decodeCursor('%%%')).toBeUndefined();
  expect(decodeCursor(encodeCursor('k-1'), (key) => key.startsWith('k-'))).toBe('k-1');
});
