import { createHmac } from 'node:crypto';
import { expect, PASSWORD, test, uniqueEmail } from '../support/fixtures';

// Registration, the token endpoint (password and refresh grants, rotation, reuse detection, revocation),
// and the bearer side of the guard.

test.describe('registration', () => {
  test('creates an account: 201, Location, the public user only, email normalised', async ({ request }) => {
    const email = uniqueEmail('Reg');
    const response = await request.post('/api/auth/register', {
      data: { email: `  ${email.toUpperCase()} `, password: PASSWORD, name: 'Ada' },
    });
    expect(response.status()).toBe(201);
    expect(response.headers().location).toBe('/api/users/me');
    const user = await response.json();
    expect(Object.keys(user).sort()).toEqual([
      'createdAt',
      'email',
      'emailVerifiedAt',
      'id',
      'name',
      'updatedAt',
    ]);
    expect(user).toMatchObject({ email: email.toLowerCase(), name: 'Ada' });
  });

  test('a taken email, in any case, is a 409 conflict', async ({ api, request }) => {
    const { email } = await api.register();
    const response = await request.post('/api/auth/register', {
      data: { email: email.toUpperCase(), password: PASSWORD },
    });
    expect(response.status()).toBe(409);
    expect(response.headers()['content-type']).toBe('application/problem+json');
    expect((await response.json()).code).toBe('email_taken');
  });

  test('weak input is a 422 naming each field', async ({ request }) => {
    for (const [password, message] of [
      ['short', 'at least 8'],
      ['password123', 'common'],
      ['x'.repeat(300), 'at most 256'],
    ] as const) {
      const response = await request.post('/api/auth/register', { data: { email: uniqueEmail(), password } });
      expect(response.status()).toBe(422);
      const body = await response.json();
      expect(body.errors).toEqual([{ path: 'body.password', message: expect.stringContaining(message) }]);
    }
    const bad = await request.post('/api/auth/register', { data: { email: 'not-an-email', password: '' } });
    expect(bad.status()).toBe(422);
    expect((await bad.json()).errors.map((e: { path: string }) => e.path).sort()).toEqual([
      'body.email',
      'body.password',
    ]);
  });

  test('any characters are allowed, compared after unicode normalisation', async ({ api }) => {
    // "é" composed (U+00E9) at registration, decomposed (e + U+0301) at login: the same password.
    const account = await api.register({ password: 'caf\u00e9 au lait ☕ 🧥' });
    const tokens = await api.token(account.email, 'cafe\u0301 au lait ☕ 🧥');
    expect(tokens.token_type).toBe('Bearer');
  });

  test('the body checks of the contract hold on a real route: 400, 415, 413', async ({ request }) => {
    const malformed = await request.post('/api/auth/register', {
      data: Buffer.from('{"email":'),
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.status()).toBe(400);
    const wrongType = await request.post('/api/auth/register', {
      data: 'x',
      headers: { 'content-type': 'text/plain' },
    });
    expect(wrongType.status()).toBe(415);
    const tooLarge = await request.post('/api/auth/register', {
      data: Buffer.from(
        JSON.stringify({ email: uniqueEmail(), password: PASSWORD, name: 'x'.repeat(1_100_000) }),
      ),
      headers: { 'content-type': 'application/json' },
    });
    expect(tooLarge.status()).toBe(413);
  });

  test('50 concurrent registrations of one email: exactly one 201, the rest 409, no 5xx', async ({
    playwright,
    baseURL,
  }) => {
    const email = uniqueEmail('race');
    const statuses = await Promise.all(
      Array.from({ length: 50 }, async (_, index) => {
        const context = await playwright.request.newContext({
          baseURL,
          extraHTTPHeaders: { 'x-forwarded-for': `10.99.${Math.floor(index / 200)}.${index + 1}` },
        });
        const response = await context.post('/api/auth/register', { data: { email, password: PASSWORD } });
        const status = response.status();
        await context.dispose();
        return status;
      }),
    );
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(49);
  });
});

test.describe('token endpoint', () => {
  test('password grant as a form (what Swagger UI sends) and as JSON', async ({ api, request }) => {
    const account = await api.register();
    const form = await request.post('/api/auth/token', {
      form: { grant_type: 'password', username: account.email, password: account.password, scope: '' },
    });
    expect(form.status()).toBe(200);
    expect(form.headers()['cache-control']).toBe('no-store');
    const tokens = await form.json();
    expect(Object.keys(tokens).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'token_type']);
    expect(tokens).toMatchObject({ token_type: 'Bearer', expires_in: 900 });

    const json = await request.post('/api/auth/token', {
      data: { email: account.email.toUpperCase(), password: account.password },
    });
    expect(json.status()).toBe(200);
    const me = await api.me((await json.json()).access_token);
    expect((await me.json()).email).toBe(account.email);
  });

  test('an unknown email and a wrong password get the same status and body', async ({ api, request }) => {
    const account = await api.register();
    const attempt = async (email: string) => {
      const response = await request.post('/api/auth/token', {
        data: { email, password: 'not the password' },
      });
      const { requestId: _, ...body } = await response.json();
      return { status: response.status(), body };
    };
    const wrongPassword = await attempt(account.email);
    const unknownEmail = await attempt(uniqueEmail('nobody'));
    expect(wrongPassword.status).toBe(400);
    expect(wrongPassword.body).toMatchObject({ code: 'invalid_grant', error: 'invalid_grant' });
    expect(unknownEmail).toEqual(wrongPassword);
  });

  test('unsupported grant types and incomplete grants use the OAuth2 error codes', async ({ request }) => {
    const unsupported = await request.post('/api/auth/token', { form: { grant_type: 'client_credentials' } });
    expect(unsupported.status()).toBe(400);
    expect((await unsupported.json()).error).toBe('unsupported_grant_type');
    const incomplete = await request.post('/api/auth/token', {
      form: { grant_type: 'password', username: 'a@b.co' },
    });
    expect(incomplete.status()).toBe(400);
    expect((await incomplete.json()).error).toBe('invalid_request');
  });

  test('refresh tokens rotate: each use returns a new pair', async ({ api }) => {
    const account = await api.register();
    const first = await api.token(account.email, account.password);
    const rotated = await api.refresh(first.refresh_token);
    expect(rotated.status()).toBe(200);
    const second = await rotated.json();
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect((await api.me(second.access_token)).status()).toBe(200);
    const third = await api.refresh(second.refresh_token);
    expect(third.status()).toBe(200);
  });

  test('reusing a rotated refresh token revokes the whole family', async ({ api }) => {
    const account = await api.register();
    const first = await api.token(account.email, account.password);
    const second = await (await api.refresh(first.refresh_token)).json();
    const reuse = await api.refresh(first.refresh_token);
    expect(reuse.status()).toBe(400);
    expect((await reuse.json()).error).toBe('invalid_grant');
    // The thief's (or the victim's) newer token is dead too.
    expect((await api.refresh(second.refresh_token)).status()).toBe(400);
    // Another sign-in of the same account is a different family and keeps working.
    const other = await api.token(account.email, account.password);
    expect((await api.refresh(other.refresh_token)).status()).toBe(200);
  });

  test('revoke (RFC 7009) ends the sign-in; unknown tokens also answer 200', async ({ api, request }) => {
    const account = await api.register();
    const tokens = await api.token(account.email, account.password);
    const revoked = await request.post('/api/auth/revoke', { form: { token: tokens.refresh_token } });
    expect(revoked.status()).toBe(200);
    expect(await revoked.text()).toBe('');
    expect((await api.refresh(tokens.refresh_token)).status()).toBe(400);
    const unknown = await request.post('/api/auth/revoke', { data: { token: 'never-issued' } });
    expect(unknown.status()).toBe(200);
  });

  test('per-account failures slow sign-in down: 429 with Retry-After, then the owner gets in', async ({
    api,
    request,
  }) => {
    const account = await api.register();
    const attempt = (password: string, ip = '10.250.250.250') =>
      request.post('/api/auth/token', {
        data: { email: account.email, password },
        headers: { 'x-forwarded-for': ip },
      });
    // Five free failures, then each failure doubles the wait (1 s, 2 s, 4 s, …): waiting as told, seven
    // failures in all leave a 4 s delay.
    const waits: number[] = [];
    for (let failures = 0; failures < 7; ) {
      const response = await attempt('wrong password!');
      if (response.status() === 429) {
        expect(response.headers()['content-type']).toBe('application/problem+json');
        const retryAfter = Number(response.headers()['retry-after']);
        waits.push(retryAfter);
        await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000));
        continue;
      }
      expect(response.status()).toBe(400);
      failures++;
    }
    expect(waits.every((wait) => wait >= 1 && wait <= 2)).toBe(true);
    // The delay holds for the right password too, from any address: it is the account that is slowed.
    const throttled = await attempt(account.password, '10.251.251.251');
    expect(throttled.status()).toBe(429);
    const retryAfter = Number(throttled.headers()['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(4);
    // Not locked out: once the delay has run, the owner signs in, and that clears the failures.
    await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000));
    expect((await attempt(account.password, '10.251.251.251')).status()).toBe(200);
    expect((await attempt('wrong password!')).status()).toBe(400);
  });

  test('rate limit per client address on registration', async ({ request }) => {
    const statuses: number[] = [];
    const email = uniqueEmail('limit');
    for (let attempt = 0; attempt < 31; attempt++) {
      // Invalid bodies are rejected before counting; a taken-email attempt still counts.
      const response = await request.post('/api/auth/register', { data: { email, password: PASSWORD } });
      statuses.push(response.status());
    }
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
  });
});

