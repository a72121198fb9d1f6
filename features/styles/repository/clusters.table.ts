import { sql } from 'drizzle-orm';
import {
  boolean,
  doublePrecision,
  index,
  integer,
  pgTable,
  real,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { baseColumns } from '@/features/core/database/columns';

// Style clusters (docs/product.md §4). A rebuild writes a whole run — its clusters included — and makes it the
// active one in a single transaction, so readers see the previous run or the new one, never half of one.
export const clusterRuns = pgTable(
  'cluster_runs',
  {
    ...baseColumns(),
    modelId: text('model_id').notNull(),
    dims: integer('dims').notNull(),
    k: integer('k').notNull(),
    minK: integer('min_k').notNull(),
    maxK: integer('max_k').notNull(),
    silhouette: doublePrecision('silhouette').notNull(),
    seed: integer('seed').notNull(),
    active: boolean('active').notNull().default(false),
    productCount: integer('product_count').notNull(),
    /** Share of products in their cluster's majority category (1 = every cluster is one category). */
    purity: doublePrecision('purity').notNull(),
    /** When the clustered vectors were read: catalogue changes after it count toward the next rebuild. */
    catalogSnapshotAt: timestamp('catalog_snapshot_at', { withTimezone: true, mode: 'date' }).notNull(),
    durationMs: integer('duration_ms').notNull(),
    /** The k values the search scored and their silhouettes, for the admin view. */
    evaluatedKs: integer('evaluated_ks').array().notNull(),
    evaluatedSilhouettes: doublePrecision('evaluated_silhouettes').array().notNull(),
  },
  (table) => [
    // At most one active run, enforced by the database.
    uniqueIndex('cluster_runs_one_active').on(table.active).where(sql`${table.active}`),
    index('cluster_runs_created_at_idx').on(table.createdAt),
  ],
);

export const clusters = pgTable(
  'clusters',
  {
    ...baseColumns(),
    runId: uuid('run_id')
      .notNull()
      .references(() => clusterRuns.id, { onDelete: 'cascade' }),
    index: integer('index').notNull(),
    /** Unit vector: the normalised mean of the members. */
    centroid: real('centroid').array().notNull(),
    size: integer('size').notNull(),
    /** size / n */
    prior: doublePrecision('prior').notNull(),
    /** The products assigned to this cluster when the run was built. */
    productIds: uuid('product_ids').array().notNull(),
  },
  (table) => [uniqueIndex('clusters_run_index_unique').on(table.runId, table.index)],
);

export type ClusterRunRow = typeof clusterRuns.$inferSelect;
export type ClusterRow = typeof clusters.$inferSelect;
