import { requireScope } from '@/features/accounts/service/api-keys';
import { type AnyRoute, defineRoute } from '@/features/core/http/define-route';
import { STATUS } from '@/features/core/http/status';
import { ClusterOverviewSchema, ClusterRunSchema } from '../schemas/schemas';
import { getClusterOverview, rebuildClusters } from '../service/service';

// POST /api/admin/clusters/rebuild — re-cluster the catalogue now (API key, catalog:write)
export const rebuildStyleClusters = defineRoute({
  method: 'POST',
  path: '/api/admin/clusters/rebuild',
  operationId: 'rebuildClusters',
  summary: 'Re-cluster the catalogue',
  description:
    'Seeded k-means++ with k chosen by silhouette over [10, min(200, ⌊n/2⌋)] (small catalogues: see PRODUCT.md §4); the new run becomes active atomically when it is complete. Runs off the event loop; answers when done. 409 while another rebuild runs (on any instance) or when the catalogue has no embedded products.',
  tags: ['clusters'],
  auth: requireScope('catalog:write'),
  responses: { [STATUS.OK]: { description: 'The new active run', schema: ClusterRunSchema } },
  problems: [STATUS.FORBIDDEN, STATUS.CONFLICT],
}).handle(async () => ({ status: STATUS.OK, body: await rebuildClusters() }));

// GET /api/admin/clusters — the active run and its clusters (API key, catalog:write)
export const getStyleClusters = defineRoute({
  method: 'GET',
  path: '/api/admin/clusters',
  operationId: 'getClusters',
  summary: 'The active cluster run and its clusters',
  tags: ['clusters'],
  auth: requireScope('catalog:write'),
  responses: {
    [STATUS.OK]: { description: 'The active run (null before the first)', schema: ClusterOverviewSchema },
  },
  problems: [STATUS.FORBIDDEN],
}).handle(async () => ({ status: STATUS.OK, body: await getClusterOverview() }));

/** The feature's operations (wired in app/api/operations.ts). */
export const stylesRoutes: readonly AnyRoute[] = [rebuildStyleClusters, getStyleClusters];
