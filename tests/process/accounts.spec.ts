import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { PASSWORD, uniqueEmail } from '../support/fixtures';
import { freePort } from '../support/ports';
import { ADMIN_URL, createDatabase, databaseUrl, dropDatabase } from '../support/postgres';
import { runMigrations, startServer, type TestServer } from '../support/server';
import { startTcpProxy } from '../support/tcp-proxy';

// Web sign-in on servers of their own: the session cookie's name over HTTPS, and a database outage during
// sign-in.

const postgres = !!process.env.STYLIPP_TEST_POSTGRES;
if (process.env.CI && !postgres) throw new Error('CI needs Postgres for the sign-in outage test');
const tempDir = () => mkdtempSync(join(tmpdir(), 'stylipp-accounts-proc-'));

/** csrf → callback/credentials with a form body, carrying next-auth's cookies by hand. */
async function webSignIn(server: TestServer, email: string, password: string) {
  const csrf = await fetch(`${server.url}/api/auth/csrf`);
  const cookie = csrf.headers
    .getSetCookie()
    .map((line) => line.split(';')[0])
    .join('; ');
  const { csrfToken } = await csrf.json();
  return fetch(`${server.url}/api/auth/callback/credentials`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: new URLSearchParams({ csrfToken, email, password, json: 'true' }),
    redirect: 'manual',
  });
}

async function register(server: TestServer): Promise<string> {
  const email = uniqueEmail('proc');
  const response = await fetch(`${server.url}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  expect(response.status, server.output()).toBe(201);
  return email;
}

test('over HTTPS the session cookie is __Host- (Secure, Path=/, no Domain)', async () => {
  const env = { DATA_DIR: tempDir(), APP_URL: 'https://app.stylipp.test' };
  await runMigrations(env);
  const server = await startServer({ port: await freePort(), env });
  try {
    const email = await register(server);
    const response = await webSignIn(server, email, PASSWORD);
    expect(response.status, server.output()).toBe(200);
    const session = response.headers
      .getSetCookie()
      .find((line) => line.startsWith('__Host-next-auth.session-token='));
    expect(session).toBeDefined();
    expect(session).toMatch(/;\s*Secure/i);
    expect(session).toMatch(/;\s*Path=\/(;|$)/i);
    expect(session).not.toMatch(/;\s*Domain=/i);
  } finally {
    await server.stop('SIGKILL');
  }
});

test('a database outage during web sign-in is logged and answered 503, its text never in a URL', async () => {
  test.skip(!postgres, 'no Postgres server on this machine');
  const admin = new URL(ADMIN_URL);
  const target = { host: admin.hostname, port: Number(admin.port || 5432) };
  const proxy = await startTcpProxy(target);
  const database = await createDatabase('stylipp_signin_outage');
  const env = {
    DATABASE_URL: databaseUrl(database.name).replace(`:${target.port}/`, `:${proxy.port}/`),
    DATA_DIR: tempDir(),
    DATABASE_CONNECT_TIMEOUT_MS: '2000',
  };
  await runMigrations(env);
  const server = await startServer({ port: await freePort(), env });
  try {
    const email = await register(server);
    await proxy.stop();
    const response = await webSignIn(server, email, PASSWORD);
    const text = await response.text();
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.headers.get('location')).toBeNull();
    expect(text).not.toMatch(/ECONNREFUSED|Connection terminated|timeout|127\.0\.0\.1/i);
    expect(server.output()).toMatch(/"level":"(error|warn)"/);
  } finally {
    await server.stop('SIGKILL');
    await proxy.close();
    await dropDatabase(database.name);
  }
});
