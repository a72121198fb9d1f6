// Compiles our production server (server/main.ts and what it imports from app/ and features/) into one ESM
// file, .next/stylipp-server/main.mjs: `@/` aliases resolved (esbuild reads tsconfig paths), packages left
// to node_modules. `npm run build` runs it after `next build` (which empties .next/); `npm start` runs the
// output with plain Node — no tsx, no transpiling at run time.
import { build } from 'esbuild';

export const SERVER_ENTRY = '.next/stylipp-server/main.mjs';

export async function buildServer(): Promise<void> {
  await build({
    entryPoints: ['server/main.ts'],
    outfile: SERVER_ENTRY,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    packages: 'external',
    sourcemap: 'linked',
    logLevel: 'warning',
    legalComments: 'none',
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await buildServer();
  console.log(`build-server: wrote ${SERVER_ENTRY}`);
}
