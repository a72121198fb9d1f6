import { hostname } from 'node:os';
import { getConfig } from '@/features/core/config/config';
import { describeError, logger } from '@/features/core/logger/logger';
import { recordJobRun } from '@/features/core/metrics/metrics';
import {
  claimDueJob,
  completeJob,
  failJob,
  makeJobDue,
  registerJobs,
  renewJobLease,
} from '@/features/core/repository/background-jobs';
import { isDraining } from '@/features/core/startup/lifecycle';

// Durable background work: every periodic or triggered job is a row of `background_jobs` in the one Postgres
// every instance shares. An instance runs a job only while it holds the row's lease (claimed with FOR UPDATE
// SKIP LOCKED, renewed while the job runs): one instance at a time, whichever is free. A killed instance's
// lease expires after JOBS_LEASE_SECONDS and another instance runs the job again, so each job's work is
// idempotent (it re-reads what is left to do: products without a vector, swipes not yet applied, …).
// A success schedules the next run `everySeconds` later; a failure retries with exponential backoff
// (5 s, 10 s, 20 s … at most 10 min). Each instance polls every JOBS_POLL_SECONDS; serverless hosts, which
// keep no process, drive the same jobs from a cron route (app/cron/jobs/route.ts, CRON_SECRET).

export interface JobDefinition {
  name: string;
  /** Seconds from the end of a successful run to the next. */
  everySeconds: number;
  /** The work; what it returns is logged. Must be idempotent (a run cut short by a crash runs again). */
  run: () => Promise<Record<string, string | number | boolean> | undefined>;
}

export interface JobOutcome {
  name: string;
  outcome: 'succeeded' | 'failed';
  durationMs: number;
}

const KEY = Symbol.for('stylipp.jobs');
interface JobsState {
  definitions: Map<string, JobDefinition>;
  registered: boolean;
  timer?: NodeJS.Timeout;
  running: boolean;
}
const store = globalThis as typeof globalThis & { [KEY]?: JobsState };
const state = (): JobsState => {
  store[KEY] ??= { definitions: new Map(), registered: false, running: false };
  return store[KEY];
};

/** This process, as it appears in `background_jobs.locked_by`. */
export const JOB_OWNER = `${hostname()}:${process.pid}`;

export const retryDelaySeconds = (failuresInARow: number): number =>
  Math.min(600, 5 * 2 ** Math.max(0, failuresInARow - 1));

export function defineJobs(definitions: JobDefinition[]): void {
  for (const definition of definitions) state().definitions.set(definition.name, definition);
}

async function ensureRegistered(): Promise<void> {
  if (state().registered) return;
  await registerJobs({ names: [...state().definitions.keys()] });
  state().registered = true;
}

async function runClaimed(name: string, attempts: number): Promise<JobOutcome> {
  const definition = state().definitions.get(name) as JobDefinition;
  const { leaseSeconds } = getConfig().jobs;
  const started = performance.now();
  const heartbeat = setInterval(
    () =>
      void renewJobLease({ name, owner: JOB_OWNER, leaseSeconds }).then(
        (held) => held || logger.warn('job lease lost (taken over after expiry)', { job: name }),
        (error) => logger.warn('job lease renewal failed', { job: name, ...describeError(error) }),
      ),
    (leaseSeconds * 1000) / 3,
  ).unref();
  try {
    const summary = await definition.run();
    const durationMs = Math.round(performance.now() - started);
    await completeJob({ name, owner: JOB_OWNER, nextRunSeconds: definition.everySeconds });
    recordJobRun(name, 'succeeded', durationMs / 1000);
    logger.info('job done', { job: name, durationMs, ...summary });
    return { name, outcome: 'succeeded', durationMs };
  } catch (error) {
    const durationMs = Math.round(performance.now() - started);
    const retrySeconds = retryDelaySeconds(attempts + 1);
    const { message } = describeError(error);
    await failJob({ name, owner: JOB_OWNER, retrySeconds, error: message.slice(0, 500) }).catch(() => {});
    recordJobRun(name, 'failed', durationMs / 1000);
    logger.warn('job failed; retrying later', {
      job: name,
      durationMs,
      retrySeconds,
      ...describeError(error),
    });
    return { name, outcome: 'failed', durationMs };
  } finally {
    clearInterval(heartbeat);
  }
}

/**
 * Runs every job that is due and free, one after another, until none is (or `budgetMs` has passed): the poll
 * of a server instance, and the whole of a cron invocation on a serverless host.
 */
export async function runDueJobs({ budgetMs = Number.POSITIVE_INFINITY } = {}): Promise<JobOutcome[]> {
  await ensureRegistered();
  const outcomes: JobOutcome[] = [];
  const started = performance.now();
  const names = [...state().definitions.keys()];
  while (performance.now() - started < budgetMs && !isDraining()) {
    const claimed = await claimDueJob({
      names,
      owner: JOB_OWNER,
      leaseSeconds: getConfig().jobs.leaseSeconds,
    });
    if (!claimed) break;
    outcomes.push(await runClaimed(claimed.name, claimed.attempts));
  }
  return outcomes;
}

/**
 * The poll loop of a long-running instance (both hosts): a first pass now — a restarted instance resumes
 * whatever is due, the embedding backlog among it — then one every JOBS_POLL_SECONDS. Timers never hold the
 * process; a draining instance claims nothing new.
 */
export function startJobRunner({ dueAtStart = [] }: { dueAtStart?: string[] } = {}): void {
  const jobs = getConfig().jobs;
  if (!jobs.enabled || state().timer) return;
  const poll = async () => {
    if (state().running || isDraining()) return;
    state().running = true;
    try {
      await runDueJobs();
    } catch (error) {
      logger.warn('background jobs: poll failed', describeError(error));
    } finally {
      state().running = false;
    }
  };
  state().timer = setInterval(() => void poll(), jobs.pollSeconds * 1000).unref();
  void (async () => {
    try {
      await ensureRegistered();
      for (const name of dueAtStart) await makeJobDue({ name });
    } catch (error) {
      logger.warn('background jobs: registration failed', describeError(error));
    }
    await poll();
  })();
}
