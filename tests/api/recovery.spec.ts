import {
  type Account,
  expect,
  PASSWORD,
  randomClientIp,
  signInWithCookie,
  test,
  uniqueEmail,
} from '../support/fixtures';
import { mailsTo, waitForMails } from '../support/mailbox';
import { serverInfo } from '../support/server';

// Password reset and email verification over real mail: the pass's server sends through SMTP to an
// in-process SMTP server (tests/support/serve.ts); each test reads the real message, takes the link's token
// and completes the flow. Lifetimes and expiry with an injected clock: tests/db/recovery.spec.ts.

const mailDir = () => serverInfo(String(test.info().project.metadata.pass)).mailDir;
const NEW_PASSWORD = 'a freshly reset passphrase';

const resetRequest = (api: { request: import('@playwright/test').APIRequestContext }, email: string) =>
  api.request.post('/api/auth/password-reset', { data: { email } });

test('registration mails a verification link (text and HTML, the app name); its token verifies the email once', async ({
  api,
}) => {
  const account = await api.register();
  const [mail] = await waitForMails(mailDir(), account.email);
  if (!mail) throw new Error('no mail');
  expect(mail.subject).toContain('Stylipp');
  expect(mail.from).toContain('Stylipp');
  expect(mail.link).toMatch(/^http:\/\/localhost:\d+\/verify-email\?token=[A-Za-z0-9_-]{43}$/);
  expect(mail.html).toContain(mail.link);
  const { access_token } = await api.token(account.email, account.password);
  expect((await (await api.me(access_token)).json()).emailVerifiedAt).toBeNull();

  const verified = await api.request.post('/api/auth/verify-email', { data: { token: mail.token } });
  expect(verified.status()).toBe(204);
  const user = await (await api.me(access_token)).json();
  expect(Date.parse(user.emailVerifiedAt)).toBeGreaterThan(Date.parse(user.createdAt) - 1000);

  const again = await api.request.post('/api/auth/verify-email', { data: { token: mail.token } });
  expect(again.status()).toBe(400);
  expect(await again.json()).toMatchObject({ code: 'invalid_token' });
  const resend = await api.request.post('/api/auth/verify-email/resend', {
    headers: { authorization: `Bearer ${access_token}` },
  });
  expect(resend.status()).toBe(409);
});

test('password reset: the mailed token sets a new password (same rules), ends every earlier sign-in, verifies the email, and works once', async ({
  api,
  request,
}) => {
  const account = await api.register();
  await signInWithCookie(request, account);
  const tokens = await api.token(account.email, account.password);

  const asked = await resetRequest(api, account.email.toUpperCase());
  expect(asked.status()).toBe(202);
  expect(await asked.text()).toBe('');
  const mails = await waitForMails(mailDir(), account.email, 2); // the verification mail, then the reset
  const mail = mails.find((m) => m.subject.includes('password'));
  if (!mail) throw new Error('no reset mail');
  expect(mail.subject).toBe('Reset your Stylipp password');
  expect(mail.link).toMatch(/\/reset-password\?token=/);
  expect(mail.text).toContain('30 minutes');
  expect(mail.html).toContain(mail.link);

  const weak = await api.request.post('/api/auth/password-reset/confirm', {
    data: { token: mail.token, newPassword: 'password1' },
  });
  expect(weak.status()).toBe(422);
  expect((await weak.json()).errors[0].path).toBe('body.newPassword');

  const confirmed = await api.request.post('/api/auth/password-reset/confirm', {
    data: { token: mail.token, newPassword: NEW_PASSWORD },
  });
  expect(confirmed.status()).toBe(204);
  expect((await api.me(tokens.access_token)).status()).toBe(401);
  expect((await api.refresh(tokens.refresh_token)).status()).toBe(400);
  expect((await request.get('/api/users/me')).status()).toBe(401); // the web session from before
  const old = await api.request.post('/api/auth/token', {
    data: { email: account.email, password: account.password },
  });
  expect(old.status()).toBe(400);
  const fresh = await api.token(account.email, NEW_PASSWORD);
  const user = await (await api.me(fresh.access_token)).json();
  expect(user.emailVerifiedAt).not.toBeNull();

  const reused = await api.request.post('/api/auth/password-reset/confirm', {
    data: { token: mail.token, newPassword: 'yet another passphrase' },
  });
  expect(reused.status()).toBe(400);
  expect(await reused.json()).toMatchObject({ code: 'invalid_token' });
  expect((await api.me(fresh.access_token)).status()).toBe(200);
});

test('no enumeration: an unknown address gets the same 202, in similar time, and no mail', async ({
  api,
}) => {
  const account = await api.register();
  const unknown = uniqueEmail('nobody');
  const timings: Record<'known' | 'unknown', number[]> = { known: [], unknown: [] };
  const answers: Record<'known' | 'unknown', string[]> = { known: [], unknown: [] };
  for (let round = 0; round < 3; round++) {
    for (const [kind, email] of [
      ['known', account.email],
      ['unknown', unknown],
    ] as const) {
      const started = performance.now();
      const response = await api.request.post('/api/auth/password-reset', {
        headers: { 'x-forwarded-for': randomClientIp() },
        data: { email },
      });
      timings[kind].push(performance.now() - started);
      const headers = response.headers();
      answers[kind].push(`${response.status()} ${headers['content-type'] ?? ''} ${await response.text()}`);
    }
  }
  expect(answers.unknown).toEqual(answers.known);
  expect(answers.known[0]).toMatch(/^202 /);
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[1] ?? 0;
  // The answer never waits for the look-up or the mail: both are two rate-limit upserts.
  expect(Math.abs(median(timings.known) - median(timings.unknown))).toBeLessThan(150);
  await waitForMails(mailDir(), account.email, 4); // verification + 3 resets
  expect(await mailsTo(mailDir(), unknown)).toEqual([]);
});

