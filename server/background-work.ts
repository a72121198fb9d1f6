// The background work of a long-running server process, on either host (server/main.ts on our own server,
// instrumentation.ts under `next start`): durable jobs and the metrics listener. Serverless hosts run the same
// jobs from the cron route (app/cron/jobs/route.ts).
import { drainEmbeddingQueue, getEmbeddingStatus } from '@/features/catalog/service/embedding-queue';
import { countProducts } from '@/features/catalog/service/reads';
import { getConfig } from '@/features/core/config/config';
import { defineJobs, type JobDefinition, startJobRunner } from '@/features/core/jobs/jobs';
import { registerGauge, startMetricsServer } from '@/features/core/metrics/metrics';
import { interactionQueue, learningBacklog } from '@/features/feedback/service/service';
import { applyAllPendingInteractions } from '@/features/profiles/service/learning';
import { isRebuildDue, rebuildClusters } from '@/features/styles/service/service';
import { sweepOrphanUploads } from '@/features/uploads/service/service';
import { purgeExpiredRows } from './retention';

/**
 * The background work of the API, as durable jobs (features/core/jobs): each runs on one instance at a time,
 * survives restarts and retries with backoff. Every job re-reads what is left to do, so a run cut short by a
 * crash is simply run again.
 */
export function backgroundJobs(): JobDefinition[] {
  const config = getConfig();
  const jobs: JobDefinition[] = [
    {
      // Products without a vector of the current model (ingest embeds small batches inline and queues the
      // rest; a crash or a failed fetch leaves rows behind): due at every start, then every 5 minutes.
      name: 'embedding-backlog',
      everySeconds: 300,
      run: async () => ({ embedded: await drainEmbeddingQueue() }),
    },
    {
      // Style clusters rebuilt when due (no active run, another embedder, > 5 % of the catalogue changed).
      name: 'cluster-maintenance',
      everySeconds: config.clusters.checkIntervalSeconds,
      run: async () => {
        if (!(await isRebuildDue())) return { rebuilt: false };
        try {
          await rebuildClusters();
        } catch (error) {
          // A rebuild started through the admin route on another instance is not a failure of this job.
          if (error instanceof Error && 'code' in error && error.code === 'rebuild_running')
            return { rebuilt: false };
          throw error;
        }
        return { rebuilt: true };
      },
    },
    {
      // Swipes not yet applied to their style profile (learning runs right after each swipe's response; a
      // crash between the two leaves them here).
      name: 'learning-catch-up',
      everySeconds: 300,
      run: async () => {
        // Counted in stylipp_swipes_learned_total by learning itself, like the swipes learned inline.
        const applied = await applyAllPendingInteractions(interactionQueue);
        let total = 0;
        for (const count of applied.values()) total += count;
        return { interactions: total, users: applied.size };
      },
    },
    {
      // Rows older than their retention (server/retention.ts: one list, one job), hourly: each run is short
      // (chunked deletes on indexed ages) and the youngest retention is a day.
      name: 'data-retention',
      everySeconds: 3600,
      run: () => purgeExpiredRows(),
    },
  ];
  if (config.uploads.sweepIntervalSeconds > 0)
    jobs.push({
      // Stored bytes no row names (crashes, uploads racing an account deletion), older than the grace.
      name: 'uploads-sweep',
      everySeconds: config.uploads.sweepIntervalSeconds,
      run: async () => {
        const { scanned, deleted } = await sweepOrphanUploads({
          graceSeconds: config.uploads.orphanGraceSeconds,
        });
        return { scanned, deleted: deleted.length };
      },
    });
  return jobs;
}

/**
 * What a long-running server process starts beside its routes, on either host (instrumentation.ts under Next,
 * server/main.ts on our own server): the job runner (the embedding backlog due at once: a restarted instance
 * resumes it) and the metrics listener with the gauges read from the features at scrape time. Idempotent.
 */
export function startBackgroundWork(): void {
  defineJobs(backgroundJobs());
  startJobRunner({ dueAtStart: ['embedding-backlog'] });
  registerGauge('stylipp_catalog_products', 'Products in the catalogue', () => countProducts());
  registerGauge(
    'stylipp_embedding_backlog',
    'Products waiting for a vector of the current embedder',
    async () => {
      return (await getEmbeddingStatus()).waitingForVector;
    },
  );
  // Learning lag: swipes not yet in their profile, and how long the oldest has waited (0 when none). One
  // query serves both gauges of a scrape.
  const backlog = sharedFor(1000, learningBacklog);
  registerGauge(
    'stylipp_learning_pending_swipes',
    'Swipes not yet applied to their style profile',
    async () => (await backlog()).pending,
  );
  registerGauge(
    'stylipp_learning_lag_seconds',
    'Age of the oldest swipe not yet applied to its style profile (0 when none)',
    async () => {
      const { oldest } = await backlog();
      return oldest ? Math.max(0, (Date.now() - oldest.getTime()) / 1000) : 0;
    },
  );
  startMetricsServer();
}

/** `read` shared by the callers of one moment (a scrape's gauges): at most one call per `ms`. */
function sharedFor<T>(ms: number, read: () => Promise<T>): () => Promise<T> {
  let last: { at: number; value: Promise<T> } | undefined;
  return () => {
    const now = performance.now();
    if (!last || now - last.at > ms) last = { at: now, value: read() };
    return last.value;
  };
}
