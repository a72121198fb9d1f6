import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { expect, test } from '@playwright/test';
import { fetchImage, ImageFetchError, isPrivateAddress } from '@/features/catalog/service/image-fetch';

// The SSRF-safe image fetch against local servers: what is refused never gets a connection; what is
// allowed (development, tests) is fetched with a byte limit counted on the stream and a deadline.

const options = { allowPrivate: true, maxBytes: 1024, timeoutMs: 2_000 };

let images: Server;
let base = '';
let trap: ReturnType<typeof createTcpServer>;
let trapPort = 0;
let trapConnections = 0;

test.beforeAll(async () => {
  trap = createTcpServer((socket) => {
    trapConnections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
  trapPort = (trap.address() as { port: number }).port;
  images = createHttpServer((request, response) => {
    if (request.url === '/ok') return response.end(Buffer.alloc(600, 7));
    if (request.url === '/big') {
      // No Content-Length: the limit must be enforced while streaming.
      response.write(Buffer.alloc(700));
      response.write(Buffer.alloc(700));
      return response.end();
    }
    if (request.url === '/declared-big') {
      response.setHeader('content-length', '5000');
      return response.end(Buffer.alloc(5000));
    }
    if (request.url === '/redirect-ok') return response.writeHead(302, { location: '/ok' }).end();
    if (request.url === '/redirect-trap')
      return response.writeHead(302, { location: `http://127.0.0.1:${trapPort}/x` }).end();
    if (request.url === '/loop') return response.writeHead(302, { location: '/loop' }).end();
    if (request.url === '/slow') return setTimeout(() => response.end('late'), 5_000);
    if (request.url === '/gone') return response.writeHead(404).end();
    if (request.url === '/busy') return response.writeHead(503).end();
    response.writeHead(500).end();
  });
  await new Promise<void>((resolve) => images.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(images.address() as { port: number }).port}`;
});

test.afterAll(async () => {
  images.closeAllConnections();
  await new Promise((resolve) => images.close(resolve));
  await new Promise((resolve) => trap.close(resolve));
});

const failure = async (url: string, opts = options) => {
  try {
    await fetchImage(url, opts);
  } catch (error) {
    expect(error).toBeInstanceOf(ImageFetchError);
    return { message: (error as Error).message, retryable: (error as ImageFetchError).retryable };
  }
  throw new Error(`${url} was fetched`);
};

test('address classification', () => {
  for (const address of [
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    '::ffff:127.0.0.1',
    '::ffff:8.8.8.8', // ::ffff:0:0/96, whatever the IPv4 inside
    '::ffff:808:808',
    '::8.8.8.8', // ::/96 (IPv4-compatible)
    '::7f00:1',
    '::',
    'fe80::1',
    'fd00:ec2::254',
    '224.0.0.1',
  ])
    expect(isPrivateAddress(address), address).toBe(true);
  for (const address of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '172.32.0.1', '::1:0:0:1'])
    expect(isPrivateAddress(address), address).toBe(false);
});

test('allowed: a local image is fetched, redirects followed', async () => {
  expect((await fetchImage(`${base}/ok`, options)).length).toBe(600);
  expect((await fetchImage(`${base}/redirect-ok`, options)).length).toBe(600);
});

test('not allowed: loopback by IP, by name and through a redirect — refused before any connection', async () => {
  const production = { ...options, allowPrivate: false };
  for (const url of [
    `http://127.0.0.1:${trapPort}/a.jpg`,
    `http://localhost:${trapPort}/a.jpg`,
    `http://[::1]:${trapPort}/`,
  ]) {
    expect(await failure(url, production)).toMatchObject({
      retryable: false,
      message: expect.stringMatching(/private|loopback/),
    });
  }
  expect(trapConnections).toBe(0);
  // A redirect to the trap is followed only when private targets are allowed: then the trap sees it.
  const redirected = await failure(`${base}/redirect-trap`, options);
  expect(redirected.retryable).toBe(true);
  expect(trapConnections).toBe(1);
});

test('limits: bytes counted on the stream, declared size, redirects, deadline, statuses', async () => {
  expect(await failure(`${base}/big`)).toMatchObject({
    retryable: false,
    message: expect.stringMatching(/larger than 1024/),
  });
  expect(await failure(`${base}/declared-big`)).toMatchObject({ retryable: false });
  expect(await failure(`${base}/loop`)).toMatchObject({ retryable: false, message: 'too many redirects' });
  expect(await failure(`${base}/slow`, { ...options, timeoutMs: 200 })).toMatchObject({
    retryable: true,
    message: expect.stringMatching(/timed out/),
  });
  expect(await failure(`${base}/gone`)).toMatchObject({
    retryable: false,
    message: expect.stringMatching(/404/),
  });
  expect(await failure(`${base}/busy`)).toMatchObject({
    retryable: true,
    message: expect.stringMatching(/503/),
  });
  expect(await failure('ftp://example.com/a.jpg')).toMatchObject({ retryable: false });
  expect(await failure('http://user:pw@example.com/a.jpg')).toMatchObject({ retryable: false });
});
