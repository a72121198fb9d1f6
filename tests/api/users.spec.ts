import { expect, PASSWORD, randomClientIp, signInWithCookie, test, uniqueEmail } from '../support/fixtures';

// The signed-in user, through a bearer token and through the next-auth session cookie.

test('GET /api/users/me with a bearer token returns the public user and nothing else', async ({ api }) => {
  const account = await api.register({ name: 'Grace' });
  const { access_token } = await api.token(account.email, account.password);
  const response = await api.me(access_token);
  expect(response.status()).toBe(200);
  const user = await response.json();
  expect(Object.keys(user).sort()).toEqual([
    'createdAt',
    'email',
    'emailVerifiedAt',
    'id',
    'name',
    'updatedAt',
  ]);
  expect(user).toMatchObject({ id: account.id, email: account.email, name: 'Grace' });
});

test('without credentials: 401 problem with WWW-Authenticate', async ({ request }) => {
  const response = await request.get('/api/users/me');
  expect(response.status()).toBe(401);
  expect(response.headers()['www-authenticate']).toBe('Bearer realm="stylipp"');
  expect(response.headers()['content-type']).toBe('application/problem+json');
});

test('cookie sign-in through next-auth (csrf → callback/credentials → session), then /api/users/me', async ({
  api,
  request,
}) => {
  const account = await api.register();
  await signInWithCookie(request, account);
  const me = await request.get('/api/users/me');
  expect(me.status()).toBe(200);
  expect((await me.json()).id).toBe(account.id);

  // Same-origin mutation with the cookie works; the session cookie is not a bearer token.
  const patched = await request.patch('/api/users/me', { data: { name: 'Via Cookie' } });
  expect(patched.status()).toBe(200);
  const state = await request.storageState();
  const cookie = state.cookies.find((c) => c.name.endsWith('next-auth.session-token'));
  expect(cookie?.httpOnly).toBe(true);
  const asBearer = await api.me(cookie?.value ?? '');
  expect(asBearer.status()).toBe(401);

  // Sign out ends the session.
  const { csrfToken } = await (await request.get('/api/auth/csrf')).json();
  await request.post('/api/auth/signout', { form: { csrfToken, json: 'true' } });
  expect((await request.get('/api/users/me')).status()).toBe(401);
});

test('a bearer access token is not accepted as a session cookie', async ({ api, request, baseURL }) => {
  const account = await api.register();
  const { access_token } = await api.token(account.email, account.password);
  const response = await request.get('/api/users/me', {
    headers: { cookie: `next-auth.session-token=${access_token}` },
  });
  expect(response.status()).toBe(401);
  expect(baseURL).toBeDefined();
});

test('a cookie-authenticated PATCH from a foreign Origin → 403; bearer requests are exempt', async ({
  api,
  request,
}) => {
  const account = await api.register();
  await signInWithCookie(request, account);
  const foreign = await request.patch('/api/users/me', {
    data: { name: 'csrf' },
    headers: { origin: 'https://evil.example' },
  });
  expect(foreign.status()).toBe(403);
  const allowed = await request.patch('/api/users/me', {
    data: { name: 'from the frontend' },
    headers: { origin: 'http://localhost:5173' },
  });
  expect(allowed.status()).toBe(200);

  const { access_token } = await api.token(account.email, account.password);
  const bearer = await request.fetch('/api/users/me', {
    method: 'PATCH',
    data: { name: 'bearer' },
    headers: { origin: 'https://evil.example', authorization: `Bearer ${access_token}`, cookie: '' },
  });
  expect(bearer.status()).toBe(200);
});

test('PATCH /api/users/me changes name and email (the email with the current password); a taken email is 409', async ({
  api,
}) => {
  const account = await api.register();
  const other = await api.register();
  const tokens = await api.token(account.email, account.password);
  const headers = { authorization: `Bearer ${tokens.access_token}` };
  const newEmail = uniqueEmail('moved');
  const withoutPassword = await api.request.patch('/api/users/me', { headers, data: { email: newEmail } });
  expect(withoutPassword.status()).toBe(422);
  expect((await withoutPassword.json()).errors[0]).toEqual({
    path: 'body.currentPassword',
    message: 'is required',
  });
  const wrongPassword = await api.request.patch('/api/users/me', {
    headers,
    data: { email: newEmail, currentPassword: 'not my password at all' },
  });
  expect(wrongPassword.status()).toBe(422);
  expect((await (await api.me(tokens.access_token)).json()).email).toBe(account.email);

  const updated = await api.request.patch('/api/users/me', {
    headers,
    data: { name: 'New Name', email: newEmail.toUpperCase(), currentPassword: account.password },
  });
  expect(updated.status()).toBe(200);
  const user = await updated.json();
  expect(user).toMatchObject({ name: 'New Name', email: newEmail, emailVerifiedAt: null });
  expect(Date.parse(user.updatedAt)).toBeGreaterThan(Date.parse(user.createdAt));

  // The caller's own sign-in goes on: its refresh token gives a working access token.
  const refreshed = await api.refresh(tokens.refresh_token);
  expect(refreshed.status()).toBe(200);
  const next = { authorization: `Bearer ${(await refreshed.json()).access_token}` };
  const taken = await api.request.patch('/api/users/me', {
    headers: next,
    data: { email: other.email, currentPassword: account.password },
  });
  expect(taken.status()).toBe(409);
  const invalid = await api.request.patch('/api/users/me', {
    headers: next,
    data: { email: 'nope', name: '' },
  });
  expect(invalid.status()).toBe(422);
  const rename = await api.request.patch('/api/users/me', {
    headers: next,
    data: { name: 'No password needed' },
  });
  expect(rename.status()).toBe(200);
});

