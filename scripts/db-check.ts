// npm run db:check — fails when the Drizzle schema and the committed migrations disagree: generates into a
// scratch copy of drizzle/ and fails if that would produce a new migration. Also runs `drizzle-kit check`.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const scratch = mkdtempSync(join(tmpdir(), 'stylipp-db-check-'));
try {
  cpSync('drizzle', scratch, { recursive: true });
  const before = new Set(readdirSync(scratch));
  const run = (args: string[]) =>
    execFileSync('npx', ['drizzle-kit', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  run(['check', '--dialect', 'postgresql', '--out', 'drizzle']);
  run([
    'generate',
    '--dialect',
    'postgresql',
    '--schema',
    './features/*/repository/*.table.ts',
    '--out',
    scratch,
    '--prefix',
    'timestamp',
    '--name',
    'db_check',
  ]);
  const added = readdirSync(scratch).filter((file) => !before.has(file) && file.endsWith('.sql'));
  if (added.length > 0) {
    console.error('db:check: the schema differs from the committed migrations. Run `npm run db:generate`.');
    for (const file of added)
      console.error(`\n--- would generate ${file}:\n${readFileSync(join(scratch, file), 'utf8')}`);
    process.exit(1);
  }
  console.log('db:check: schema and migrations agree');
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
