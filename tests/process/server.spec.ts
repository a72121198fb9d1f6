import { mkdtempSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { PASSWORD, uniqueEmail } from '../support/fixtures';
import { freePort } from '../support/ports';
import { rawRequest } from '../support/raw-http';
import { runMigrations, startServer, type TestServer } from '../support/server';

// Our own production server (`npm start`) as a process: one database handle for both bundles in it, the
// client address from the socket by default, and its graceful shutdown.

async function ownServer(env: Record<string, string> = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'stylipp-own-'));
  await runMigrations({ DATA_DIR: dataDir });
  const server = await startServer({
    port: await freePort(),
    host: 'own',
    env: { DATA_DIR: dataDir, LOG_LEVEL: 'info', ...env },
  });
  expect(server.process.exitCode, server.output()).toBeNull();
  return server;
}

test.describe('one process', () => {
  let server: TestServer;
  test.beforeAll(async () => {
    server = await ownServer({ RATE_LIMIT_AUTH_PER_IP: '2', RATE_LIMIT_AUTH_PER_ACCOUNT: '1000' });
  });
  test.afterAll(async () => {
    await server?.stop('SIGKILL');
  });

  test('our routes and Next’s (next-auth) share the one database handle the process opens', async () => {
    const email = uniqueEmail('one-handle');
    const registered = await fetch(`${server.url}/api/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: PASSWORD }),
    });
    expect(registered.status).toBe(201);
    // next-auth runs inside Next's bundle: sign in through it, then read the session.
    const csrf = await fetch(`${server.url}/api/auth/csrf`);
    const { csrfToken } = (await csrf.json()) as { csrfToken: string };
    const cookies = csrf.headers.getSetCookie().map((cookie) => cookie.split(';', 1)[0]);
    const signIn = await fetch(`${server.url}/api/auth/callback/credentials`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookies.join('; ') },
      body: new URLSearchParams({ csrfToken, email, password: PASSWORD, json: 'true' }),
    });
    expect(signIn.status).toBeLessThan(400);
    const session = signIn.headers
      .getSetCookie()
      .map((cookie) => cookie.split(';', 1)[0] as string)
      .find((cookie) => cookie.startsWith('next-auth.session-token='));
    expect(session).toBeDefined();
    const me = await fetch(`${server.url}/api/users/me`, { headers: { cookie: session as string } });
    expect(((await me.json()) as { email: string }).email).toBe(email);
    expect((await fetch(`${server.url}/api/health/ready`)).status).toBe(200);

    const opened = server.output().match(/"msg":"database opened"/g) ?? [];
    expect(opened.length, server.output()).toBe(1);
  });

  test('with TRUSTED_PROXIES unset, X-Forwarded-For does not choose the client address', async () => {
    // RATE_LIMIT_AUTH_PER_IP=2: every attempt below comes from 127.0.0.1, whatever the header claims.
    const statuses: number[] = [];
    for (const claimed of ['203.0.113.1', '203.0.113.2', '203.0.113.3']) {
      const response = await fetch(`${server.url}/api/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': claimed },
        body: JSON.stringify({ email: uniqueEmail('nobody'), password: 'wrong password' }),
      });
      statuses.push(response.status);
    }
    expect(statuses).toEqual([400, 400, 429]);
  });
});

test('SIGTERM: readiness turns 503 while draining, an in-flight request finishes, pools close, exit 0', async () => {
  const server = await ownServer();
  try {
    // A registration whose body is still arriving when the signal comes.
    const email = uniqueEmail('drain');
    let release: () => void = () => {};
    const bodyHeld = new Promise<void>((resolve) => {
      release = resolve;
    });
    const url = new URL(server.url);
    const inFlight = new Promise<{ status: number; connection: string | undefined; body: string }>(
      (resolve, reject) => {
        const req = httpRequest(
          {
            host: url.hostname,
            port: url.port,
            method: 'POST',
            path: '/api/auth/register',
            headers: { 'content-type': 'application/json' },
            agent: false,
          },
          (response) => {
            let body = '';
            response.on('data', (chunk) => (body += chunk));
            response.on('end', () =>
              resolve({ status: response.statusCode ?? 0, connection: response.headers.connection, body }),
            );
          },
        );
        req.on('error', reject);
        req.write(`{"email":"${email}",`);
        void bodyHeld.then(() => req.end(`"password":"${PASSWORD}"}`));
      },
    );

    // Probe readiness on fresh connections before and after the signal (the listener keeps accepting while
    // connections keep arriving, so a load balancer's probe sees the 503 and moves traffic away).
    expect((await rawRequest(server.url, { path: '/api/health/ready' })).status).toBe(200);
    const exited = server.stop('SIGTERM');
    let draining: { status: number; body: string } | undefined;
    for (let probe = 0; probe < 200 && !draining; probe++) {
      const ready = await rawRequest(server.url, { path: '/api/health/ready' });
      if (ready.status === 503) draining = ready;
      else await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(draining?.status).toBe(503);
    const problem = JSON.parse(draining?.body ?? '{}');
    expect(problem.checks.lifecycle).toEqual({ status: 'draining' });
    expect(problem.checks.database.status).toBe('up');

    release();
    const finished = await inFlight;
    expect(finished.status, finished.body).toBe(201);
    expect(finished.connection).toBe('close');
    expect(await exited).toBe(0);
    expect(server.output()).toMatch(/"msg":"shut down","signal":"SIGTERM","drained":true/);
    await expect(fetch(`${server.url}/api/health`)).rejects.toThrow();
  } finally {
    await server.stop('SIGKILL');
  }
});

test('a slow-loris of 200 connections is cut within 30 s while /api/health keeps answering fast', async () => {
  test.setTimeout(90_000);
  const server = await ownServer({ LOG_LEVEL: 'warn' });
  const { connect } = await import('node:net');
  const { port, hostname } = new URL(server.url);
  try {
    let closed = 0;
    const sockets = Array.from({ length: 200 }, () => {
      const socket = connect(Number(port), hostname);
      socket.on('error', () => {});
      socket.once('close', () => (closed += 1));
      socket.write('GET /api/health HTTP/1.1\r\nHost: localhost\r\nX-Slow: ');
      return socket;
    });
    const drip = setInterval(() => {
      for (const socket of sockets) if (!socket.destroyed) socket.write('a');
    }, 2_000);
    const started = performance.now();
    const latencies: number[] = [];
    let cut = 0;
    try {
      while (closed < sockets.length && performance.now() - started < 30_000) {
        const before = performance.now();
        expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
        latencies.push(performance.now() - before);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      cut = closed; // by the server: ours are destroyed only below
    } finally {
      clearInterval(drip);
      for (const socket of sockets) socket.destroy();
    }
    expect(cut, 'slow connections the server closed within 30 s').toBe(sockets.length);
    expect(Math.max(...latencies)).toBeLessThan(1_000);
  } finally {
    await server.stop('SIGKILL');
  }
});
