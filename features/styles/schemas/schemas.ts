import { z } from 'zod';

export const ClusterRunSchema = z
  .object({
    id: z.uuid(),
    modelId: z.string().meta({ description: 'The embedder whose vectors were clustered' }),
    dims: z.number().int().positive(),
    k: z
      .number()
      .int()
      .positive()
      .meta({ description: 'Number of clusters chosen by the silhouette search' }),
    kRange: z
      .object({ min: z.number().int(), max: z.number().int() })
      .meta({ description: 'The searched range: [10, min(200, ⌊n/2⌋)], with the small-catalogue rule' }),
    silhouette: z
      .number()
      .meta({ description: 'Mean silhouette of the chosen clustering (sampled above 3,000 products)' }),
    purity: z
      .number()
      .min(0)
      .max(1)
      .meta({ description: 'Share of products in their cluster’s majority category' }),
    seed: z.number().int(),
    productCount: z.number().int().nonnegative(),
    durationMs: z
      .number()
      .int()
      .nonnegative()
      .meta({ description: 'Wall time of the k search and the final fit' }),
    evaluated: z
      .array(z.object({ k: z.number().int(), silhouette: z.number() }))
      .meta({ description: 'Every k the coarse-to-fine search scored' }),
    active: z.boolean(),
    createdAt: z.iso.datetime({ offset: true }),
  })
  .meta({ id: 'ClusterRun', description: 'One k-means run over the catalogue' });

export const ClusterSummarySchema = z
  .object({
    index: z.number().int().nonnegative(),
    size: z.number().int().nonnegative(),
    prior: z.number().min(0).max(1).meta({ description: 'size / n' }),
    majorityCategory: z.string().nullable(),
    majorityShare: z.number().min(0).max(1),
  })
  .meta({ id: 'ClusterSummary' });

export const ClusterOverviewSchema = z
  .object({ run: ClusterRunSchema.nullable(), clusters: z.array(ClusterSummarySchema) })
  .meta({ id: 'ClusterOverview', description: 'The active run (null before the first) and its clusters' });

export type ClusterRunSummary = z.input<typeof ClusterRunSchema>;
export type ClusterOverview = z.input<typeof ClusterOverviewSchema>;
