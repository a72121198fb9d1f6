import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, test } from '@playwright/test';

// `.env.local` is honoured by every script, not only by Next: db:migrate (run by `npm run dev` and by
// `prebuild`) must migrate the database `next dev` serves.

const root = resolve('.');

function migrateIn(cwd: string, env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; output: string }>((done) => {
    const {
      DATABASE_URL: _url,
      DATABASE_DRIVER: _driver,
      DATA_DIR: _dir,
      NODE_ENV: _env,
      ...inherited
    } = process.env;
    const child = spawn(
      join(root, 'node_modules/.bin/tsx'),
      ['--tsconfig', join(root, 'tsconfig.json'), join(root, 'scripts/db-migrate.ts')],
      { cwd, env: { ...inherited, ...env } as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('exit', (code) => done({ code, output }));
  });
}

test('db:migrate reads DATABASE_URL from .env.local; the real environment still wins', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stylipp-envfiles-'));
  try {
    symlinkSync(join(root, 'drizzle'), join(dir, 'drizzle'));
    writeFileSync(join(dir, '.env.local'), 'DATABASE_URL=memory://\n');
    const fromFile = await migrateIn(dir);
    expect(fromFile.output).toContain('db:migrate (pglite-memory)');
    expect(fromFile.code).toBe(0);

    const overridden = await migrateIn(dir, { DATABASE_URL: 'not-a-url' });
    expect(overridden.code).not.toBe(0);
    expect(overridden.output).toContain('DATABASE_URL');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
