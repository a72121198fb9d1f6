import { notFound } from '@/features/core/errors/errors';
import { toPage } from '@/features/core/http/pagination';
import { getObjectStorage } from '@/features/core/storage/storage';
import * as repository from '../repository/repository';
import type { Category } from '../schemas/schemas';

import { toPublicProduct } from './service';

// The catalogue's reads for the API (product pages, product images).
// ---------------------------------------------------------------------------------------------------------
// Reads for the API

export async function listProducts(query: {
  limit: number;
  cursor?: string | undefined;
  category?: Category | undefined;
}) {
  const rows = await repository.listProducts({
    category: query.category,
    before: query.cursor,
    limit: query.limit + 1,
  });
  return toPage(rows, query.limit, (row) => row.id, toPublicProduct);
}

export async function getProductImage(id: string) {
  const row = await repository.findProductById(id);
  if (!row) throw notFound('No such product.');
  return {
    etag: `"${row.imageSha256}"`,
    contentType: row.imageContentType,
    bytes: row.imageBytes,
    open: async () => {
      const stream = await (await getObjectStorage()).get(row.imageKey);
      if (!stream) throw new Error(`product ${row.id} has a row but no image in storage`);
      return stream;
    },
  };
}

export async function countProducts(): Promise<number> {
  return repository.countProducts();
}
