import { randomBytes } from 'node:crypto';
import { apiSecurityHeaders } from '@/features/core/http/security-headers';
import { expect, PASSWORD, randomClientIp, test, uniqueEmail } from '../support/fixtures';
import { rawRequest } from '../support/raw-http';

// What the host does around the routes. These run on both hosts (api-pglite and api-neon on our own server,
// api-pg on `next start`); the ones only our own server can do (it owns the socket) say so and skip on Next.

const ONE_MIB = 1024 * 1024;
const ownServerOnly = (host: unknown) =>
  test.skip(host !== 'own', 'only our own server sees the socket and the raw request target');

function expectProblem(
  response: { status: number; headers: Record<string, unknown>; body: string },
  status: number,
) {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toBe('application/problem+json');
  const body = JSON.parse(response.body);
  expect(body).toMatchObject({
    status,
    type: expect.stringMatching(/^https:\/\//),
    title: expect.any(String),
  });
  expect(body.requestId).toEqual(expect.any(String));
  expect(response.headers['x-request-id']).toBe(body.requestId);
}

test('the security headers come from the kernel, the same on every kind of API answer', async ({
  request,
  api,
}) => {
  const { access_token } = await api.token((await api.register()).email, PASSWORD);
  const answers = [
    await request.get('/api/health'), // an operation
    await request.get('/api/users/me', { headers: { authorization: `Bearer ${access_token}` } }),
    await request.get('/api/users/me'), // 401
    await request.post('/api/auth/register', { data: { email: 'nope' } }), // 422
    await request.delete('/api/health'), // 405
    await request.get('/api/no/such/thing'), // the catch-all
    await request.get('/api/auth/csrf'), // next-auth
    await request.get('/api/openapi.json'),
  ];
  for (const response of answers) {
    const headers = response.headers();
    for (const [name, value] of apiSecurityHeaders(true)) {
      expect(headers[name], `${name} on ${response.url()} (${response.status()})`).toBe(value);
    }
  }
});

test('a request target with a malformed escape, invalid UTF-8 or dot-segments gets a 400 problem', async ({
  baseURL,
}, testInfo) => {
  ownServerOnly(testInfo.project.metadata.host);
  for (const path of [
    '/api/%E0%A4%A', // truncated escape
    '/api/health%zz', // not hex
    '/api/users/%FF%FE', // escapes that are not UTF-8
    '/api/uploads/%C0%AF', // overlong UTF-8
    '/api/%2e%2e/health', // encoded dot-segment
    '/api/./health',
    '/docs/../api/health',
    '/api/uploads/%00', // NUL
  ]) {
    const response = await rawRequest(baseURL as string, {
      path,
      headers: { 'x-request-id': 'bad-target-1' },
    });
    expectProblem(response, 400);
    expect(JSON.parse(response.body).requestId, path).toBe('bad-target-1');
    for (const [name, value] of apiSecurityHeaders(true)) expect(response.headers[name]).toBe(value);
  }
  // A well-formed escape still routes.
  const fine = await rawRequest(baseURL as string, { path: '/api/%68ealth' });
  expect(fine.status).toBe(200);
});

test('next-auth’s credentials callback is held to the body limit: 413, declared or chunked', async ({
  baseURL,
}, testInfo) => {
  ownServerOnly(testInfo.project.metadata.host);
  const path = '/api/auth/callback/credentials';
  const form = (size: number) => Buffer.from(`email=a%40b.c&password=${'x'.repeat(size)}`);
  const declared = await rawRequest(baseURL as string, {
    method: 'POST',
    path,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'content-length': String(form(ONE_MIB).byteLength),
      'x-forwarded-for': randomClientIp(),
    },
    chunks: [form(ONE_MIB)],
  });
  expectProblem(declared, 413);
  const chunked = await rawRequest(baseURL as string, {
    method: 'POST',
    path,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': randomClientIp() },
    chunks: [form(ONE_MIB / 2), Buffer.from('y'.repeat(ONE_MIB / 2 + 10))],
  });
  expectProblem(chunked, 413);
  // Within the limit next-auth still answers (a wrong password: no session, but not an error of ours).
  const small = await rawRequest(baseURL as string, {
    method: 'POST',
    path,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': randomClientIp() },
    chunks: [form(10)],
  });
  expect(small.status).toBeLessThan(500);
  expect(small.status).not.toBe(413);
});

