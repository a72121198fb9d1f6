import { spawn } from 'node:child_process';

// API keys for the API tests, made with the real CLI (`scripts/keys.ts`) against a pass's database before its
// server starts (the embedded PGlite allows one process per data dir, so not while the server runs).

export interface TestApiKeys {
  /** scope catalog:write, every store (--all-stores) */
  writer: string;
  /** scope catalog:write for store STORE_BOUND_STORE only */
  storeWriter: string;
  /** a live key without catalog:write: clusters:write (the cluster routes' scope) */
  otherScope: string;
  /** created with catalog:write, then revoked */
  revoked: string;
}

/** The CLI's stdout (its result; `stdoutOnly`), or stdout and stderr together. */
function runKeysCli(env: Record<string, string>, args: string[], stdoutOnly = false): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('node_modules/.bin/tsx', ['scripts/keys.ts', ...args], {
      env: { ...process.env, ...env, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => {
      if (!stdoutOnly) output += chunk;
    });
    child.on('exit', (code) =>
      code === 0 ? resolve(output) : reject(new Error(`keys ${args[0]} exited ${code}: ${output}`)),
    );
  });
}

/** `keys:create`: the key is the last line of the output. */
export async function createApiKeyWithCli(
  env: Record<string, string>,
  name: string,
  scopes: string[],
  stores: string[] | 'all' = 'all',
): Promise<string> {
  const storeArgs = stores === 'all' ? ['--all-stores'] : stores.flatMap((store) => ['--store', store]);
  const output = await runKeysCli(
    env,
    ['create', '--name', name, '--scope', scopes.join(','), ...storeArgs],
    true,
  );
  const key = output.trim().split('\n').at(-1) ?? '';
  if (!/^stylipp_sk_[\w-]{43}$/.test(key)) throw new Error(`keys:create printed no key last: ${output}`);
  return key;
}

export async function revokeApiKeyWithCli(env: Record<string, string>, idOrName: string): Promise<void> {
  await runKeysCli(env, ['revoke', idOrName]);
}

export async function listApiKeysWithCli(env: Record<string, string>): Promise<string> {
  return runKeysCli(env, ['list']);
}

/** The one store `storeWriter` belongs to; STORES (tests/support/serve.ts) lists its hosts. */
export const STORE_BOUND_STORE = 'test-store-bound';
export const STORE_BOUND_HOST = 'shop-bound.example.com';

/** The keys every API test server starts with (tests/support/serve.ts). */
export async function prepareTestApiKeys(env: Record<string, string>): Promise<TestApiKeys> {
  const writer = await createApiKeyWithCli(env, 'test-catalog-writer', ['catalog:write']);
  const storeWriter = await createApiKeyWithCli(
    env,
    'test-store-writer',
    ['catalog:write'],
    [STORE_BOUND_STORE],
  );
  const otherScope = await createApiKeyWithCli(env, 'test-clusters-only', ['clusters:write']);
  const revoked = await createApiKeyWithCli(env, 'test-revoked', ['catalog:write']);
  await revokeApiKeyWithCli(env, 'test-revoked');
  return { writer, storeWriter, otherScope, revoked };
}
