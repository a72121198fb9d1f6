import { and, asc, desc, eq, notInArray } from 'drizzle-orm';
import { getDatabase, getDb } from '@/features/core/database/client';
import { prepared } from '@/features/core/database/prepared';
import { type ClusterRow, type ClusterRunRow, clusterRuns, clusters } from './clusters.table';

// Cluster runs: written whole and activated in one transaction; read as "the active run".

// Distinct per-app key for pg_try_advisory_lock: one rebuild at a time across every instance on a database.
const REBUILD_LOCK_KEY = 7_345_112_013;
// Runs kept for the admin history; older ones (and their clusters, by cascade) go when a new run lands.
const RUNS_KEPT = 5;

export type NewClusterRun = Omit<
  typeof clusterRuns.$inferInsert,
  'id' | 'active' | 'createdAt' | 'updatedAt'
>;
export type NewCluster = Omit<typeof clusters.$inferInsert, 'id' | 'runId' | 'createdAt' | 'updatedAt'>;

/** Inserts the run and its clusters and makes it the only active run, all in one transaction. */
export async function insertActiveClusterRun({
  run,
  members,
}: {
  run: NewClusterRun;
  members: NewCluster[];
}): Promise<ClusterRunRow> {
  return (await getDb()).transaction(async (tx) => {
    await tx.update(clusterRuns).set({ active: false }).where(eq(clusterRuns.active, true));
    const [inserted] = await tx
      .insert(clusterRuns)
      .values({ ...run, active: true })
      .returning();
    if (!inserted) throw new Error('insert returned no run');
    // Chunks keep each statement's parameter count well under the protocol limit.
    for (let i = 0; i < members.length; i += 100) {
      await tx
        .insert(clusters)
        .values(members.slice(i, i + 100).map((member) => ({ ...member, runId: inserted.id })));
    }
    const kept = await tx
      .select({ id: clusterRuns.id })
      .from(clusterRuns)
      .orderBy(desc(clusterRuns.createdAt), desc(clusterRuns.id))
      .limit(RUNS_KEPT);
    await tx.delete(clusterRuns).where(
      and(
        eq(clusterRuns.active, false),
        notInArray(
          clusterRuns.id,
          kept.map((row) => row.id),
        ),
      ),
    );
    return inserted;
  });
}

// Every feed batch and onboarding looks the active run up: one prepared statement.
const activeRun = prepared((db) =>
  db
    .select()
    .from(clusterRuns)
    .where(eq(clusterRuns.active, true))
    .limit(1)
    .prepare('cluster_runs_find_active'),
);

export async function findActiveClusterRun(): Promise<ClusterRunRow | undefined> {
  const [row] = await (await activeRun()).execute();
  return row;
}

/** The clusters of a run, by index. */
export async function listRunClusters({ runId }: { runId: string }): Promise<ClusterRow[]> {
  return (await getDb())
    .select()
    .from(clusters)
    .where(eq(clusters.runId, runId))
    .orderBy(asc(clusters.index));
}

/** Runs `work` while holding the rebuild lock; undefined (without running it) when another holder has it. */
export async function withRebuildLock<T>(work: () => Promise<T>): Promise<{ value: T } | undefined> {
  const release = await (await getDatabase()).tryAdvisoryLock(REBUILD_LOCK_KEY);
  if (!release) return undefined;
  try {
    return { value: await work() };
  } finally {
    await release();
  }
}

export type { ClusterRow, ClusterRunRow };