test('every host bounds next-auth’s bodies while streaming (16 KiB), and refuses its `_log` sink', async ({
  baseURL,
}) => {
  for (const path of ['/api/auth/callback/credentials', '/api/auth/signout']) {
    const chunked = await rawRequest(baseURL as string, {
      method: 'POST',
      path,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': randomClientIp() },
      chunks: [Buffer.from('email=a%40b.c&password='), Buffer.from('x'.repeat(64 * 1024))],
    });
    expectProblem(chunked, 413);
  }
  const log = await rawRequest(baseURL as string, {
    method: 'POST',
    path: '/api/auth/_log',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': randomClientIp() },
    chunks: [Buffer.from(`message=${'forged%0Aline'.repeat(100)}&level=error`)],
  });
  expectProblem(log, 404);
});

/** A chunked registration of 2 MiB (the limit is 16 KiB): the answer comes while the client is still sending. */
function oversizedRegistration(baseURL: string) {
  return rawRequest(baseURL, {
    method: 'POST',
    path: '/api/auth/register',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': randomClientIp() },
    chunks: [
      Buffer.from(`{"email":"${uniqueEmail()}","password":"`),
      Buffer.from(randomBytes(ONE_MIB).toString('hex')),
      Buffer.from('"}'),
    ],
  });
}

test('a chunked JSON body past the limit of an operation gets a 413 problem, counted on the stream', async ({
  baseURL,
}, testInfo) => {
  const response = await oversizedRegistration(baseURL as string).catch(
    (error: NodeJS.ErrnoException) => error,
  );
  if (response instanceof Error) {
    // Under `next start` the socket is Next's, which closes at once: a client still sending may draw a reset
    // instead of its answer. Our own server's close lingers (next test).
    expect(testInfo.project.metadata.host).not.toBe('own');
    expect(['EPIPE', 'ECONNRESET']).toContain(response.code);
    return;
  }
  expectProblem(response, 413);
});

test('the connection closes lingering: a client still sending reads its 413, never a reset', async ({
  baseURL,
}, testInfo) => {
  ownServerOnly(testInfo.project.metadata.host);
  // The client is still sending (2 MiB against 16 KiB) when the answer comes and the connection closes: the
  // close must linger, or the client's next bytes draw a reset that can discard the 413 (5 tries: a race).
  for (let attempt = 0; attempt < 5; attempt++) {
    expectProblem(await oversizedRegistration(baseURL as string), 413);
  }
});

test('the client address is the one the trusted proxy hop reports, not what the caller claims', async ({
  request,
}, testInfo) => {
  ownServerOnly(testInfo.project.metadata.host);
  // The suite's servers trust one proxy hop (TRUSTED_PROXIES=1): the rightmost X-Forwarded-For entry is the
  // client; entries left of it are the caller's own claims and must not give it a fresh rate-limit bucket.
  const client = randomClientIp();
  const statuses: number[] = [];
  for (let attempt = 0; attempt < 31; attempt++) {
    const response = await request.post('/api/auth/token', {
      headers: { 'x-forwarded-for': `${randomClientIp()}, ${client}` },
      form: { grant_type: 'password', username: uniqueEmail('nobody'), password: 'wrong password' },
    });
    statuses.push(response.status());
  }
  // RATE_LIMIT_AUTH_PER_IP (30) attempts are judged on their credentials; the 31st is over the limit.
  expect(statuses.slice(0, 30).every((status) => status === 400)).toBe(true);
  expect(statuses[30]).toBe(429);
});
