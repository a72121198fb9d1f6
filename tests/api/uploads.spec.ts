import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { listeningPid } from '../../scripts/bench/lib';
import { type Api, expect, test } from '../support/fixtures';
import { hasGps, photo, pngBomb } from '../support/images';
import { serverInfo } from '../support/server';
import { putStoredObject, storedObjects } from '../support/storage';

// Outfit photo uploads over HTTP, per database pass; the pg pass stores in S3 (s3rver), the others on disk.

const pass = () => String(test.info().project.metadata.pass);

async function signedIn(api: Api) {
  const account = await api.register();
  const { access_token } = await api.token(account.email, account.password);
  return { ...account, headers: { authorization: `Bearer ${access_token}` } };
}

function upload(
  api: Api,
  headers: Record<string, string>,
  buffer: Buffer,
  name = 'photo.jpg',
  mimeType = 'image/jpeg',
) {
  return api.request.post('/api/uploads', { headers, multipart: { file: { name, mimeType, buffer } } });
}

for (const format of ['jpeg', 'png', 'webp'] as const) {
  test(`a ${format.toUpperCase()} photo is stored: 201, Location, metadata, bytes`, async ({ api }) => {
    const user = await signedIn(api);
    const response = await upload(
      api,
      user.headers,
      await photo(format),
      `look.${format}`,
      `image/${format}`,
    );
    expect(response.status(), await response.text()).toBe(201);
    const created = await response.json();
    expect(created).toMatchObject({
      contentType: `image/${format}`,
      width: 320,
      height: 240,
      bytes: expect.any(Number),
    });
    expect(Object.keys(created).sort()).toEqual([
      'bytes',
      'contentType',
      'createdAt',
      'height',
      'id',
      'width',
    ]);
    expect(response.headers().location).toBe(`/api/uploads/${created.id}`);

    const meta = await api.request.get(`/api/uploads/${created.id}`, { headers: user.headers });
    expect(await meta.json()).toEqual(created);
    const content = await api.request.get(`/api/uploads/${created.id}/content`, { headers: user.headers });
    expect(content.status()).toBe(200);
    expect(content.headers()['content-type']).toBe(`image/${format}`);
    expect(content.headers()['cache-control']).toContain('private');
    const bytes = await content.body();
    expect(bytes.byteLength).toBe(created.bytes);
    expect((await sharp(bytes).metadata()).format).toBe(format);
  });
}

test('a photo larger than 2048 px is stored scaled down to 2048 px on its longest side, aspect kept', async ({
  api,
}) => {
  const user = await signedIn(api);
  const response = await upload(api, user.headers, await photo('jpeg', { width: 1500, height: 3000 }));
  expect(response.status(), await response.text()).toBe(201);
  const created = await response.json();
  expect(created).toMatchObject({ contentType: 'image/jpeg', width: 1024, height: 2048 });
  const stored = await (
    await api.request.get(`/api/uploads/${created.id}/content`, { headers: user.headers })
  ).body();
  expect(stored.byteLength).toBe(created.bytes);
  expect(await sharp(stored).metadata()).toMatchObject({ format: 'jpeg', width: 1024, height: 2048 });
});

test('the type comes from the bytes: a PNG named .jpg is stored as PNG; text named photo.jpg is 415', async ({
  api,
}) => {
  const user = await signedIn(api);
  const png = await upload(api, user.headers, await photo('png'), 'holiday.jpg', 'image/jpeg');
  expect(png.status()).toBe(201);
  expect((await png.json()).contentType).toBe('image/png');

  const text = await upload(
    api,
    user.headers,
    Buffer.from('definitely not an image\n'.repeat(50)),
    'photo.jpg',
    'image/jpeg',
  );
  expect(text.status()).toBe(415);
  expect(text.headers()['content-type']).toBe('application/problem+json');
});

test('EXIF with a GPS position is in the input and gone from the stored bytes', async ({ api }) => {
  const user = await signedIn(api);
  const input = await photo('jpeg', { gps: true });
  expect(await hasGps(input)).toBe(true);
  const created = await (await upload(api, user.headers, input)).json();
  const stored = await (
    await api.request.get(`/api/uploads/${created.id}/content`, { headers: user.headers })
  ).body();
  expect(await hasGps(stored)).toBe(false);
  expect((await sharp(stored).metadata()).exif).toBeUndefined();
  expect(stored.includes(Buffer.from('StyleCam'))).toBe(false);
});

