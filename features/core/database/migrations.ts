import { sql } from 'drizzle-orm';
import journal from '@/drizzle/meta/_journal.json' with { type: 'json' };
import type { Database } from './client';
import { queryRows } from './rows';

// Pending migrations, from the journal compiled into the bundle (no file reads at run time) against the
// drizzle migrator's own table, compared the way the migrator does: by each migration's timestamp.

export interface MigrationStatus {
  applied: number;
  expected: number;
  pending: string[];
}

const UNDEFINED_TABLE = '42P01';
const UNDEFINED_SCHEMA = '3F000';

export async function migrationStatus(db: Database): Promise<MigrationStatus> {
  let applied: { created_at: string | number }[] = [];
  try {
    applied = await queryRows(db, sql`select created_at from drizzle.__drizzle_migrations`);
  } catch (error) {
    const code =
      (error as { code?: string; cause?: { code?: string } }).code ??
      (error as { cause?: { code?: string } }).cause?.code;
    if (code !== UNDEFINED_TABLE && code !== UNDEFINED_SCHEMA) throw error;
  }
  const lastApplied = Math.max(0, ...applied.map((row) => Number(row.created_at)));
  const pending = journal.entries.filter((entry) => entry.when > lastApplied).map((entry) => entry.tag);
  return { applied: applied.length, expected: journal.entries.length, pending };
}
