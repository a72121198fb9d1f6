// npm run keys:create -- --name <name> --scope <scope>[,<scope>] (--store <id>… | --all-stores)
//                                                                   prints the new key ONCE, alone on stdout
// npm run keys:list                                                 id, name, prefix, scopes, created, last used, state
// npm run keys:revoke -- <id or name>
// API keys for machines (store scrapers, admin scripts), against the configured database (takes the PGlite lock).
// stdout carries the result only (the key; the list); explanations and logs go to stderr, so
// `KEY=$(npm run --silent keys:create -- … | tail -n1)` captures the key.
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
import { logToStderr } from '@/features/core/logger/logger';

const USAGE = `usage:
  npm run keys:create -- --name <name> --scope <scope>[,<scope>] [--store <id>]… [--all-stores]
      (scopes: ${API_KEY_SCOPES.join(', ')}; a catalog:write key needs --store or --all-stores)
  npm run keys:list
  npm run keys:revoke -- <id or name>`;

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  if (command === 'create') {
    const { values } = parseArgs({
      args: rest,
      options: {
        name: { type: 'string' },
        scope: { type: 'string', multiple: true },
        store: { type: 'string', multiple: true },
        'all-stores': { type: 'boolean' },
      },
    });
    if (!values.name || !values.scope || (values['all-stores'] && values.store)) throw new UsageError();
    const created = await createApiKey({
      name: values.name,
      scopes: values.scope.flatMap((s) => s.split(',')),
      stores: values['all-stores'] ? 'all' : (values.store ?? []).flatMap((s) => s.split(',')),
    });
    const stores = created.storeIds?.join(', ') ?? 'every store';
    console.error(
      `created API key ${created.id} "${created.name}" with scopes ${created.scopes.join(', ')} for ${stores}.`,
    );
    console.error('Store it now: it is shown only this once (the database keeps a hash). Send it as');
    console.error('`Authorization: Bearer <key>`.');
    console.log(created.key);
  } else if (command === 'list') {
    const keys = await listApiKeys();
    if (keys.length === 0) console.error('no API keys');
    for (const key of keys) {
      const state = key.revokedAt ? `revoked ${key.revokedAt.toISOString()}` : 'active';
      console.log(
        [
          key.id,
          key.name,
          `${key.keyPrefix}…`,
          key.scopes.join(','),
          key.storeIds?.join(',') ?? '*',
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
    console.error(`revoked API key ${revoked.id} "${revoked.name}"`);
  } else {
    throw new UsageError();
  }
}

class UsageError extends Error {}

logToStderr();
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