test.describe('bearer tokens', () => {
  const tamper = (token: string) => {
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString());
    return { header, claims, signature };
  };
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

  test('expired, tampered, alg:none, wrong type or audience and garbage tokens → 401 with WWW-Authenticate', async ({
    api,
  }) => {
    const account = await api.register();
    const { access_token } = await api.token(account.email, account.password);
    const { header, claims, signature } = tamper(access_token);
    const candidates = {
      tampered: `${header}.${encode({ ...claims, sub: crypto.randomUUID() })}.${signature}`,
      expired: `${header}.${encode({ ...claims, exp: 1 })}.${signature}`,
      algNone: `${encode({ alg: 'none', typ: 'at+jwt' })}.${encode(claims)}.`,
      // Signed with a key that is not the server's (e.g. a guess at AUTH_SECRET used directly).
      foreignKey: (() => {
        const head = encode({ alg: 'HS256', typ: 'at+jwt' });
        const body = encode(claims);
        const sig = createHmac('sha256', 'guess').update(`${head}.${body}`).digest('base64url');
        return `${head}.${body}.${sig}`;
      })(),
      garbage: 'not-a-jwt',
    };
    for (const [name, token] of Object.entries(candidates)) {
      const response = await api.me(token);
      expect(response.status(), name).toBe(401);
      expect(response.headers()['www-authenticate'], name).toContain('Bearer');
    }
    expect((await api.me(access_token)).status()).toBe(200);
  });

  test('a non-bearer Authorization scheme is refused', async ({ request }) => {
    const response = await request.get('/api/users/me', { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    expect(response.status()).toBe(401);
    expect(response.headers()['www-authenticate']).toContain('Bearer');
  });
});

test('a NUL character in any field or key of register and token is a 422, never a 500 from the database', async ({
  api,
}) => {
  for (const data of [
    { email: `nul\u0000${uniqueEmail()}`, password: PASSWORD },
    { email: uniqueEmail(), password: `${PASSWORD}\u0000` },
    { email: uniqueEmail(), password: PASSWORD, name: 'Ada\u0000' },
    { email: uniqueEmail(), password: PASSWORD, 'na\u0000me': 'x' },
  ]) {
    const response = await api.request.post('/api/auth/register', { data });
    expect(response.status(), JSON.stringify(data)).toBe(422);
    expect((await response.json()).errors[0].message).toContain('NUL');
  }
  const token = await api.request.post('/api/auth/token', {
    form: { grant_type: 'password', username: `a\u0000@example.com`, password: PASSWORD },
  });
  expect(token.status()).toBe(422);
});

test('anonymous endpoints take a small body: 20 KiB to register is a 413', async ({ api }) => {
  const response = await api.request.post('/api/auth/register', {
    data: { email: uniqueEmail(), password: PASSWORD, name: 'x'.repeat(20 * 1024) },
  });
  expect(response.status()).toBe(413);
});
