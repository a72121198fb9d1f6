import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import sharp from 'sharp';
import { type Api, expect, test } from '../support/fixtures';
import { productImage } from '../support/images';
import { serverInfo } from '../support/server';

// The catalogue over HTTP: API-key guarded ingest and archive (docs/product.md §3's 200/207 per-item contract),
// product pages for signed-in users, and the public product image.

const pass = () => String(test.info().project.metadata.pass);
const keys = () => serverInfo(pass()).apiKeys;
const asKey = (key: string) => ({ authorization: `Bearer ${key}` });
const storeId = () => `store-${randomBytes(4).toString('hex')}`;

interface Item {
  externalId: string;
  storeId: string;
  title: string;
  price: number | string;
  productUrl: string;
  imageBase64?: string;
  imageUrl?: string;
  rawCategories?: string[];
  description?: string;
  currency?: string;
}

async function item(
  store: string,
  externalId: string,
  seed: number,
  overrides: Partial<Item> = {},
): Promise<Item> {
  return {
    externalId,
    storeId: store,
    title: `Linen shirt ${externalId}`,
    price: 49.9,
    productUrl: `https://shop.example.com/p/${externalId}`,
    imageBase64: (await productImage(seed)).toString('base64'),
    rawCategories: ['Women', 'Tops'],
    ...overrides,
  };
}

async function signedIn(api: Api): Promise<Record<string, string>> {
  const account = await api.register();
  const { access_token } = await api.token(account.email, account.password);
  return { authorization: `Bearer ${access_token}` };
}

test.describe('API keys guard the admin operations', () => {
  test('no credential, a user access token, an unknown or revoked key → 401; a key without the scope → 403', async ({
    api,
    request,
  }) => {
    const body = { data: { storeId: 's', externalIds: ['x'] } };
    expect((await request.post('/api/admin/products/archive', body)).status()).toBe(401);
    const user = await signedIn(api);
    const asUser = await request.post('/api/admin/products/archive', { ...body, headers: user });
    expect(asUser.status()).toBe(401);
    expect(asUser.headers()['www-authenticate']).toMatch(/^Bearer/);
    const unknown = `stylipp_sk_${randomBytes(32).toString('base64url')}`;
    expect(
      (await request.post('/api/admin/products/archive', { ...body, headers: asKey(unknown) })).status(),
    ).toBe(401);
    expect(
      (
        await request.post('/api/admin/products/archive', { ...body, headers: asKey(keys().revoked) })
      ).status(),
    ).toBe(401);
    const wrongScope = await request.post('/api/admin/products/archive', {
      ...body,
      headers: asKey(keys().otherScope),
    });
    expect(wrongScope.status()).toBe(403);
    expect(await wrongScope.text()).not.toContain(keys().otherScope);
    const ok = await request.post('/api/admin/products/archive', { ...body, headers: asKey(keys().writer) });
    expect(ok.status()).toBe(200);
    expect(await ok.json()).toEqual({ archivedCount: 0, archivedIds: [] });
  });

  test('a key never passes requireUser', async ({ request }) => {
    expect((await request.get('/api/users/me', { headers: asKey(keys().writer) })).status()).toBe(401);
    expect((await request.get('/api/products', { headers: asKey(keys().writer) })).status()).toBe(401);
  });
});

