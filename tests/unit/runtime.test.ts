import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';

// The project runs on Node 24 LTS whatever the machine's own Node is: the `node` package (a dependency)
// puts a Node 24 binary in node_modules/.bin, which npm scripts put first on PATH. These tests run inside
// Playwright's workers, started by `npm test` through that binary.

const packageJson = JSON.parse(readFileSync('package.json', 'utf8')) as {
  dependencies: Record<string, string>;
};

test('the test workers run on Node 24', () => {
  expect(process.versions.node.split('.')[0]).toBe('24');
});

test('the runtime is the version pinned by the `node` dependency', () => {
  expect(packageJson.dependencies.node).toMatch(/^24\.\d+\.\d+$/);
  expect(process.versions.node).toBe(packageJson.dependencies.node);
});