test('a decompression bomb and a too-small image are 422', async ({ api }) => {
  const user = await signedIn(api);
  const bomb = await upload(api, user.headers, pngBomb(40_000, 40_000), 'bomb.png', 'image/png');
  expect(bomb.status()).toBe(422);
  expect((await bomb.json()).errors[0].path).toBe('body.file');
  const tiny = await upload(
    api,
    user.headers,
    await photo('png', { width: 12, height: 12 }),
    'tiny.png',
    'image/png',
  );
  expect(tiny.status()).toBe(422);
  const missing = await api.request.post('/api/uploads', {
    headers: user.headers,
    multipart: { other: 'x' },
  });
  expect(missing.status()).toBe(422);
});

test('an over-limit body is refused with 413 while streaming, without the server buffering it', async ({
  api,
}) => {
  const user = await signedIn(api);
  const { url, pid } = serverInfo(pass());
  const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) * 1024;
  const before = rss();
  const target = new URL('/api/uploads', url);
  const boundary = 'stylippboundary';
  const chunk = Buffer.alloc(1024 * 1024, 0x61);
  const result = await new Promise<{ status: number; sent: number }>((resolve, reject) => {
    let sent = 0;
    let done = false;
    const request = httpRequest(
      target,
      {
        method: 'POST',
        headers: {
          ...user.headers,
          'x-forwarded-for': '10.77.0.1',
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'transfer-encoding': 'chunked',
        },
      },
      (response) => {
        done = true;
        response.resume();
        resolve({ status: response.statusCode ?? 0, sent });
        request.destroy();
      },
    );
    request.on('error', (error) => (done ? undefined : reject(error)));
    request.write(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`,
    );
    const pump = () => {
      // Up to 1 GiB, stopping as soon as the server has answered.
      while (!done && sent < 1024 ** 3) {
        sent += chunk.length;
        if (!request.write(chunk)) return void request.once('drain', pump);
      }
      if (!done) request.end(`\r\n--${boundary}--\r\n`);
    };
    pump();
  });
  expect(result.status).toBe(413);
  expect(result.sent).toBeLessThan(200 * 1024 * 1024);
  expect(rss() - before).toBeLessThan(100 * 1024 * 1024);
});

test('another user’s upload is 404 everywhere, as if it did not exist', async ({
  api,
  playwright,
  baseURL,
}) => {
  const owner = await signedIn(api);
  const created = await (await upload(api, owner.headers, await photo('jpeg'))).json();
  const otherContext = await playwright.request.newContext({
    baseURL,
    extraHTTPHeaders: { 'x-forwarded-for': '10.66.0.1' },
  });
  const other = await signedIn(new (api.constructor as typeof Api)(otherContext));
  for (const [method, path] of [
    ['GET', `/api/uploads/${created.id}`],
    ['GET', `/api/uploads/${created.id}/content`],
    ['DELETE', `/api/uploads/${created.id}`],
  ] as const) {
    const response = await otherContext.fetch(path, { method, headers: other.headers });
    expect(response.status(), `${method} ${path}`).toBe(404);
  }
  const list = await (await otherContext.get('/api/uploads', { headers: other.headers })).json();
  expect(list).toEqual({ items: [], nextCursor: null });
  await otherContext.dispose();
  expect((await api.request.get(`/api/uploads/${created.id}`, { headers: owner.headers })).status()).toBe(
    200,
  );
});

test('ETag and conditional GET: 304 for the current tag', async ({ api }) => {
  const user = await signedIn(api);
  const created = await (await upload(api, user.headers, await photo('webp'), 'a.webp', 'image/webp')).json();
  const first = await api.request.get(`/api/uploads/${created.id}/content`, { headers: user.headers });
  const etag = first.headers().etag;
  expect(etag).toMatch(/^".+"$/);
  const again = await api.request.get(`/api/uploads/${created.id}/content`, {
    headers: { ...user.headers, 'if-none-match': etag ?? '' },
  });
  expect(again.status()).toBe(304);
  expect(again.headers().etag).toBe(etag);
  expect(await again.body()).toHaveLength(0);
  const stale = await api.request.get(`/api/uploads/${created.id}/content`, {
    headers: { ...user.headers, 'if-none-match': '"old"' },
  });
  expect(stale.status()).toBe(200);
});

test('delete removes the row and the bytes', async ({ api }) => {
  const user = await signedIn(api);
  const created = await (await upload(api, user.headers, await photo('jpeg'))).json();
  const { env } = serverInfo(pass());
  expect(await storedObjects(env, user.id)).toHaveLength(1);
  expect((await api.request.delete(`/api/uploads/${created.id}`, { headers: user.headers })).status()).toBe(
    204,
  );
  expect((await api.request.get(`/api/uploads/${created.id}`, { headers: user.headers })).status()).toBe(404);
  expect(
    (await api.request.get(`/api/uploads/${created.id}/content`, { headers: user.headers })).status(),
  ).toBe(404);
  expect(await storedObjects(env, user.id)).toEqual([]);
});

test('deleting the account deletes its uploads, rows and bytes', async ({ api }) => {
  const user = await signedIn(api);
  for (const format of ['jpeg', 'png'] as const)
    await upload(api, user.headers, await photo(format), `x.${format}`, `image/${format}`);
  const { env } = serverInfo(pass());
  expect(await storedObjects(env, user.id)).toHaveLength(2);
  expect(
    (
      await api.request.delete('/api/users/me', {
        headers: user.headers,
        data: { currentPassword: user.password },
      })
    ).status(),
  ).toBe(204);
  expect(await storedObjects(env, user.id)).toEqual([]);
});

test('pagination across 3 pages has no duplicates or gaps while new uploads arrive', async ({ api }) => {
  const user = await signedIn(api);
  const image = await photo('jpeg');
  const original: string[] = [];
  for (let i = 0; i < 7; i++) original.push((await (await upload(api, user.headers, image)).json()).id);
  const page = async (cursor?: string) =>
    (
      await api.request.get('/api/uploads', {
        headers: user.headers,
        params: { limit: 3, ...(cursor ? { cursor } : {}) },
      })
    ).json();

  const first = await page();
  const arrivedAfterFirstPage = (await (await upload(api, user.headers, image)).json()).id;
  const second = await page(first.nextCursor);
  await upload(api, user.headers, image);
  const third = await page(second.nextCursor);

  expect([first, second, third].map((p) => p.items.length)).toEqual([3, 3, 1]);
  expect(third.nextCursor).toBeNull();
  const seen = [first, second, third].flatMap((p) => p.items.map((item: { id: string }) => item.id));
  expect(seen).toEqual([...original].reverse()); // newest first, each exactly once
  expect(seen).not.toContain(arrivedAfterFirstPage);

  const bad = await api.request.get('/api/uploads', { headers: user.headers, params: { cursor: '%%%' } });
  expect(bad.status()).toBe(422);
  const tooMany = await api.request.get('/api/uploads', { headers: user.headers, params: { limit: 1000 } });
  expect(tooMany.status()).toBe(422);
});

test('a cursor that decodes but names no valid position (a non-UUID) is a 422, not a 500', async ({
  api,
}) => {
  const user = await signedIn(api);
  for (const key of ['not-a-uuid', "0'; select 1 --", '']) {
    const cursor = Buffer.from(key, 'utf8').toString('base64url') || 'AA';
    const response = await api.request.get('/api/uploads', { headers: user.headers, params: { cursor } });
    expect(response.status(), key).toBe(422);
    expect((await response.json()).errors[0].path).toBe('query.cursor');
  }
});

/**
 * Descriptors the server holds on the stored bytes: the file itself (disk), or sockets to the S3 endpoint —
 * counted apart from everything else the server (and tests running beside this one) opens.
 */
function descriptorsOnStorage(pid: number, env: Record<string, string>, key: string): number {
  const links = readdirSync(`/proc/${pid}/fd`).map((fd) => {
    try {
      return readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      return '';
    }
  });
  if (env.UPLOADS_STORAGE !== 's3') {
    const file = resolve(env.UPLOADS_DIR ?? join(env.DATA_DIR ?? '.data', 'uploads'), key);
    return links.filter((link) => link === file).length;
  }
  const port = Number(new URL(env.S3_ENDPOINT ?? '').port)
    .toString(16)
    .toUpperCase()
    .padStart(4, '0');
  const inodes = new Set(
    ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((table) =>
      readFileSync(table, 'utf8')
        .split('\n')
        .slice(1)
        .map((line) => line.trim().split(/\s+/))
        .filter((columns) => columns[2]?.endsWith(`:${port}`))
        .map((columns) => `socket:[${columns[9]}]`),
    ),
  );
  return links.filter((link) => inodes.has(link)).length;
}

test('HEAD never opens the bytes: 500 HEADs leave no descriptor on the stored object', async ({ api }) => {
  const user = await signedIn(api);
  const created = await (await upload(api, user.headers, await photo('jpeg'))).json();
  const { url, pid, env } = serverInfo(pass());
  const server = listeningPid(pid, Number(new URL(url).port));
  const path = `/api/uploads/${created.id}/content`;
  const key = `${user.id}/${created.id}`;

  const head = await api.request.head(path, { headers: user.headers });
  expect(head.status()).toBe(200);
  expect(head.headers().etag).toMatch(/^".+"$/);
  expect(await head.body()).toHaveLength(0);

  const before = descriptorsOnStorage(server, env, key);
  const allBefore = readdirSync(`/proc/${server}/fd`).length;
  for (let batch = 0; batch < 20; batch++) {
    const statuses = await Promise.all(
      Array.from({ length: 25 }, async () =>
        (await api.request.head(path, { headers: user.headers })).status(),
      ),
    );
    expect(new Set(statuses)).toEqual(new Set([200]));
  }
  const after = descriptorsOnStorage(server, env, key);
  const allAfter = readdirSync(`/proc/${server}/fd`).length;
  console.log(
    `[${pass()}] after 500 HEADs: ${before} → ${after} descriptors on the stored object; ${allBefore} → ${allAfter} open in all`,
  );
  // Before the fix every HEAD left one open file (disk) or one checked-out pooled socket (S3) behind.
  expect(after).toBeLessThanOrEqual(before);
  expect(after).toBeLessThan(5);
  // GET still streams the bytes.
  expect((await (await api.request.get(path, { headers: user.headers })).body()).byteLength).toBe(
    created.bytes,
  );
});

test('decode bombs are refused from the header alone, with the reason: 16-bit, over 50 MP, over 150 MB decoded', async ({
  api,
}) => {
  const user = await signedIn(api);
  const cases: [Buffer, string][] = [
    [pngBomb(4000, 3000, { bitDepth: 16 }), '16-bit'],
    [pngBomb(10_000, 6_000), '50 megapixels'],
    [pngBomb(7_000, 6_000, { colourType: 6 }), 'MB to decode'],
  ];
  for (const [bytes, reason] of cases) {
    const response = await upload(api, user.headers, bytes, 'bomb.png', 'image/png');
    expect(response.status(), reason).toBe(422);
    const problem = await response.json();
    expect(problem.errors).toEqual([{ path: 'body.file', message: expect.stringContaining(reason) }]);
  }
});

test('after an account deletion no byte of that user remains, even bytes no row names (a racing upload)', async ({
  api,
}) => {
  const user = await signedIn(api);
  await upload(api, user.headers, await photo('jpeg'));
  const { env } = serverInfo(pass());
  // What an upload racing the deletion leaves: bytes stored, its row never inserted (or cascaded away).
  await putStoredObject(env, `${user.id}/${crypto.randomUUID()}`, await photo('png'));
  expect(await storedObjects(env, user.id)).toHaveLength(2);
  // And real uploads in flight while the account goes.
  const racing = Array.from({ length: 3 }, async () =>
    (await upload(api, user.headers, await photo('webp'))).status(),
  );
  const deleted = await api.request.delete('/api/users/me', {
    headers: user.headers,
    data: { currentPassword: user.password },
  });
  expect(deleted.status()).toBe(204);
  for (const status of await Promise.all(racing)) expect([201, 401]).toContain(status);
  expect(await storedObjects(env, user.id)).toEqual([]);
});
