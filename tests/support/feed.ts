import { randomBytes } from 'node:crypto';
import { type APIRequestContext, expect } from '@playwright/test';
import type { Api } from './fixtures';
import { productImage } from './images';

// Helpers for the feed and feedback API tests: products of their own store, signed-in users.

/** The click-out's affiliate parameters the API test servers run with (AFFILIATE_PARAMS). */
export const AFFILIATE_STORE = 'stylipp-affiliate-test';
export const TEST_AFFILIATE_PARAMS = { [AFFILIATE_STORE]: { aff: 'stylipp-42', utm_source: 'stylipp' } };

export interface IngestedProduct {
  id: string;
  externalId: string;
  storeId: string;
  productUrl: string;
  category: string;
}

const RAW: Record<string, string[]> = {
  tops: ['Tops'],
  shoes: ['Shoes'],
  bags: ['Bags'],
  accessories: ['Accessories'],
};

/** Ingests `count` products of a fresh store (10 per call, so they are embedded inline). */
export async function ingestProducts(
  request: APIRequestContext,
  key: string,
  count: number,
  options: { category?: 'tops' | 'shoes' | 'bags' | 'accessories'; storeId?: string; seed?: number } = {},
): Promise<IngestedProduct[]> {
  const storeId = options.storeId ?? `feed-${randomBytes(4).toString('hex')}`;
  const category = options.category ?? 'tops';
  const seed = options.seed ?? randomBytes(4).readUInt32LE(0);
  const out: IngestedProduct[] = [];
  for (let start = 0; start < count; start += 10) {
    const items = await Promise.all(
      Array.from({ length: Math.min(10, count - start) }, async (_, i) => {
        const externalId = `${category}-${start + i}`;
        return {
          externalId,
          storeId,
          title: `${category} ${externalId}`,
          price: 20 + ((start + i) % 9) * 10,
          productUrl: `https://shop.example.com/${storeId}/${externalId}?ref=feed`,
          imageBase64: (await productImage(seed + start + i, 400)).toString('base64'),
          rawCategories: RAW[category],
        };
      }),
    );
    const response = await request.post('/api/admin/products/batch', {
      data: { products: items },
      headers: { authorization: `Bearer ${key}` },
    });
    const body = await response.json();
    expect(response.status(), JSON.stringify(body).slice(0, 500)).toBe(200);
    for (const [i, id] of (body.acceptedIds as string[]).entries()) {
      const item = items[i] as (typeof items)[number];
      out.push({ id, externalId: item.externalId, storeId, productUrl: item.productUrl, category });
    }
  }
  return out;
}

export async function signIn(api: Api): Promise<{ id: string; headers: Record<string, string> }> {
  const account = await api.register();
  const { access_token } = await api.token(account.email, account.password);
  return { id: account.id, headers: { authorization: `Bearer ${access_token}` } };
}
