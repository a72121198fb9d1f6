import { randomBytes, randomInt } from 'node:crypto';
import { type APIRequestContext, test as base, expect } from '@playwright/test';

// API test fixtures. Each test is its own client: a request context with a unique X-Forwarded-For (the
// server keys its per-address rate limits on it, as behind a proxy), so tests never share limit counters.

export const PASSWORD = 'correct horse battery staple';

export function uniqueEmail(prefix = 'user'): string {
  return `${prefix}-${randomBytes(6).toString('hex')}@example.com`;
}

export function randomClientIp(): string {
  return `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;
}

export interface Account {
  id: string;
  email: string;
  password: string;
}

export interface Tokens {
  access_token: string;
  refresh_token: string;
  token_type: string;
  expires_in: number;
}

export class Api {
  constructor(readonly request: APIRequestContext) {}

  async register(overrides: { email?: string; password?: string; name?: string } = {}): Promise<Account> {
    const email = overrides.email ?? uniqueEmail();
    const password = overrides.password ?? PASSWORD;
    const response = await this.request.post('/api/auth/register', {
      data: { email, password, name: overrides.name },
    });
    expect(response.status(), await response.text()).toBe(201);
    return { id: (await response.json()).id, email, password };
  }

  async token(email: string, password: string): Promise<Tokens> {
    const response = await this.request.post('/api/auth/token', {
      form: { grant_type: 'password', username: email, password },
    });
    expect(response.status(), await response.text()).toBe(200);
    return response.json();
  }

  async refresh(refreshToken: string) {
    return this.request.post('/api/auth/token', {
      form: { grant_type: 'refresh_token', refresh_token: refreshToken },
    });
  }

  me(accessToken: string) {
    return this.request.get('/api/users/me', { headers: { authorization: `Bearer ${accessToken}` } });
  }
}

/** Signs `request`'s cookie jar in through next-auth (csrf → callback/credentials → session). */
export async function signInWithCookie(request: APIRequestContext, account: Account) {
  const csrf = await request.get('/api/auth/csrf');
  expect(csrf.status()).toBe(200);
  const { csrfToken } = await csrf.json();
  const callback = await request.post('/api/auth/callback/credentials', {
    form: { csrfToken, email: account.email, password: account.password, json: 'true' },
  });
  expect(callback.status(), await callback.text()).toBe(200);
  const session = await (await request.get('/api/auth/session')).json();
  expect(session.user).toMatchObject({ email: account.email, id: account.id });
}

// Secrets that must never reach a client: password hashes (argon2, bcrypt, scrypt), their column names, stored
// token hashes, and hex digests. Every response body of every API test is scanned for them.
const LEAK = /\$argon2(id|i|d)?\$|\$2[aby]\$\d\d\$|\$scrypt\$|password_?hash|token_?hash|\b[0-9a-f]{64}\b/i;
const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete', 'head', 'fetch']);

/** Wraps a request context so every response body is checked for secrets when the test ends. */
function scanned(context: APIRequestContext, bodies: string[]): APIRequestContext {
  return new Proxy(context, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof property !== 'string' || !METHODS.has(property) || typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        const response = await value.apply(target, args);
        bodies.push(await response.text());
        return response;
      };
    },
  });
}

export const test = base.extend<{ api: Api; clientIp: string }>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's dependencies from this pattern
  clientIp: async ({}, use) => use(randomClientIp()),
  request: async ({ playwright, baseURL, clientIp }, use) => {
    const context = await playwright.request.newContext({
      baseURL,
      extraHTTPHeaders: { 'x-forwarded-for': clientIp },
    });
    const bodies: string[] = [];
    await use(scanned(context, bodies));
    await context.dispose();
    // next-auth's CSRF token is a public 64-hex value by design.
    const leaks = bodies.filter((body) => LEAK.test(body.replace(/"csrfToken":"[0-9a-f]+"/, '')));
    expect(
      leaks.map((body) => body.slice(0, 300)),
      'a response body carries a hash or hash-like secret',
    ).toEqual([]);
  },
  api: async ({ request }, use) => use(new Api(request)),
});

export { expect };
