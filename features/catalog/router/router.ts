import { requireScope } from '@/features/accounts/service/api-keys';
import { requireUser } from '@/features/accounts/service/guard';
import { matchesIfNoneMatch } from '@/features/core/http/conditional';
import { type AnyRoute, defineRoute } from '@/features/core/http/define-route';
import { STATUS } from '@/features/core/http/status';
import {
  ArchiveRequestSchema,
  ArchiveResultSchema,
  ETagHeaderSchema,
  IngestBatchSchema,
  IngestResultSchema,
  MAX_BATCH_SIZE,
  ProductIdSchema,
  ProductListQuerySchema,
  ProductPageSchema,
  ProductSchema,
} from '../schemas/schemas';
import { archiveProducts, ingestProducts } from '../service/ingest';
import { getProductImage, listProducts } from '../service/reads';
import { getProduct } from '../service/service';

/** Inline base64 images make ingest bodies large; URL batches are small. */
const INGEST_MAX_BODY_BYTES = 64 * 1024 * 1024;

// POST /api/admin/products/batch — upsert up to 100 products from a store scraper (API key, catalog:write)
export const ingestProductsRoute = defineRoute({
  method: 'POST',
  path: '/api/admin/products/batch',
  operationId: 'ingestProducts',
  summary: 'Ingest a batch of store products',
  description: `1–${MAX_BATCH_SIZE} products, each with exactly one of \`imageUrl\` (fetched by the server: http/https, public addresses only, 10 MB, time-limited) or \`imageBase64\`. Each item is validated, its image checked by the quality gate (smallest side ≥ 400 px, 50 KB–10 MB, sharp enough), stored, hashed for near-duplicates and embedded. One bad product never fails the batch: 200 when every item is accepted, 207 when some are rejected (\`rejected[].retryable\` says whether retrying can help). Re-ingesting a product updates it, re-embeds only when its image changed, and un-archives it.`,
  tags: ['catalog'],
  auth: requireScope('catalog:write'),
  request: { body: { schema: IngestBatchSchema, maxBytes: INGEST_MAX_BODY_BYTES } },
  responses: {
    [STATUS.OK]: { description: 'Every product accepted', schema: IngestResultSchema },
    [STATUS.MULTI_STATUS]: {
      description: 'Some products rejected (see `rejected`)',
      schema: IngestResultSchema,
    },
  },
  problems: [STATUS.FORBIDDEN],
}).handle(async ({ body }) => {
  const result = await ingestProducts(body.products);
  return { status: result.failed === 0 ? STATUS.OK : STATUS.MULTI_STATUS, body: result };
});

// POST /api/admin/products/archive — soft-delete a store's products (API key, catalog:write)
export const archiveProductsRoute = defineRoute({
  method: 'POST',
  path: '/api/admin/products/archive',
  operationId: 'archiveProducts',
  summary: 'Archive products of a store',
  description:
    'Soft delete: archived products leave every feed and list; re-ingesting one brings it back. Unknown or already archived external ids are not counted.',
  tags: ['catalog'],
  auth: requireScope('catalog:write'),
  request: { body: { schema: ArchiveRequestSchema } },
  responses: { [STATUS.OK]: { description: 'Archived', schema: ArchiveResultSchema } },
  problems: [STATUS.FORBIDDEN],
}).handle(async ({ body }) => ({ status: STATUS.OK, body: await archiveProducts(body) }));

// GET /api/products — the catalogue, newest first
export const listProductsRoute = defineRoute({
  method: 'GET',
  path: '/api/products',
  operationId: 'listProducts',
  summary: 'Catalogue products, newest first (cursor-paginated)',
  description: 'Archived products are left out. `category` filters to one of the eight categories.',
  tags: ['catalog'],
  auth: requireUser,
  request: { query: ProductListQuerySchema },
  responses: { [STATUS.OK]: { description: 'A page of products', schema: ProductPageSchema } },
}).handle(async ({ query }) => ({ status: STATUS.OK, body: await listProducts(query) }));

// GET /api/products/{id} — one product
export const getProductRoute = defineRoute({
  method: 'GET',
  path: '/api/products/{id}',
  operationId: 'getProduct',
  summary: 'One product',
  description: 'Archived products are still returned (a user’s history may name them).',
  tags: ['catalog'],
  auth: requireUser,
  request: { params: ProductIdSchema },
  responses: { [STATUS.OK]: { description: 'The product', schema: ProductSchema } },
  problems: [STATUS.NOT_FOUND],
}).handle(async ({ params }) => ({ status: STATUS.OK, body: await getProduct(params.id) }));

// GET /api/products/{id}/image — our stored copy of the product image (public, cacheable)
export const getProductImageRoute = defineRoute({
  method: 'GET',
  path: '/api/products/{id}/image',
  operationId: 'getProductImage',
  summary: 'The product image',
  description:
    'Our stored, re-encoded copy (metadata stripped). Product images are not private: no credential is needed and responses are publicly cacheable, revalidated with the strong ETag.',
  tags: ['catalog'],
  request: { params: ProductIdSchema, headers: ETagHeaderSchema },
  responses: {
    [STATUS.OK]: {
      description: 'The image (JPEG, PNG or WebP)',
      mediaType: 'image/*',
      headers: {
        ETag: { description: 'Strong validator of the bytes', schema: { type: 'string' } },
        'Cache-Control': { description: 'public, revalidate after an hour', schema: { type: 'string' } },
      },
    },
    [STATUS.NOT_MODIFIED]: { description: 'The If-None-Match ETag is current' },
  },
  problems: [STATUS.NOT_FOUND],
}).handle(async ({ params, headers }) => {
  const image = await getProductImage(params.id);
  const cache = { etag: image.etag, 'cache-control': 'public, max-age=3600, must-revalidate' };
  if (matchesIfNoneMatch(headers['if-none-match'], image.etag))
    return { status: STATUS.NOT_MODIFIED, headers: cache };
  return {
    status: STATUS.OK,
    body: await image.open(),
    headers: { ...cache, 'content-type': image.contentType, 'content-length': String(image.bytes) },
  };
});

/** The feature's operations (wired in app/api/operations.ts). */
export const catalogRoutes: readonly AnyRoute[] = [
  ingestProductsRoute,
  archiveProductsRoute,
  listProductsRoute,
  getProductRoute,
  getProductImageRoute,
];
