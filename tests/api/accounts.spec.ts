import type { APIRequestContext } from '@playwright/test';
import {
  type Account,
  expect,
  randomClientIp,
  signInWithCookie,
  test,
  uniqueEmail,
} from '../support/fixtures';

// The account holes of issue 9, each closed: web sign-in bodies read one way, password changes limited,
// sessions that end server-side, email changes limited, personal responses never cached.

async function csrfToken(request: APIRequestContext): Promise<string> {
  return (await (await request.get('/api/auth/csrf')).json()).csrfToken;
}

/** A web sign-in attempt with a form body; returns the status and where next-auth would send the browser. */
async function webSignIn(request: APIRequestContext, email: string, password: string) {
  const response = await request.post('/api/auth/callback/credentials', {
    form: { csrfToken: await csrfToken(request), email, password, json: 'true' },
  });
  return { status: response.status(), url: String((await response.json()).url ?? '') };
}

async function sessionCookie(request: APIRequestContext): Promise<string> {
  const { cookies } = await request.storageState();
  const cookie = cookies.find((c) => c.name.endsWith('next-auth.session-token'));
  expect(cookie).toBeDefined();
  return `${cookie?.name}=${cookie?.value}`;
}

/** What GET /api/auth/session and GET /api/users/me say about a replayed cookie header. */
async function replay(request: APIRequestContext, cookie: string) {
  const session = await request.get('/api/auth/session', { headers: { cookie } });
  const me = await request.get('/api/users/me', { headers: { cookie } });
  return { session: await session.json(), me: me.status() };
}