test.describe('ingest', () => {
  test('a mixed batch answers 207 with the right accepted and rejected items', async ({ api, request }) => {
    const store = storeId();
    const good = await item(store, 'good-1', 101);
    const invalid = { ...(await item(store, 'bad-price', 102)), price: -5 };
    const both = { ...(await item(store, 'two-images', 103)), imageUrl: 'https://cdn.example.com/a.jpg' };
    const tiny = await item(store, 'tiny', 104, {
      imageBase64: (await productImage(104, 200)).toString('base64'),
    });
    const blurry = await item(store, 'blurry', 105, {
      imageBase64: (
        await sharp(await productImage(105))
          .blur(8)
          .png()
          .toBuffer()
      ).toString('base64'),
    });
    const notImage = await item(store, 'not-image', 106, {
      imageBase64: Buffer.from('hello').toString('base64'),
    });
    const twice = await item(store, 'good-1', 107);
    const response = await request.post('/api/admin/products/batch', {
      headers: asKey(keys().writer),
      data: { products: [good, invalid, both, tiny, blurry, notImage, twice, 'not an object'] },
    });
    expect(response.status(), await response.text()).toBe(207);
    const result = await response.json();
    expect(result).toMatchObject({ total: 8, created: 1, updated: 0, failed: 7 });
    expect(result.acceptedIds).toHaveLength(1);
    const byId = Object.fromEntries(
      result.rejected.map((r: { externalId: string | null }, i: number) => [r.externalId ?? `#${i}`, r]),
    );
    expect(byId['bad-price']).toMatchObject({ storeId: store, retryable: false });
    expect(byId['bad-price'].error).toMatch(/price/);
    expect(byId['two-images'].error).toMatch(/exactly one of imageUrl and imageBase64/);
    expect(byId.tiny).toMatchObject({ retryable: false });
    expect(byId.tiny.error).toMatch(/too_small/);
    expect(byId.blurry.error).toMatch(/too_blurry/);
    expect(byId['not-image'].error).toMatch(/invalid_format/);
    expect(byId['good-1']?.error).toMatch(/twice/);
    expect(
      result.rejected.some(
        (r: { externalId: null; storeId: null }) => r.externalId === null && r.storeId === null,
      ),
    ).toBe(true);
    expect(result.rejected.every((r: { retryable: boolean }) => r.retryable === false)).toBe(true);

    const product = await request.get(`/api/products/${result.acceptedIds[0]}`, {
      headers: await signedIn(api),
    });
    expect(product.status()).toBe(200);
    expect(await product.json()).toMatchObject({
      storeId: store,
      externalId: 'good-1',
      price: '49.90',
      currency: 'USD',
      category: 'tops',
      imageUrl: `/api/products/${result.acceptedIds[0]}/image`,
    });
  });

  test('all accepted → 200; re-posting the batch reports updated and keeps the ids and the image', async ({
    api,
    request,
  }) => {
    const store = storeId();
    const products = [
      await item(store, 'a', 201),
      await item(store, 'b', 202, { title: 'Wide-leg trousers', rawCategories: [] }),
    ];
    const first = await request.post('/api/admin/products/batch', {
      headers: asKey(keys().writer),
      data: { products },
    });
    expect(first.status(), await first.text()).toBe(200);
    const created = await first.json();
    expect(created).toMatchObject({ total: 2, created: 2, updated: 0, failed: 0, rejected: [] });
    const user = await signedIn(api);
    const before = await (
      await request.get(`/api/products/${created.acceptedIds[1]}`, { headers: user })
    ).json();
    expect(before.category).toBe('pants');
    const image = await request.get(`/api/products/${created.acceptedIds[0]}/image`);
    const etag = image.headers().etag;

    const again = await request.post('/api/admin/products/batch', {
      headers: asKey(keys().writer),
      data: { products: [{ ...products[0], price: '59.00', title: 'Linen shirt, new season' }, products[1]] },
    });
    expect(again.status()).toBe(200);
    const updated = await again.json();
    expect(updated).toMatchObject({ total: 2, created: 0, updated: 2, failed: 0 });
    expect(updated.acceptedIds).toEqual(created.acceptedIds);
    const after = await (
      await request.get(`/api/products/${created.acceptedIds[0]}`, { headers: user })
    ).json();
    expect(after).toMatchObject({ price: '59.00', title: 'Linen shirt, new season' });
    expect((await request.get(`/api/products/${created.acceptedIds[0]}/image`)).headers().etag).toBe(etag);

    // A new image replaces the stored one (new ETag).
    const changed = await request.post('/api/admin/products/batch', {
      headers: asKey(keys().writer),
      data: { products: [await item(store, 'a', 299)] },
    });
    expect((await changed.json()).updated).toBe(1);
    expect((await request.get(`/api/products/${created.acceptedIds[0]}/image`)).headers().etag).not.toBe(
      etag,
    );
  });

  test('archive, then re-ingest un-archives', async ({ api, request }) => {
    const store = storeId();
    const product = await item(store, 'coat', 301, { title: 'Wool coat', rawCategories: [] });
    const { acceptedIds } = await (
      await request.post('/api/admin/products/batch', {
        headers: asKey(keys().writer),
        data: { products: [product] },
      })
    ).json();
    const id = acceptedIds[0];
    const user = await signedIn(api);
    const listed = async () => {
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { items: { id: string }[]; nextCursor: string | null } = await (
          await request.get('/api/products', {
            headers: user,
            params: { category: 'jackets', limit: 100, ...(cursor ? { cursor } : {}) },
          })
        ).json();
        ids.push(...page.items.map((p) => p.id));
        cursor = page.nextCursor;
      } while (cursor);
      return ids;
    };
    expect(await listed()).toContain(id);

    const archive = await request.post('/api/admin/products/archive', {
      headers: asKey(keys().writer),
      data: { storeId: store, externalIds: ['coat', 'unknown'] },
    });
    expect(await archive.json()).toEqual({ archivedCount: 1, archivedIds: [id] });
    expect(await listed()).not.toContain(id);
    expect((await request.get(`/api/products/${id}`, { headers: user })).status()).toBe(200);
    const again = await request.post('/api/admin/products/archive', {
      headers: asKey(keys().writer),
      data: { storeId: store, externalIds: ['coat'] },
    });
    expect((await again.json()).archivedCount).toBe(0);

    const back = await request.post('/api/admin/products/batch', {
      headers: asKey(keys().writer),
      data: { products: [product] },
    });
    expect(await back.json()).toMatchObject({ created: 0, updated: 1, acceptedIds: [id] });
    expect(await listed()).toContain(id);
  });

  test('a batch over 100 items is refused as a whole (422)', async ({ request }) => {
    const products = Array.from({ length: 101 }, (_, i) => ({ externalId: `x${i}` }));
    const response = await request.post('/api/admin/products/batch', {
      headers: asKey(keys().writer),
      data: { products },
    });
    expect(response.status()).toBe(422);
  });
});

