import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';

// The project runs on Node 24 LTS whatever the machine's own Node is: the `node` package (a dependency)
// puts a Node 24 binary in node_modules/.bin, which npm scripts put first on PATH. These tests run inside
// Playwright's workers, started by `npm test` through that binary.

const packageJson = JSON.parse(readFileSync('package.json', 'utf8')) as {
  dependencies: Record<string, string>;
  scripts: Record<string, string>;
};

test('the test workers run on Node 24', () => {
  expect(process.versions.node.split('.')[0]).toBe('24');
});

test('the runtime is the version pinned by the `node` dependency', () => {
  expect(packageJson.dependencies.node).toMatch(/^24\.\d+\.\d+$/);
  expect(process.versions.node).toBe(packageJson.dependencies.node);
});

test('`npm start` and `start:next` run with two glibc malloc arenas unless the environment says otherwise', () => {
  for (const name of ['start', 'start:next']) {
    const script = packageJson.scripts[name] ?? '';
    // The script's environment assignments, run by the shell npm uses, in front of `printenv`.
    const assignments = script.slice(0, script.search(/(^| )(node|next) /));
    const { MALLOC_ARENA_MAX: _, ...inherited } = process.env;
    const arenas = (env: Record<string, string>) =>
      execFileSync('sh', ['-c', `${assignments} printenv MALLOC_ARENA_MAX`], {
        env: { ...inherited, ...env },
        encoding: 'utf8',
      }).trim();
    expect(arenas({}), name).toBe('2');
    expect(arenas({ MALLOC_ARENA_MAX: '4' }), name).toBe('4');
  }
});
