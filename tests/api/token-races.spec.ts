import { seededRandom } from '@/features/core/maths/random';
import { type Api, expect, randomClientIp, type Tokens, test } from '../support/fixtures';

// Token state under concurrency, on Postgres (real row locks, concurrent connections): rotations, replays,
// revocations, sign-ins and a password change of one account fired at once, many times over. Whatever
// the interleaving, once the password change has answered, no token from before it is usable: no refresh
// token rotates, no access token passes the guard.

const ROUNDS = 20;
const pass = () => String(test.info().project.metadata.pass);

/** A request from a fresh client address, so per-address limits never stand in for the property tested. */
function post(api: Api, path: string, form: Record<string, string>) {
  return api.request.post(path, { form, headers: { 'x-forwarded-for': randomClientIp() } });
}

async function rotate(api: Api, refreshToken: string): Promise<Tokens | undefined> {
  const response = await post(api, '/api/auth/token', {
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
  });
  expect([200, 400]).toContain(response.status());
  return response.status() === 200 ? response.json() : undefined;
}

test('interleaved rotations, replays, revokes, sign-ins and a password change never leave a usable token', async ({
  api,
}) => {
  test.skip(pass() !== 'pg', 'the concurrency proof runs on the Postgres pass');
  test.setTimeout(300_000);
  const random = seededRandom(20261129);
  for (let round = 0; round < ROUNDS; round++) {
    const account = await api.register();
    const issued: Tokens[] = [];
    const signIn = async (password: string) => {
      const response = await post(api, '/api/auth/token', {
        grant_type: 'password',
        username: account.email,
        password,
      });
      if (response.status() === 200) issued.push(await response.json());
    };
    await Promise.all([signIn(account.password), signIn(account.password), signIn(account.password)]);
    expect(issued).toHaveLength(3);
    const families = [...issued];

    // A chain of rotations per family, each step sometimes replaying the token it just used or racing a
    // second use of it; one family revoked part-way; a sign-in with the old password; the password change.
    const chain = async (start: Tokens) => {
      let current: Tokens | undefined = start;
      for (let step = 0; step < 4 && current; step++) {
        const used: Tokens = current;
        const racing = random.next() < 0.3;
        const [next, raced] = await Promise.all([
          rotate(api, used.refresh_token),
          racing ? rotate(api, used.refresh_token) : Promise.resolve(undefined),
        ]);
        for (const tokens of [next, raced]) if (tokens) issued.push(tokens);
        if (random.next() < 0.2) await rotate(api, used.refresh_token); // a replay
        current = next ?? raced;
      }
    };
    const [first, second] = families as [Tokens, Tokens, Tokens];
    const revokeAfter = random.int(4);
    const revoke = async () => {
      await new Promise((resolve) => setTimeout(resolve, revokeAfter * 5));
      await post(api, '/api/auth/revoke', {
        token: random.next() < 0.5 ? first.refresh_token : second.refresh_token,
      });
    };
    const change = async () => {
      const response = await api.request.put('/api/users/me/password', {
        headers: { authorization: `Bearer ${first.access_token}`, 'x-forwarded-for': randomClientIp() },
        data: { currentPassword: account.password, newPassword: `a new passphrase for round ${round}` },
      });
      expect(response.status(), await response.text()).toBe(204);
    };
    await Promise.all([...families.map(chain), revoke(), change(), signIn(account.password)]);

    // The password changed (its 204 came back): everything issued before or around it is dead.
    const fresh = await post(api, '/api/auth/token', {
      grant_type: 'password',
      username: account.email,
      password: `a new passphrase for round ${round}`,
    });
    expect(fresh.status(), `round ${round}: the new password works`).toBe(200);
    for (const tokens of issued) {
      expect((await api.me(tokens.access_token)).status(), `round ${round}: an access token`).toBe(401);
    }
    for (const tokens of issued) {
      expect(await rotate(api, tokens.refresh_token), `round ${round}: a refresh token`).toBeUndefined();
    }
  }
});