test('an email change ends every other sign-in (tokens and web sessions), as a password change does; the caller’s own goes on', async ({
  api,
  request,
  playwright,
  baseURL,
}) => {
  const account = await api.register();
  await signInWithCookie(request, account); // another device, on the web
  const other = await api.token(account.email, account.password); // another device, a mobile client
  const mine = await api.token(account.email, account.password);
  const changed = await api.request.patch('/api/users/me', {
    headers: { authorization: `Bearer ${mine.access_token}` },
    data: { email: uniqueEmail('moved'), currentPassword: account.password },
  });
  expect(changed.status()).toBe(200);
  expect((await request.get('/api/users/me')).status()).toBe(401);
  expect((await api.me(other.access_token)).status()).toBe(401);
  expect((await api.refresh(other.refresh_token)).status()).toBe(400);
  const refreshed = await api.refresh(mine.refresh_token);
  expect(refreshed.status()).toBe(200);
  expect((await api.me((await refreshed.json()).access_token)).status()).toBe(200);

  // A web session that changes the email keeps itself and ends the rest.
  const web = await playwright.request.newContext({
    baseURL,
    extraHTTPHeaders: { 'x-forwarded-for': randomClientIp() },
  });
  try {
    const moved = { ...account, email: (await changed.json()).email };
    await signInWithCookie(web, moved);
    const bearer = await api.token(moved.email, moved.password);
    const viaCookie = await web.patch('/api/users/me', {
      data: { email: uniqueEmail('again'), currentPassword: account.password },
    });
    expect(viaCookie.status()).toBe(200);
    expect((await web.get('/api/users/me')).status()).toBe(200);
    expect((await api.me(bearer.access_token)).status()).toBe(401);
  } finally {
    await web.dispose();
  }
});

test('password change: 204; refresh tokens, access tokens and sessions from before stop working; so does the old password', async ({
  api,
  request,
}) => {
  const account = await api.register();
  await signInWithCookie(request, account);
  const tokens = await api.token(account.email, account.password);
  const headers = { authorization: `Bearer ${tokens.access_token}` };

  const wrong = await api.request.put('/api/users/me/password', {
    headers,
    data: { currentPassword: 'not it at all', newPassword: 'a brand new passphrase' },
  });
  expect(wrong.status()).toBe(422);
  expect((await wrong.json()).errors[0]).toEqual({
    path: 'body.currentPassword',
    message: 'is not your current password',
  });

  const weak = await api.request.put('/api/users/me/password', {
    headers,
    data: { currentPassword: account.password, newPassword: 'password' },
  });
  expect(weak.status()).toBe(422);

  const changed = await api.request.put('/api/users/me/password', {
    headers,
    data: { currentPassword: account.password, newPassword: 'a brand new passphrase' },
  });
  expect(changed.status()).toBe(204);
  expect((await api.refresh(tokens.refresh_token)).status()).toBe(400);
  expect((await api.me(tokens.access_token)).status()).toBe(401);
  expect((await request.get('/api/users/me')).status()).toBe(401); // the cookie session from before
  const fresh = await api.token(account.email, 'a brand new passphrase');
  expect((await api.me(fresh.access_token)).status()).toBe(200);
  const old = await api.request.post('/api/auth/token', {
    data: { email: account.email, password: account.password },
  });
  expect(old.status()).toBe(400);
});

test('DELETE /api/users/me needs the current password (415 without a body, 422 without or wrong), then 204; its tokens fail; the email can register again', async ({
  api,
}) => {
  const account = await api.register();
  const tokens = await api.token(account.email, account.password);
  const headers = { authorization: `Bearer ${tokens.access_token}` };
  const withoutBody = await api.request.delete('/api/users/me', { headers });
  expect(withoutBody.status()).toBe(415); // the JSON body with the password is required
  const withoutPassword = await api.request.delete('/api/users/me', { headers, data: {} });
  expect(withoutPassword.status()).toBe(422);
  const wrongPassword = await api.request.delete('/api/users/me', {
    headers,
    data: { currentPassword: 'not my password at all' },
  });
  expect(wrongPassword.status()).toBe(422);
  expect((await wrongPassword.json()).errors[0]).toEqual({
    path: 'body.currentPassword',
    message: 'is not your current password',
  });
  expect((await api.me(tokens.access_token)).status()).toBe(200);
  const deleted = await api.request.delete('/api/users/me', {
    headers,
    data: { currentPassword: account.password },
  });
  expect(deleted.status()).toBe(204);
  expect((await api.me(tokens.access_token)).status()).toBe(401);
  expect((await api.refresh(tokens.refresh_token)).status()).toBe(400);
  const again = await api.register({ email: account.email, password: PASSWORD });
  expect(again.id).not.toBe(account.id);
});