test.describe('web sign-in bodies (POST /api/auth/callback/credentials)', () => {
  test('a JSON body, a repeated field or a smuggled media type is refused before any password check', async ({
    api,
    request,
  }) => {
    const account = await api.register();
    const token = await csrfToken(request);
    const json = await request.post('/api/auth/callback/credentials', {
      data: { csrfToken: token, email: account.email, password: account.password, json: 'true' },
    });
    expect(json.status()).toBe(415);
    const repeated = await request.post('/api/auth/callback/credentials', {
      data: `csrfToken=${token}&email=${encodeURIComponent(uniqueEmail())}&email=${encodeURIComponent(account.email)}&password=x&json=true`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(repeated.status()).toBe(400);
    const smuggled = await request.post('/api/auth/callback/credentials', {
      data: JSON.stringify({ csrfToken: token, email: account.email, password: account.password }),
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=application/json' },
    });
    expect(smuggled.status()).toBe(415);
    // None of them signed in, and a plain form still does.
    expect(await (await request.get('/api/auth/session')).json()).toEqual({});
    await signInWithCookie(request, account);
  });

  test('web sign-in failures count against exactly the account next-auth checks', async ({
    api,
    request,
  }) => {
    const account = await api.register();
    // Seven failures through the web sign-in (a delayed attempt is retried a second later): the account's
    // delay is then 4 s (5 free failures, then 1 s, 2 s, 4 s).
    for (let failures = 0; failures < 7; ) {
      const attempt = await webSignIn(request, account.email.toUpperCase(), 'wrong password!');
      if (attempt.url.includes('error=RateLimited')) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        continue;
      }
      expect(attempt.url).toContain('error=CredentialsSignin');
      failures++;
    }
    // The same account through the token endpoint (another address, the right password) is now delayed…
    const token = await api.request.post('/api/auth/token', {
      data: { email: account.email, password: account.password },
      headers: { 'x-forwarded-for': randomClientIp() },
    });
    expect(token.status()).toBe(429);
    expect(Number(token.headers()['retry-after'])).toBeLessThanOrEqual(4);
    // …and so is the web sign-in, with a fixed word in the redirect, never an error's text.
    const delayed = await webSignIn(request, account.email, account.password);
    expect(delayed.url).toContain('error=RateLimited');
  });
});

test.describe('web sessions end server-side', () => {
  test('after sign-out, a replayed cookie is not signed in anywhere', async ({ api, request }) => {
    const account = await api.register();
    await signInWithCookie(request, account);
    const cookie = await sessionCookie(request);
    expect((await replay(request, cookie)).me).toBe(200);
    await request.post('/api/auth/signout', { form: { csrfToken: await csrfToken(request), json: 'true' } });
    expect(await replay(request, cookie)).toEqual({ session: {}, me: 401 });
  });

  test('after a password change or account deletion, GET /api/auth/session no longer reports the cookie', async ({
    api,
    request,
  }) => {
    for (const end of ['password change', 'deletion'] as const) {
      const account: Account = await api.register();
      await signInWithCookie(request, account);
      const cookie = await sessionCookie(request);
      const { access_token } = await api.token(account.email, account.password);
      const headers = { authorization: `Bearer ${access_token}`, cookie: '' };
      const ended =
        end === 'deletion'
          ? await request.delete('/api/users/me', { headers, data: { currentPassword: account.password } })
          : await request.put('/api/users/me/password', {
              headers,
              data: { currentPassword: account.password, newPassword: 'a different long passphrase' },
            });
      expect(ended.status(), end).toBe(204);
      expect(await replay(request, cookie), end).toEqual({ session: {}, me: 401 });
      await request.post('/api/auth/signout', {
        form: { csrfToken: await csrfToken(request), json: 'true' },
      });
    }
  });
});

/**
 * Eleven attempts against a limit of ten per account: the first ten are answered with one of `answers`, the
 * eleventh is 429. The limit is taken before the password queue, so an attempt the queue refuses at capacity
 * (503 with Retry-After, when the other tests' hashing fills it) still counts as one of the ten; at least half
 * of them must be real answers. The message lists every status, so a failure shows them all.
 */
function expectLimitedAfterTen(statuses: readonly number[], answers: readonly number[]) {
  const all = statuses.join(' ');
  const answered = statuses.slice(0, 10);
  expect(
    answered.every((status) => answers.includes(status) || status === 503),
    all,
  ).toBe(true);
  expect(answered.filter((status) => answers.includes(status)).length, all).toBeGreaterThanOrEqual(5);
  expect(statuses[10], all).toBe(429);
}

test.describe('limits on account changes', () => {
  test('password changes are limited per account: the current-password check is no guessing oracle', async ({
    api,
  }) => {
    const account = await api.register();
    const { access_token } = await api.token(account.email, account.password);
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 11; attempt++) {
      const response = await api.request.put('/api/users/me/password', {
        headers: { authorization: `Bearer ${access_token}`, 'x-forwarded-for': randomClientIp() },
        data: { currentPassword: `guess number ${attempt}`, newPassword: 'a brand new passphrase' },
      });
      statuses.push(response.status());
    }
    expectLimitedAfterTen(statuses, [422]);
  });

  test('email changes are limited like registration (they tell whether an email is taken)', async ({
    api,
  }) => {
    const account = await api.register();
    const taken = await api.register();
    let tokens = await api.token(account.email, account.password);
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 11; attempt++) {
      const response = await api.request.patch('/api/users/me', {
        headers: { authorization: `Bearer ${tokens.access_token}`, 'x-forwarded-for': randomClientIp() },
        data: { email: attempt % 2 ? taken.email : uniqueEmail('probe'), currentPassword: account.password },
      });
      statuses.push(response.status());
      // An email change ends every earlier sign-in but the caller's: its refresh token goes on.
      if (response.status() === 200) tokens = await (await api.refresh(tokens.refresh_token)).json();
    }
    expectLimitedAfterTen(statuses, [200, 409]);
    // Name changes are not email changes: not limited.
    const rename = await api.request.patch('/api/users/me', {
      headers: { authorization: `Bearer ${tokens.access_token}` },
      data: { name: 'Still me' },
    });
    expect(rename.status()).toBe(200);
  });

  test('account deletion is limited per account: the current-password check is no guessing oracle', async ({
    api,
  }) => {
    const account = await api.register();
    const { access_token } = await api.token(account.email, account.password);
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 11; attempt++) {
      const response = await api.request.delete('/api/users/me', {
        headers: { authorization: `Bearer ${access_token}`, 'x-forwarded-for': randomClientIp() },
        data: { currentPassword: `guess number ${attempt}` },
      });
      statuses.push(response.status());
    }
    expectLimitedAfterTen(statuses, [422]);
    expect((await api.me(access_token)).status()).toBe(200);
  });
});

test('personal responses carry Cache-Control: no-store', async ({ api }) => {
  const account = await api.register();
  const token = await api.request.post('/api/auth/token', {
    form: { grant_type: 'password', username: account.email, password: account.password },
  });
  expect(token.headers()['cache-control']).toBe('no-store');
  const { access_token } = await token.json();
  const headers = { authorization: `Bearer ${access_token}` };
  const responses = {
    register: await api.request.post('/api/auth/register', {
      data: { email: uniqueEmail(), password: account.password },
    }),
    getMe: await api.me(access_token),
    updateMe: await api.request.patch('/api/users/me', { headers, data: { name: 'N' } }),
    listUploads: await api.request.get('/api/uploads', { headers }),
    changeMyPassword: await api.request.put('/api/users/me/password', {
      headers,
      data: { currentPassword: account.password, newPassword: 'another long passphrase' },
    }),
  };
  for (const [name, response] of Object.entries(responses)) {
    expect(response.status(), name).toBeLessThan(300);
    expect(response.headers()['cache-control'], name).toBe('no-store');
  }
});
