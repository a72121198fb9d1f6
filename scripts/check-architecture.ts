// Part of `npm run lint`: applies scripts/lib/architecture-rules.ts to every source file of the app.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { checkFile } from './lib/architecture-rules';

const files = execFileSync(
  'git',
  ['ls-files', '--cached', '--others', '--exclude-standard', 'app', 'features', '*.ts'],
  {
    encoding: 'utf8',
  },
)
  .split('\n')
  .filter((file) => /\.(ts|tsx)$/.test(file) && !file.endsWith('.d.ts'))
  .filter((file) => file.startsWith('app/') || file.startsWith('features/') || !file.includes('/'))
  .filter((file) => !['drizzle.config.ts', 'playwright.config.ts'].includes(file));

const violations = files.flatMap((file) => checkFile(file, readFileSync(file, 'utf8')));
for (const v of violations) console.error(`${v.file}:${v.line}  [${v.rule}] ${v.message}`);
if (violations.length > 0) {
  console.error(`\ncheck-architecture: ${violations.length} violation(s) in ${files.length} files`);
  process.exit(1);
}
console.log(`check-architecture: ${files.length} files follow the architecture rules`);
