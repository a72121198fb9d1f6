import { and, asc, eq, isNull, or } from 'drizzle-orm';
import { getDb } from '@/features/core/database/client';
import { type ApiKeyRow, apiKeys } from './api-keys.table';

export async function insertApiKey(values: typeof apiKeys.$inferInsert): Promise<ApiKeyRow | undefined> {
  const [row] = await (await getDb()).insert(apiKeys).values(values).onConflictDoNothing().returning();
  return row;
}

export async function findApiKeyByHash(keyHash: string): Promise<ApiKeyRow | undefined> {
  const [row] = await (await getDb()).select().from(apiKeys).where(eq(apiKeys.keyHash, keyHash)).limit(1);
  return row;
}

export async function listApiKeys(): Promise<ApiKeyRow[]> {
  return (await getDb()).select().from(apiKeys).orderBy(asc(apiKeys.createdAt), asc(apiKeys.id));
}

/** Revokes the live key with this id or name; undefined when there is none. */
export async function revokeApiKey({ idOrName, at }: { idOrName: string; at: Date }) {
  const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(idOrName);
  const [row] = await (await getDb())
    .update(apiKeys)
    .set({ revokedAt: at })
    .where(
      and(
        isNull(apiKeys.revokedAt),
        isUuid ? or(eq(apiKeys.id, idOrName), eq(apiKeys.name, idOrName)) : eq(apiKeys.name, idOrName),
      ),
    )
    .returning();
  return row;
}

export async function touchApiKey({ id, at }: { id: string; at: Date }): Promise<void> {
  await (await getDb()).update(apiKeys).set({ lastUsedAt: at }).where(eq(apiKeys.id, id));
}