test.describe('image URLs (SSRF)', () => {
  let listener: Server;
  let connections = 0;
  let port = 0;
  test.beforeAll(async () => {
    listener = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    port = (listener.address() as { port: number }).port;
  });
  test.afterAll(() => new Promise<void>((resolve) => listener.close(() => resolve())));

  test('loopback, private, metadata and non-http URLs are rejected and never connected to', async ({
    request,
  }) => {
    const store = storeId();
    const urls = [
      `http://127.0.0.1:${port}/shirt.jpg`,
      `http://localhost:${port}/shirt.jpg`,
      `http://[::1]:${port}/shirt.jpg`,
      `http://[::ffff:127.0.0.1]:${port}/shirt.jpg`,
      'http://169.254.169.254/latest/meta-data/',
      'http://10.0.0.1/shirt.jpg',
      `http://0x7f000001:${port}/shirt.jpg`,
    ];
    const products = await Promise.all(
      urls.map(async (imageUrl, i) => ({
        ...(await item(store, `u${i}`, 400 + i)),
        imageBase64: undefined,
        imageUrl,
      })),
    );
    const ftp = {
      ...(await item(store, 'ftp', 499)),
      imageBase64: undefined,
      imageUrl: 'ftp://example.com/a.jpg',
    };
    const response = await request.post('/api/admin/products/batch', {
      headers: asKey(keys().writer),
      data: { products: [...products, ftp] },
    });
    expect(response.status()).toBe(207);
    const result = await response.json();
    expect(result).toMatchObject({ total: urls.length + 1, created: 0, failed: urls.length + 1 });
    for (const rejection of result.rejected) {
      expect(rejection.retryable, JSON.stringify(rejection)).toBe(false);
      expect(rejection.error).toMatch(/private|loopback|link-local|http\(s\)/);
    }
    expect(connections).toBe(0);
  });
});

test.describe('products for signed-in users', () => {
  test('pages with the cursor envelope and a category filter; anonymous → 401; bad cursor → 422', async ({
    api,
    request,
  }) => {
    const store = storeId();
    const products = [
      await item(store, 'bag-1', 501, { title: 'Leather tote', rawCategories: [] }),
      await item(store, 'bag-2', 502, { title: 'Canvas backpack', rawCategories: [] }),
      await item(store, 'bag-3', 503, { title: 'תיק צד', rawCategories: [] }),
    ];
    const { acceptedIds } = await (
      await request.post('/api/admin/products/batch', { headers: asKey(keys().writer), data: { products } })
    ).json();
    expect((await request.get('/api/products')).status()).toBe(401);
    const user = await signedIn(api);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const response = await request.get('/api/products', {
        headers: user,
        params: { category: 'bags', limit: 2, ...(cursor ? { cursor } : {}) },
      });
      expect(response.status()).toBe(200);
      const page: { items: { id: string; category: string }[]; nextCursor: string | null } =
        await response.json();
      expect(page.items.length).toBeLessThanOrEqual(2);
      expect(page.items.every((p) => p.category === 'bags')).toBe(true);
      seen.push(...page.items.map((p) => p.id));
      cursor = page.nextCursor;
    } while (cursor);
    // Newest first, no repeats.
    expect(new Set(seen).size).toBe(seen.length);
    const ours = seen.filter((id) => acceptedIds.includes(id));
    expect(ours).toEqual([...acceptedIds].reverse());
    expect((await request.get('/api/products', { headers: user, params: { cursor: '%%%' } })).status()).toBe(
      422,
    );
    expect(
      (await request.get('/api/products', { headers: user, params: { category: 'hats' } })).status(),
    ).toBe(422);
    expect((await request.get(`/api/products/${crypto.randomUUID()}`, { headers: user })).status()).toBe(404);
  });

  test('the image: public, strong ETag, 304 on If-None-Match, our re-encoded copy', async ({ request }) => {
    const store = storeId();
    const { acceptedIds } = await (
      await request.post('/api/admin/products/batch', {
        headers: asKey(keys().writer),
        data: { products: [await item(store, 'img', 601)] },
      })
    ).json();
    const image = await request.get(`/api/products/${acceptedIds[0]}/image`);
    expect(image.status()).toBe(200);
    expect(image.headers()['content-type']).toBe('image/png');
    expect(image.headers()['cache-control']).toMatch(/^public/);
    const etag = image.headers().etag as string;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const metadata = await sharp(await image.body()).metadata();
    expect([metadata.width, metadata.height]).toEqual([512, 512]);
    const again = await request.get(`/api/products/${acceptedIds[0]}/image`, {
      headers: { 'if-none-match': etag },
    });
    expect(again.status()).toBe(304);
    expect((await request.get(`/api/products/${crypto.randomUUID()}/image`)).status()).toBe(404);
  });
});

test('readiness reports the embedder and the products waiting for a vector', async ({ request }) => {
  const body = await (await request.get('/api/health/ready')).json();
  expect(body.checks.embedder).toMatchObject({ status: 'up', modelId: 'feature-v1', dims: 280 });
  expect(body.checks.embedder.waitingForVector).toBeGreaterThanOrEqual(0);
});
