// npm run keys:create -- --name <name> --scope <scope>[,<scope>]   prints the new key ONCE, alone on the last line
// npm run keys:list                                                 id, name, prefix, scopes, created, last used, state
// npm run keys:revoke -- <id or name>
// API keys for machines (store scrapers, admin scripts), against the configured database (takes the PGlite lock).
import { parseArgs } from 'node:util';
import {
  API_KEY_SCOPES,
  createApiKey,
  listApiKeys,
  revokeApiKey,
} from '@/features/accounts/service/api-keys';
import { getConfigOrExit } from '@/features/core/config/config';
import { closeDatabase } from '@/features/core/database/client';
import { PgliteLockedError } from '@/features/core/database/pglite-lock';
import { DomainError } from '@/features/core/errors/errors';
import { sendLogsToStderr } from '@/features/core/logger/logger';

sendLogsToStderr();

const USAGE = `usage:
  npm run keys:create -- --name <name> --scope <scope>[,<scope>]   (scopes: ${API_KEY_SCOPES.join(', ')})
  npm run keys:list
  npm run keys:revoke -- <id or name>`;

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  if (command === 'create') {
    const { values } = parseArgs({
      args: rest,
      options: { name: { type: 'string' }, scope: { type: 'string', multiple: true } },
    });
    if (!values.name || !values.scope) throw new UsageError();
    const created = await createApiKey({
      name: values.name,
      scopes: values.scope.flatMap((s) => s.split(',')),
    });
    console.log(`created API key ${created.id} "${created.name}" with scopes ${created.scopes.join(', ')}.`);
    console.log('Store it now: it is shown only this once (the database keeps a hash). Send it as');
    console.log('`Authorization: Bearer <key>`.');
    console.log(created.key);
  } else if (command === 'list') {
    const keys = await listApiKeys();
    if (keys.length === 0) console.log('no API keys');
    for (const key of keys) {
      const state = key.revokedAt ? `revoked ${key.revokedAt.toISOString()}` : 'active';
      console.log(
        [
          key.id,
          key.name,
          `${key.keyPrefix}…`,
          key.scopes.join(','),
          key.createdAt.toISOString(),
          key.lastUsedAt?.toISOString() ?? 'never used',
          state,
        ].join('  '),
      );
    }
  } else if (command === 'revoke') {
    const [target] = rest;
    if (!target || rest.length !== 1) throw new UsageError();
    const revoked = await revokeApiKey(target);
    console.log(`revoked API key ${revoked.id} "${revoked.name}"`);
  } else {
    throw new UsageError();
  }
}

class UsageError extends Error {}

getConfigOrExit();
try {
  await main();
  await closeDatabase();
} catch (error) {
  await closeDatabase().catch(() => {});
  if (error instanceof UsageError) console.error(USAGE);
  else if (error instanceof DomainError || error instanceof PgliteLockedError) console.error(error.message);
  else console.error(`keys failed: ${(error as Error).message}`);
  process.exit(error instanceof UsageError ? 2 : 1);
}
