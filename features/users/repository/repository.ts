import { eq, sql } from 'drizzle-orm';
import { getDb } from '@/features/core/database/client';
import { prepared } from '@/features/core/database/prepared';
import { type NewUserRow, type UserRow, users } from './users.table';

export async function insertUser(values: NewUserRow): Promise<UserRow> {
  const [row] = await (await getDb()).insert(users).values(values).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

// Every authenticated request looks its user up: one prepared statement.
const userById = prepared((db) =>
  db
    .select()
    .from(users)
    .where(eq(users.id, sql.placeholder('id')))
    .limit(1)
    .prepare('users_find_by_id'),
);

export async function findUserById(id: string): Promise<UserRow | undefined> {
  const [row] = await (await userById()).execute({ id });
  return row;
}

export async function findUserByEmail(email: string): Promise<UserRow | undefined> {
  const [row] = await (await getDb()).select().from(users).where(eq(users.email, email)).limit(1);
  return row;
}

export async function updateUser(
  id: string,
  values: Partial<Pick<NewUserRow, 'email' | 'name' | 'passwordHash' | 'credentialsChangedAt'>>,
) {
  const [row] = await (await getDb()).update(users).set(values).where(eq(users.id, id)).returning();
  return row;
}

/** Deletes the account; rows that hang off it (refresh tokens, …) go with it through ON DELETE CASCADE. */
export async function deleteUser(id: string): Promise<boolean> {
  const rows = await (await getDb()).delete(users).where(eq(users.id, id)).returning({ id: users.id });
  return rows.length > 0;
}
