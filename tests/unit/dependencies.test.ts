import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { expect, test } from '@playwright/test';

// What the project runs on and with: engines says Node 24 (what the code needs: the `node` package, the
// bundles' target), @types/node describes that same major, and every package a script imports is declared
// (not reached through another package's dependencies, which a lockfile update may take away).

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
  engines: { node: string };
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const declared = new Set([...Object.keys(pkg.dependencies), ...Object.keys(pkg.devDependencies)]);

test('engines and @types/node say Node 24', () => {
  expect(pkg.engines.node).toMatch(/^>=24\b/);
  expect(pkg.devDependencies['@types/node']).toMatch(/^24\.\d+\.\d+$/);
  expect(pkg.dependencies.node).toMatch(/^24\.\d+\.\d+$/);
});

test('every package a script, test helper or config file imports is a declared dependency', () => {
  const files = [
    ...readdirSync('scripts').map((file) => `scripts/${file}`),
    ...readdirSync('tests/support').map((file) => `tests/support/${file}`),
    ...readdirSync('server').map((file) => `server/${file}`),
    'drizzle.config.ts',
    'next.config.ts',
    'playwright.config.ts',
  ].filter((file) => file.endsWith('.ts'));
  const missing: string[] = [];
  for (const file of files) {
    const source = readFileSync(file, 'utf8');
    for (const [, specifier] of source.matchAll(/(?:from|import\()\s*'([^'.][^']*)'/g)) {
      if (!specifier || specifier.startsWith('@/') || specifier.startsWith('node:')) continue;
      const name = specifier
        .split('/')
        .slice(0, specifier.startsWith('@') ? 2 : 1)
        .join('/');
      if (builtinModules.includes(name) || declared.has(name)) continue;
      missing.push(`${file}: ${name}`);
    }
  }
  expect(missing).toEqual([]);
});
