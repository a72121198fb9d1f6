import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { lintDockerfile, parseDockerfile, runtimeCopies } from '../../scripts/lib/dockerfile';

// The Dockerfile lint (a parser, dockerfile-ast, not a regex over lines): multi-stage on Node 24 slim,
// production dependencies only, a non-root user, HOST=0.0.0.0, node run directly by an exec-form CMD and a
// HEALTHCHECK on /api/health. scripts/image-check.ts runs what its runtime stage copies.

const DOCKERFILE = readFileSync('Dockerfile', 'utf8');

test('the Dockerfile keeps every rule of our image', () => {
  expect(lintDockerfile(DOCKERFILE)).toEqual([]);
});

test('the runtime stage copies the bundle, migrations and production node_modules', () => {
  const copies = runtimeCopies(parseDockerfile(DOCKERFILE));
  const sources = copies.flatMap((copy) => copy.sources);
  expect(sources).toEqual(expect.arrayContaining(['/app/node_modules', '/app/.next', '/app/drizzle']));
});

test('the lint catches each broken rule', () => {
  const broken: [string, (text: string) => string, RegExp][] = [
    ['shell-form CMD', (t) => t.replace(/^CMD \[.*\]$/m, 'CMD npm start'), /exec form/],
    ['root user', (t) => t.replace(/^USER node$/m, 'USER root'), /unprivileged/],
    ['no user', (t) => t.replace(/^USER node$/m, ''), /no USER/],
    ['loopback host', (t) => t.replace(/^(\s+)HOST=0\.0\.0\.0/m, '$1HOST=127.0.0.1'), /HOST=0\.0\.0\.0/],
    ['other base', (t) => t.replace('node:24-slim', 'node:20'), /Node 24 slim/],
    [
      'dev deps',
      (t) => t.replace('--from=deps /app/node_modules', '--from=build /app/node_modules'),
      /omit=dev/,
    ],
    ['no healthcheck', (t) => t.replace(/^HEALTHCHECK[\s\S]*?\n(?=#)/m, ''), /HEALTHCHECK/],
    ['entrypoint', (t) => `${t}\nENTRYPOINT ["sh", "-c"]\n`, /ENTRYPOINT/],
    [
      'unknown stage',
      (t) => t.replace('--from=build /app/drizzle', '--from=builder /app/drizzle'),
      /builder/,
    ],
  ];
  for (const [name, breakIt, expected] of broken) {
    const text = breakIt(DOCKERFILE);
    expect(text, name).not.toBe(DOCKERFILE);
    expect(lintDockerfile(text).join('\n'), name).toMatch(expected);
  }
});
