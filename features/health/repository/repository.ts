import { sql } from 'drizzle-orm';
import { getDatabase } from '@/features/core/database/client';
import { type MigrationStatus, migrationStatus } from '@/features/core/database/migrations';

export async function pingDatabase(): Promise<{ driver: string; latencyMs: number }> {
  const handle = await getDatabase();
  const started = performance.now();
  await handle.db.execute(sql`select 1`);
  return { driver: handle.driver, latencyMs: Math.round((performance.now() - started) * 100) / 100 };
}

export async function findMigrationStatus(): Promise<MigrationStatus> {
  return migrationStatus((await getDatabase()).db);
}
