import { sql } from 'drizzle-orm';
import { getDb } from '@/features/core/database/client';
import { queryRows } from '@/features/core/database/rows';
import { uuidv7 } from '@/features/core/database/uuid';

// The job table's statements (features/core/jobs runs them). Plain SQL every driver runs (PGlite included:
// SKIP LOCKED is Postgres syntax; with one connection it simply never meets a lock).

export interface ClaimedJob {
  name: string;
  attempts: number;
}

/** Adds missing jobs, due now; existing rows keep their schedule. */
export async function registerJobs({ names }: { names: string[] }): Promise<void> {
  const db = await getDb();
  for (const name of names)
    await db.execute(
      sql`insert into background_jobs (id, name) values (${uuidv7()}, ${name}) on conflict (name) do nothing`,
    );
}

/** Claims one due job whose lease is free (or expired), among `names`; undefined when none is. */
export async function claimDueJob({
  names,
  owner,
  leaseSeconds,
}: {
  names: string[];
  owner: string;
  leaseSeconds: number;
}): Promise<ClaimedJob | undefined> {
  if (names.length === 0) return undefined;
  const db = await getDb();
  const [row] = await queryRows<{ name: string; attempts: number }>(
    db,
    sql`update background_jobs set locked_until = now() + make_interval(secs => ${leaseSeconds}),
          locked_by = ${owner}, last_started_at = now()
        where id = (
          select id from background_jobs
          where name in (${sql.join(
            names.map((name) => sql`${name}`),
            sql`, `,
          )})
            and run_after <= now() and (locked_until is null or locked_until < now())
          order by run_after
          limit 1
          for update skip locked)
        returning name, attempts`,
  );
  return row;
}

/** Extends the lease of a job this owner holds; false when it lost it (expired and taken over). */
export async function renewJobLease({
  name,
  owner,
  leaseSeconds,
}: {
  name: string;
  owner: string;
  leaseSeconds: number;
}): Promise<boolean> {
  const db = await getDb();
  const rows = await queryRows<{ name: string }>(
    db,
    sql`update background_jobs set locked_until = now() + make_interval(secs => ${leaseSeconds})
        where name = ${name} and locked_by = ${owner} and locked_until is not null returning name`,
  );
  return rows.length > 0;
}

export async function completeJob({
  name,
  owner,
  nextRunSeconds,
}: {
  name: string;
  owner: string;
  nextRunSeconds: number;
}): Promise<void> {
  const db = await getDb();
  await db.execute(
    sql`update background_jobs set locked_until = null, locked_by = null, attempts = 0, runs = runs + 1,
          last_error = null, last_finished_at = now(),
          run_after = greatest(run_after, now() + make_interval(secs => ${nextRunSeconds}))
        where name = ${name} and locked_by = ${owner}`,
  );
}

export async function failJob({
  name,
  owner,
  retrySeconds,
  error,
}: {
  name: string;
  owner: string;
  retrySeconds: number;
  error: string;
}): Promise<void> {
  const db = await getDb();
  await db.execute(
    sql`update background_jobs set locked_until = null, locked_by = null, attempts = attempts + 1,
          failures = failures + 1, last_error = ${error}, last_finished_at = now(),
          run_after = now() + make_interval(secs => ${retrySeconds})
        where name = ${name} and locked_by = ${owner}`,
  );
}

/** Makes a job due now (at start: a restarted instance resumes it); a run in progress keeps its lease. */
export async function makeJobDue({ name }: { name: string }): Promise<void> {
  const db = await getDb();
  await db.execute(sql`update background_jobs set run_after = now() where name = ${name}`);
}
