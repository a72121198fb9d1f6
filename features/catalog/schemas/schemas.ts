import { z } from 'zod';
import { CursorQuerySchema, pageSchema } from '@/features/core/http/pagination';

// The catalogue's shapes: the closed category set, the public product, the ingest item and the batch and
// archive contracts of docs/product.md §3 (kept exactly, so any scraper plugs in).

export const CATEGORIES = [
  'shoes',
  'tops',
  'pants',
  'dresses',
  'jackets',
  'bags',
  'accessories',
  'other',
] as const;
export type Category = (typeof CATEGORIES)[number];

export const MAX_TITLE_LENGTH = 500;
export const MAX_DESCRIPTION_LENGTH = 1000;
export const MAX_BATCH_SIZE = 100;

const timestamp = z.iso.datetime({ offset: true });

export const ProductSchema = z
  .object({
    id: z.uuid(),
    storeId: z.string(),
    externalId: z.string(),
    title: z.string(),
    description: z.string(),
    price: z
      .string()
      .regex(/^\d+\.\d{2}$/)
      .meta({ description: 'Decimal with two places', example: '49.90' }),
    currency: z.string().length(3).meta({ description: 'ISO 4217', example: 'USD' }),
    category: z.enum(CATEGORIES),
    productUrl: z.string(),
    imageUrl: z.string().meta({ description: 'Our stored copy: /api/products/{id}/image' }),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Product', description: 'A store product in the catalogue' });

export type PublicProduct = z.input<typeof ProductSchema>;

/**
 * The product fields every swipe card shows (feed items, calibration cards): docs/architecture.md §3's feed item shape
 * before the fields that say why the card is there.
 */
export const productCardFields = {
  id: z.uuid(),
  title: z.string(),
  price: z.string().meta({ description: 'Decimal with two places', example: '49.90' }),
  currency: z.string(),
  category: z.enum(CATEGORIES),
  productUrl: z.string(),
  imageUrl: z.string(),
};

export const ProductPageSchema = pageSchema(ProductSchema, 'ProductPage');

export const ProductIdSchema = z.object({ id: z.uuid() });

export const ProductListQuerySchema = CursorQuerySchema.extend({
  category: z.enum(CATEGORIES).optional().meta({ description: 'Only products of this category' }),
});

const identifier = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .refine((value) => !value.includes('\u0000'), 'must not contain NUL');
const text = (max: number) =>
  z
    .string()
    .refine((value) => !value.includes('\u0000'), 'must not contain NUL')
    .max(max);
const httpUrl = z
  .string()
  .max(2048)
  .refine((value) => {
    try {
      const url = new URL(value);
      return url.protocol === 'http:' || url.protocol === 'https:';
    } catch {
      return false;
    }
  }, 'must be an absolute http(s) URL');

/** One product as a scraper sends it; validated item by item so one bad product never fails its batch. */
export const IngestProductSchema = z
  .object({
    externalId: identifier,
    storeId: identifier,
    title: z.string().trim().min(1).pipe(text(MAX_TITLE_LENGTH)),
    description: z
      .string()
      .refine((value) => !value.includes('\u0000'), 'must not contain NUL')
      .transform((value) => value.trim().slice(0, MAX_DESCRIPTION_LENGTH))
      .optional()
      .meta({ description: `Truncated to ${MAX_DESCRIPTION_LENGTH} characters` }),
    price: z
      .union([
        z.number(),
        z
          .string()
          .trim()
          .regex(/^\d+(\.\d+)?$/, 'must be a decimal like 12.34'),
      ])
      .transform((value) => Number(value))
      .pipe(z.number().positive('must be greater than 0').max(9_999_999_999.99))
      .meta({ description: 'A positive decimal (JSON number or string "12.34")' }),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as USD')
      .default('USD'),
    productUrl: httpUrl,
    imageUrl: httpUrl
      .optional()
      .meta({ description: 'Fetched by the server (http/https, public addresses only)' }),
    imageBase64: z
      .string()
      .max(14_000_000)
      .regex(/^[A-Za-z0-9+/=\s]*$/, 'must be base64')
      .optional()
      .meta({ description: 'The image inline, base64 (JPEG, PNG or WebP)' }),
    rawCategories: z.array(text(200)).max(50).default([]),
  })
  .refine((item) => (item.imageUrl === undefined) !== (item.imageBase64 === undefined), {
    message: 'exactly one of imageUrl and imageBase64 is required',
    path: ['imageUrl'],
  })
  .meta({ id: 'IngestProduct' });

export type IngestProduct = z.output<typeof IngestProductSchema>;

/** An item that failed IngestProductSchema: kept (not thrown), so the batch goes on and the item is rejected alone. */
export interface InvalidIngestItem {
  invalid: string;
  input: unknown;
}

/**
 * One batch item as the contract parses it: the IngestProduct (as the document shows it), or, when it does not
 * validate, the reasons — a per-item rejection instead of a 422 for the whole batch.
 */
const IngestItemSchema = z.union([
  IngestProductSchema,
  z
    .unknown()
    .transform((input): InvalidIngestItem => {
      const issues = IngestProductSchema.safeParse(input).error?.issues ?? [];
      const invalid = issues.map((issue) => `${issue.path.join('.') || 'item'}: ${issue.message}`).join('; ');
      return { invalid: invalid || 'not a product', input };
    })
    .meta({ description: 'Anything that is not a valid IngestProduct: rejected alone (see `rejected`)' }),
]);

export const IngestBatchSchema = z
  .object({ products: z.array(IngestItemSchema).min(1).max(MAX_BATCH_SIZE) })
  .meta({
    id: 'IngestBatch',
    description: `1–${MAX_BATCH_SIZE} products; an invalid item is rejected alone (in \`rejected\`), never the batch`,
  });

export const IngestRejectionSchema = z
  .object({
    externalId: z.string().nullable(),
    storeId: z.string().nullable(),
    error: z.string(),
    retryable: z.boolean().meta({ description: 'true for transient failures (fetch timeout, storage)' }),
  })
  .meta({ id: 'IngestRejection' });

export const IngestResultSchema = z
  .object({
    total: z.number().int().nonnegative(),
    created: z.number().int().nonnegative(),
    updated: z.number().int().nonnegative(),
    failed: z.number().int().nonnegative(),
    acceptedIds: z.array(z.uuid()),
    rejected: z.array(IngestRejectionSchema),
  })
  .meta({ id: 'IngestResult' });

export type IngestResult = z.infer<typeof IngestResultSchema>;
export type IngestRejection = z.infer<typeof IngestRejectionSchema>;

export const ArchiveRequestSchema = z
  .object({ storeId: identifier, externalIds: z.array(identifier).min(1).max(1000) })
  .meta({ id: 'ArchiveProducts' });

export const ArchiveResultSchema = z
  .object({ archivedCount: z.number().int().nonnegative(), archivedIds: z.array(z.uuid()) })
  .meta({ id: 'ArchiveResult' });

export const ETagHeaderSchema = z.object({
  'if-none-match': z.string().max(200).optional().meta({ description: 'An ETag from a previous response' }),
});
