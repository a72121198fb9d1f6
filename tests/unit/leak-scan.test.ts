import { expect, test } from '@playwright/test';

// The leak pattern of tests/support/fixtures.ts must catch real hashes and leave normal bodies alone.
test('the response leak scanner recognises hashes and spares public data', async () => {
  const source = (await import('node:fs')).readFileSync('tests/support/fixtures.ts', 'utf8');
  const pattern = new RegExp(/const LEAK = \/(.+)\/i;/.exec(source)?.[1] ?? 'x^', 'i');
  const { hash } = await import('@node-rs/argon2');
  expect(pattern.test(JSON.stringify({ h: await hash('x') }))).toBe(true);
  expect(pattern.test('{"passwordHash":"…"}')).toBe(true);
  expect(pattern.test('{"token_hash":"…"}')).toBe(true);
  expect(pattern.test('$2b$10$abcdefghijklmnopqrstuv')).toBe(true);
  expect(pattern.test('a'.repeat(64))).toBe(true);
  expect(pattern.test('{"id":"0198a6e2-6c1e-7d6f-9a4e-3b1f2a5c6d7e","email":"a@b.co","name":null}')).toBe(
    false,
  );
});
