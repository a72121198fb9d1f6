import { and, desc, eq, lt } from 'drizzle-orm';
import { getDb } from '@/features/core/database/client';
import { type UploadRow, uploads } from './uploads.table';

const owned = ({ userId, id }: { userId: string; id: string }) =>
  and(eq(uploads.userId, userId), eq(uploads.id, id));

export async function insertUpload(values: typeof uploads.$inferInsert): Promise<UploadRow> {
  const [row] = await (await getDb()).insert(uploads).values(values).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

/** A user's upload; another user's id finds nothing. */
export async function findUpload({
  userId,
  id,
}: {
  userId: string;
  id: string;
}): Promise<UploadRow | undefined> {
  const [row] = await (await getDb()).select().from(uploads).where(owned({ userId, id })).limit(1);
  return row;
}

/** Newest first, keyset-paginated on the time-ordered id. */
export async function listUploads({
  userId,
  before,
  limit,
}: {
  userId: string;
  before?: string;
  limit: number;
}) {
  return (await getDb())
    .select()
    .from(uploads)
    .where(and(eq(uploads.userId, userId), before ? lt(uploads.id, before) : undefined))
    .orderBy(desc(uploads.id))
    .limit(limit);
}

export async function deleteUpload({
  userId,
  id,
}: {
  userId: string;
  id: string;
}): Promise<UploadRow | undefined> {
  const [row] = await (await getDb()).delete(uploads).where(owned({ userId, id })).returning();
  return row;
}

export async function listStorageKeys({ userId }: { userId: string }): Promise<string[]> {
  const rows = await (await getDb())
    .select({ storageKey: uploads.storageKey })
    .from(uploads)
    .where(eq(uploads.userId, userId));
  return rows.map((row) => row.storageKey);
}