test('only the newest reset token works; an earlier one is refused like a used one', async ({ api }) => {
  const account = await api.register();
  await waitForMails(mailDir(), account.email); // the verification mail
  expect((await resetRequest(api, account.email)).status()).toBe(202);
  const first = (await waitForMails(mailDir(), account.email, 2)).at(-1);
  expect((await resetRequest(api, account.email)).status()).toBe(202);
  const second = (await waitForMails(mailDir(), account.email, 3)).at(-1);
  if (!first || !second) throw new Error('no mail');
  expect(second.token).not.toBe(first.token);
  const superseded = await api.request.post('/api/auth/password-reset/confirm', {
    data: { token: first.token, newPassword: NEW_PASSWORD },
  });
  expect(superseded.status()).toBe(400);
  expect(await superseded.json()).toMatchObject({ code: 'invalid_token' });
  const newest = await api.request.post('/api/auth/password-reset/confirm', {
    data: { token: second.token, newPassword: NEW_PASSWORD },
  });
  expect(newest.status()).toBe(204);
  const unknown = await api.request.post('/api/auth/password-reset/confirm', {
    data: { token: 'x'.repeat(43), newPassword: NEW_PASSWORD },
  });
  expect(await unknown.json()).toMatchObject({ status: 400, code: 'invalid_token' });
});

test('reset requests are limited per email address (known or not, alike) and per client address', async ({
  api,
}) => {
  const account = await api.register();
  for (const email of [account.email, uniqueEmail('ghost')]) {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const response = await api.request.post('/api/auth/password-reset', {
        headers: { 'x-forwarded-for': randomClientIp() },
        data: { email },
      });
      statuses.push(response.status());
      if (response.status() === 429) expect(Number(response.headers()['retry-after'])).toBeGreaterThan(0);
    }
    expect(statuses, email).toEqual([202, 202, 202, 429]);
  }
  const statuses: number[] = [];
  for (let i = 0; i < 11; i++) statuses.push((await resetRequest(api, uniqueEmail('spray'))).status());
  expect(statuses).toEqual([...Array(10).fill(202), 429]);
});

test('resending the verification mail replaces the link and is limited per account', async ({ api }) => {
  const account = await api.register();
  const [registration] = await waitForMails(mailDir(), account.email);
  const { access_token } = await api.token(account.email, account.password);
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++) {
    const response = await api.request.post('/api/auth/verify-email/resend', {
      headers: { authorization: `Bearer ${access_token}`, 'x-forwarded-for': randomClientIp() },
    });
    statuses.push(response.status());
    // One at a time: each new link replaces the last, so the newest mail holds the live one.
    if (response.status() === 202) await waitForMails(mailDir(), account.email, i + 2);
  }
  expect(statuses).toEqual([202, 202, 202, 429]);
  const mails = await mailsTo(mailDir(), account.email);
  expect(mails).toHaveLength(4);
  const newest = mails.at(-1);
  if (!registration || !newest) throw new Error('no mail');
  const stale = await api.request.post('/api/auth/verify-email', { data: { token: registration.token } });
  expect(stale.status()).toBe(400);
  expect((await api.request.post('/api/auth/verify-email', { data: { token: newest.token } })).status()).toBe(
    204,
  );
});

test('an email change mails a link to the new address; a link mailed to the old one no longer verifies', async ({
  api,
}) => {
  const account = await api.register();
  const [old] = await waitForMails(mailDir(), account.email);
  const tokens = await api.token(account.email, account.password);
  const moved = uniqueEmail('moved');
  const changed = await api.request.patch('/api/users/me', {
    headers: { authorization: `Bearer ${tokens.access_token}` },
    data: { email: moved, currentPassword: account.password },
  });
  expect(changed.status()).toBe(200);
  expect((await changed.json()).emailVerifiedAt).toBeNull();
  const [mail] = await waitForMails(mailDir(), moved);
  if (!old || !mail) throw new Error('no mail');
  expect((await api.request.post('/api/auth/verify-email', { data: { token: old.token } })).status()).toBe(
    400,
  );
  expect((await api.request.post('/api/auth/verify-email', { data: { token: mail.token } })).status()).toBe(
    204,
  );
  const refreshed = await (await api.refresh(tokens.refresh_token)).json();
  expect(await (await api.me(refreshed.access_token)).json()).toMatchObject({ email: moved });
  expect((await (await api.me(refreshed.access_token)).json()).emailVerifiedAt).not.toBeNull();
});

test('deleting the account invalidates its mailed tokens', async ({ api }) => {
  const account: Account = await api.register();
  const [verification] = await waitForMails(mailDir(), account.email);
  expect((await resetRequest(api, account.email)).status()).toBe(202);
  const reset = (await waitForMails(mailDir(), account.email, 2)).at(-1);
  const { access_token } = await api.token(account.email, account.password);
  const deleted = await api.request.delete('/api/users/me', {
    headers: { authorization: `Bearer ${access_token}` },
    data: { currentPassword: PASSWORD },
  });
  expect(deleted.status()).toBe(204);
  if (!verification || !reset) throw new Error('no mail');
  // The address registers again: the old links belong to the erased account and stay dead.
  await api.register({ email: account.email });
  const confirm = await api.request.post('/api/auth/password-reset/confirm', {
    data: { token: reset.token, newPassword: NEW_PASSWORD },
  });
  expect(confirm.status()).toBe(400);
  const verify = await api.request.post('/api/auth/verify-email', { data: { token: verification.token } });
  expect(verify.status()).toBe(400);
});
