import { integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { baseColumns } from '@/features/core/database/columns';

// Durable background work (features/core/jobs): one row per job. An instance runs a job only while it holds
// its lease (`locked_until`, renewed while it runs), claimed with FOR UPDATE SKIP LOCKED: one instance at a
// time, and a lease left by a killed instance expires and another takes the job over. `run_after` is the
// next run (the interval after a success, a backoff after a failure, now when triggered).
export const backgroundJobs = pgTable('background_jobs', {
  ...baseColumns(),
  name: text('name').notNull().unique('background_jobs_name_unique'),
  runAfter: timestamp('run_after', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  lockedUntil: timestamp('locked_until', { withTimezone: true, mode: 'date' }),
  lockedBy: text('locked_by'),
  /** Failures in a row (backoff); 0 after a success. */
  attempts: integer('attempts').notNull().default(0),
  runs: integer('runs').notNull().default(0),
  failures: integer('failures').notNull().default(0),
  lastError: text('last_error'),
  lastStartedAt: timestamp('last_started_at', { withTimezone: true, mode: 'date' }),
  lastFinishedAt: timestamp('last_finished_at', { withTimezone: true, mode: 'date' }),
});

export type BackgroundJobRow = typeof backgroundJobs.$inferSelect;
