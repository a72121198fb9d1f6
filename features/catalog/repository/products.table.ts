import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  bigint,
  check,
  index,
  integer,
  numeric,
  pgTable,
  real,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { baseColumns } from '@/features/core/database/columns';

// Store products. One row per (store, external id); archived rows stay (soft delete) so interactions and
// click-outs keep their product. The image bytes live in object storage under `image_key`; `embedding` is the
// image descriptor of the embedder named by `model_id` (null until it is computed: such rows are retried).
export const products = pgTable(
  'products',
  {
    ...baseColumns(),
    storeId: text('store_id').notNull(),
    externalId: text('external_id').notNull(),
    title: text('title').notNull(),
    description: text('description').notNull().default(''),
    price: numeric('price', { precision: 12, scale: 2 }).notNull(),
    currency: text('currency').notNull().default('USD'),
    productUrl: text('product_url').notNull(),
    category: text('category').notNull(),
    rawCategories: text('raw_categories').array().notNull().default(sql`'{}'::text[]`),
    imageKey: text('image_key').notNull(),
    imageSha256: text('image_sha256').notNull(),
    /** SHA-256 of the bytes as the store sent them: an unchanged source image is not fetched-processed again. */
    sourceImageSha256: text('source_image_sha256').notNull(),
    /** The URL the image came from (null for inline images): the same URL is not fetched again. */
    sourceImageUrl: text('source_image_url'),
    imageContentType: text('image_content_type').notNull(),
    imageBytes: integer('image_bytes').notNull(),
    imageWidth: integer('image_width').notNull(),
    imageHeight: integer('image_height').notNull(),
    phash: text('phash').notNull(),
    duplicateOfId: uuid('duplicate_of_id').references((): AnyPgColumn => products.id, {
      onDelete: 'set null',
    }),
    embedding: real('embedding').array(),
    modelId: text('model_id'),
    dims: integer('dims'),
    embedAttempts: integer('embed_attempts').notNull().default(0),
    archivedAt: timestamp('archived_at', { withTimezone: true, mode: 'date' }),
  },
  (table) => [
    uniqueIndex('products_store_external_unique').on(table.storeId, table.externalId),
    index('products_category_idx').on(table.category, table.id),
    index('products_updated_at_idx').on(table.updatedAt),
  ],
);

// The catalogue's version, one row: a trigger bumps it at the start of every statement that writes `products`, in
// that statement's transaction (migration 20261129184203_catalog_version), so readers see it change exactly when they
// may see the products change, and reading it costs one row however large the catalogue. Taking its row lock
// first also orders concurrent catalogue writers before they lock any product: they queue, they cannot deadlock.
export const catalogState = pgTable(
  'catalog_state',
  {
    id: integer('id').primaryKey(),
    version: bigint('version', { mode: 'number' }).notNull().default(0),
  },
  (table) => [check('catalog_state_one_row', sql`${table.id} = 1`)],
);

export type ProductRow = typeof products.$inferSelect;
export type NewProductRow = typeof products.$inferInsert;
