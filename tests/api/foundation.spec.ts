import { expect, test } from '../support/fixtures';

// Foundation behaviour over HTTP against the production build (run once per database pass).

const ALLOWED_ORIGIN = 'http://localhost:5173';
const FOREIGN_ORIGIN = 'https://evil.example';

function expectProblem(body: Record<string, unknown>, status: number) {
  expect(body).toMatchObject({
    status,
    title: expect.any(String),
    type: expect.stringMatching(/^https:\/\//),
  });
  expect(body.requestId).toEqual(expect.any(String));
}

test('GET /api/health answers exactly {"status":"healthy"}', async ({ request }) => {
  const response = await request.get('/api/health');
  expect(response.status()).toBe(200);
  expect(response.headers()['content-type']).toContain('application/json');
  expect(await response.text()).toBe('{"status":"healthy"}');
});

test('HEAD /api/health answers 200 without a body', async ({ request }) => {
  const response = await request.head('/api/health');
  expect(response.status()).toBe(200);
  expect(await response.text()).toBe('');
});

test('GET /api/health/ready tells an anonymous caller its status only', async ({ request }) => {
  const response = await request.get('/api/health/ready'); // a random, remote client address
  expect(response.status()).toBe(200);
  expect(await response.json()).toEqual({ status: 'ready' });
});

test('GET /api/health/ready reports the database and migrations to an operator (loopback)', async ({
  request,
}) => {
  const response = await request.get('/api/health/ready', { headers: { 'x-forwarded-for': '127.0.0.1' } });
  expect(response.status()).toBe(200);
  const body = await response.json();
  expect(body.status).toBe('ready');
  // The server runs on Node 24 (the `node` dependency), whatever the machine's own Node is.
  expect(body.runtime).toEqual({ name: 'node', version: expect.stringMatching(/^24\.\d+\.\d+$/) });
  expect(body.checks.database).toMatchObject({ status: 'up', latencyMs: expect.any(Number) });
  expect(body.checks.migrations).toMatchObject({ status: 'up', pending: [] });
  expect(body.checks.migrations.applied).toBe(body.checks.migrations.expected);
  // Informational: heavy work running and waiting in this process, within its limits (other tests' work may run).
  for (const kind of ['passwordChecks', 'imageProcessing']) {
    const state = body.checks.admission[kind];
    expect(state.concurrency).toBeGreaterThanOrEqual(1);
    expect(state.running).toBeLessThanOrEqual(state.concurrency);
    expect(state.waiting).toBeLessThanOrEqual(state.queueSize);
  }
  expect(body.checks.admission.status).toBe('up');
});

test('an unknown /api path answers a JSON 404 problem for every method', async ({ request }) => {
  for (const method of ['GET', 'POST', 'DELETE'] as const) {
    const response = await request.fetch('/api/does-not-exist/at/all?x=1', { method });
    expect(response.status()).toBe(404);
    expect(response.headers()['content-type']).toBe('application/problem+json');
    const body = await response.json();
    expectProblem(body, 404);
    expect(body.instance).toBe('/api/does-not-exist/at/all');
    expect(body.requestId).toBe(response.headers()['x-request-id']);
  }
});

test('a wrong method answers 405 with Allow', async ({ request }) => {
  const response = await request.delete('/api/health');
  expect(response.status()).toBe(405);
  expect(response.headers().allow).toBe('GET, HEAD, OPTIONS');
  expectProblem(await response.json(), 405);
});

test('X-Request-Id is echoed when sane and generated otherwise', async ({ request }) => {
  const echoed = await request.get('/api/health', { headers: { 'x-request-id': 'client-abc.123' } });
  expect(echoed.headers()['x-request-id']).toBe('client-abc.123');

  const generated = await request.get('/api/health');
  expect(generated.headers()['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);

  const insane = await request.get('/api/health', { headers: { 'x-request-id': 'has spaces <script>' } });
  expect(insane.headers()['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);

  const onError = await request.get('/api/nope', { headers: { 'x-request-id': 'err-1' } });
  expect(onError.headers()['x-request-id']).toBe('err-1');
  expect((await onError.json()).requestId).toBe('err-1');
});

test.describe('CORS', () => {
  test('an allowed origin gets credentials and exposed headers, on success and on errors', async ({
    request,
  }) => {
    for (const path of ['/api/health', '/api/unknown']) {
      const response = await request.get(path, { headers: { origin: ALLOWED_ORIGIN } });
      const headers = response.headers();
      expect(headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
      expect(headers['access-control-allow-credentials']).toBe('true');
      expect(headers['access-control-expose-headers']).toContain('X-Request-Id');
      expect(headers.vary).toContain('Origin');
    }
  });

  test('a foreign origin gets no CORS headers', async ({ request }) => {
    const response = await request.get('/api/health', { headers: { origin: FOREIGN_ORIGIN } });
    expect(response.status()).toBe(200);
    expect(response.headers()['access-control-allow-origin']).toBeUndefined();
    expect(response.headers()['access-control-allow-credentials']).toBeUndefined();
    expect(response.headers().vary).toContain('Origin');
  });

  for (const path of ['/api/health', '/api/not/a/route']) {
    test(`preflight is answered on ${path}`, async ({ request }) => {
      const allowed = await request.fetch(path, {
        method: 'OPTIONS',
        headers: {
          origin: ALLOWED_ORIGIN,
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'authorization',
        },
      });
      expect(allowed.status()).toBe(204);
      expect(allowed.headers()['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
      expect(allowed.headers()['access-control-allow-methods']).toContain('GET');
      expect(allowed.headers()['access-control-allow-headers']).toContain('Authorization');
      expect(allowed.headers()['access-control-max-age']).toBeDefined();

      const foreign = await request.fetch(path, {
        method: 'OPTIONS',
        headers: { origin: FOREIGN_ORIGIN, 'access-control-request-method': 'GET' },
      });
      expect(foreign.status()).toBe(204);
      expect(foreign.headers()['access-control-allow-origin']).toBeUndefined();
      expect(foreign.headers()['access-control-allow-methods']).toBeUndefined();
    });
  }
});

test('security headers on API responses, errors included; HSTS from the production server', async ({
  request,
}) => {
  for (const path of ['/api/health', '/api/unknown']) {
    const headers = (await request.get(path)).headers();
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['referrer-policy']).toBe('no-referrer');
    expect(headers['x-frame-options']).toBe('DENY');
    expect(headers['content-security-policy']).toContain("default-src 'none'");
    expect(headers['strict-transport-security']).toContain('max-age=');
  }
});
