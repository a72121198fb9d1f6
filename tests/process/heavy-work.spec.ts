import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { PASSWORD, randomClientIp, uniqueEmail } from '../support/fixtures';
import { noisyJpeg, photo } from '../support/images';
import { freePort } from '../support/ports';
import { createDatabase, dropDatabase } from '../support/postgres';
import { runMigrations, startServer, type TestServer } from '../support/server';
import { putStoredObject, storedObjects } from '../support/storage';

// Staying up under hostile load, on a server of its own with small limits, once per database:
// admission control (503 + Retry-After at once), per-user upload rate limit and quota, the orphan sweep
// (periodic in the server, and `npm run uploads:sweep`).

const postgres = !!process.env.STYLIPP_TEST_POSTGRES;
if (process.env.CI && !postgres) throw new Error('CI needs Postgres for these tests');

const LIMITS = {
  PASSWORD_HASHING_CONCURRENCY: '1',
  PASSWORD_HASHING_QUEUE: '0',
  IMAGE_PROCESSING_CONCURRENCY: '1',
  IMAGE_PROCESSING_QUEUE: '0',
  UPLOADS_RATE_LIMIT: '3',
  UPLOADS_PER_USER_MAX_COUNT: '2',
  UPLOADS_PER_USER_MAX_BYTES: '2000',
  UPLOADS_SWEEP_INTERVAL_SECONDS: '1',
  UPLOADS_ORPHAN_GRACE_SECONDS: '600',
};

async function signIn(url: string): Promise<{ id: string; headers: Record<string, string> }> {
  const email = uniqueEmail('heavy');
  const ip = { 'x-forwarded-for': randomClientIp() };
  const registered = await fetch(`${url}/api/auth/register`, {
    method: 'POST',
    headers: { ...ip, 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  expect(registered.status, await registered.clone().text()).toBe(201);
  const token = await fetch(`${url}/api/auth/token`, {
    method: 'POST',
    headers: ip,
    body: new URLSearchParams({ grant_type: 'password', username: email, password: PASSWORD }),
  });
  expect(token.status).toBe(200);
  return {
    id: (await registered.json()).id,
    headers: { ...ip, authorization: `Bearer ${(await token.json()).access_token}` },
  };
}

function upload(
  url: string,
  headers: Record<string, string>,
  bytes: Buffer,
  type = 'image/jpeg',
  signal?: AbortSignal,
) {
  const form = new FormData();
  form.set('file', new Blob([new Uint8Array(bytes)], { type }), 'photo');
  return fetch(`${url}/api/uploads`, { method: 'POST', headers, body: form, signal });
}

function sweepScript(env: Record<string, string>, graceSeconds: number) {
  return new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn(
      'node_modules/.bin/tsx',
      ['scripts/uploads-sweep.ts', '--grace-seconds', String(graceSeconds)],
      {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

/** The scheduling of each thread of process `pid` (Linux: /proc/<pid>/task/<tid>/stat, fields 19 and 41). */
function threadScheduling(pid: number): { name: string; nice: number; policy: number }[] {
  return readdirSync(`/proc/${pid}/task`).flatMap((tid) => {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      return []; // the thread ended while we looked
    }
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // from field 3 (state) on
    return [{ name, nice: Number(fields[16]), policy: Number(fields[38]) }];
  });
}
const SCHED_OTHER = 0;
const SCHED_IDLE = 5;

for (const pass of ['pglite', 'pg'] as const) {
  test.describe(`heavy work (${pass})`, () => {
    test.skip(pass === 'pg' && !postgres, 'no Postgres server on this machine');
    let server: TestServer;
    let env: Record<string, string>;
    let cleanup: () => Promise<void> = async () => {};

    test.beforeAll(async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'stylipp-heavy-'));
      env = { DATA_DIR: dataDir, ...LIMITS, UPLOADS_DIR: join(dataDir, 'photos') };
      if (pass === 'pg') {
        const database = await createDatabase('stylipp_heavy');
        env.DATABASE_URL = database.url;
        cleanup = async () => {
          await dropDatabase(database.name);
          rmSync(dataDir, { recursive: true, force: true });
        };
      } else {
        env.DATABASE_DRIVER = 'pglite';
        cleanup = async () => rmSync(dataDir, { recursive: true, force: true });
      }
      await runMigrations(env);
      server = await startServer({ port: await freePort(), env });
      expect(server.process.exitCode, server.output()).toBeNull();
    });
    test.afterAll(async () => {
      await server?.stop();
      await cleanup();
    });

    test('a password-check flood beyond the queue is answered 503 + Retry-After at once, never hangs', async () => {
      // One account per sign-in: a burst on one account is the per-account limit's to answer (429), not the queue's.
      const emails = Array.from({ length: 8 }, () => uniqueEmail('flood'));
      for (const email of emails) {
        const created = await fetch(`${server.url}/api/auth/register`, {
          method: 'POST',
          headers: { 'x-forwarded-for': randomClientIp(), 'content-type': 'application/json' },
          body: JSON.stringify({ email, password: PASSWORD }),
        });
        expect(created.status).toBe(201);
      }
      const responses = await Promise.all(
        emails.map((email) =>
          fetch(`${server.url}/api/auth/token`, {
            method: 'POST',
            headers: { 'x-forwarded-for': randomClientIp() },
            body: new URLSearchParams({ grant_type: 'password', username: email, password: PASSWORD }),
          }),
        ),
      );
      const statuses = responses.map((response) => response.status);
      expect(statuses.filter((status) => status !== 200 && status !== 503)).toEqual([]);
      expect(statuses).toContain(200);
      const busy = responses.find((response) => response.status === 503);
      expect(busy, `statuses ${statuses}`).toBeDefined();
      expect(busy?.headers.get('retry-after')).toBe('1');
      expect(busy?.headers.get('content-type')).toBe('application/problem+json');
      expect((await (busy as Response).json()).code).toBe('at_capacity');
    });

    test('an image-processing flood beyond the queue is answered 503 + Retry-After', async () => {
      const users = [];
      for (let i = 0; i < 4; i++) users.push(await signIn(server.url)); // one at a time: one password slot
      const noisy = await noisyJpeg({
        width: 1200,
        height: 1200,
        quality: 95,
        background: '#888',
        noise: { mean: 128, sigma: 60 },
      });
      const responses = await Promise.all(users.map((user) => upload(server.url, user.headers, noisy)));
      const statuses = responses.map((response) => response.status);
      // Admitted ones are decoded, then refused by this server's 2000-byte quota (403): that check runs on the
      // re-encoded size, so a 403 proves the image went through the decoder.
      expect(statuses.filter((status) => status !== 403 && status !== 503)).toEqual([]);
      expect(statuses).toContain(403);
      const busy = responses.find((response) => response.status === 503);
      expect(busy, `statuses ${statuses}`).toBeDefined();
      expect(busy?.headers.get('retry-after')).toBe('2');
    });

    test('per-user quota (count, then bytes) → 403 upload_quota_exceeded; rate → 429 + Retry-After', async () => {
      const user = await signIn(server.url);
      const jpeg = await photo('jpeg');
      expect((await upload(server.url, user.headers, jpeg)).status).toBe(201);
      expect((await upload(server.url, user.headers, jpeg)).status).toBe(201);
      const overCount = await upload(server.url, user.headers, jpeg);
      expect(overCount.status).toBe(403);
      const countProblem = await overCount.json();
      expect(countProblem).toMatchObject({ code: 'upload_quota_exceeded', quota: { count: 2, maxCount: 2 } });
      expect(countProblem.detail).toContain('2 photos');
      const overRate = await upload(server.url, user.headers, jpeg);
      expect(overRate.status).toBe(429);
      expect(Number(overRate.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await overRate.json()).code).toBe('upload_rate_limited');

      const other = await signIn(server.url);
      expect((await upload(server.url, other.headers, await photo('png'), 'image/png')).status).toBe(201);
      const overBytes = await upload(server.url, other.headers, await photo('png'), 'image/png');
      expect(overBytes.status).toBe(403);
      const bytesProblem = await overBytes.json();
      expect(bytesProblem).toMatchObject({ code: 'upload_quota_exceeded', quota: { maxBytes: 2000 } });
      expect(bytesProblem.detail).toContain('of 2000 bytes');
    });

    test("heavy work runs at idle CPU priority: libuv's pool threads, never the event loop", async () => {
      test.skip(process.platform !== 'linux', 'thread scheduling is read from /proc');
      const pid = server.process.pid as number;
      // SCHED_IDLE through util-linux's chrt; without chrt the fallback is nice 19 (core/admission/priority.ts).
      const idle = existsSync('/usr/bin/chrt') || existsSync('/bin/chrt');
      const expected = idle ? { nice: 0, policy: SCHED_IDLE } : { nice: 19, policy: SCHED_OTHER };
      const pool = () => threadScheduling(pid).filter((thread) => thread.name === 'libuv-worker');
      const size = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
      await expect
        .poll(() => pool().map(({ nice, policy }) => ({ nice, policy })), { timeout: 10_000 })
        .toEqual(Array.from({ length: size }, () => expected));
      // The event loop (the process's main thread) keeps normal priority.
      const [main] = threadScheduling(pid);
      expect(main).toMatchObject({ nice: 0, policy: SCHED_OTHER });
      // Threads the pool starts later (libvips' workers, on a photo upload) inherit its scheduling.
      const user = await signIn(server.url);
      expect((await upload(server.url, user.headers, await photo('jpeg'))).status).toBe(201);
      const vips = threadScheduling(pid).filter((thread) => /vips/.test(thread.name));
      for (const thread of vips) expect(thread).toMatchObject(expected);
    });

    test('orphans are swept: periodically by the server, and by `npm run uploads:sweep`', async () => {
      const user = await signIn(server.url);
      expect((await upload(server.url, user.headers, await photo('jpeg'))).status).toBe(201);
      const [live] = await storedObjects(env, user.id);
      const orphan = crypto.randomUUID();
      const fresh = crypto.randomUUID();
      // Older than the grace period: a crash between write and insert, long ago. Fresh: maybe in flight.
      await putStoredObject(env, `${user.id}/${orphan}`, Buffer.from('orphan'), { ageSeconds: 3600 });
      await putStoredObject(env, `${user.id}/${fresh}`, Buffer.from('in flight'));
      await expect.poll(() => storedObjects(env, user.id), { timeout: 15_000 }).not.toContain(orphan);
      expect((await storedObjects(env, user.id)).sort()).toEqual([live, fresh].sort());

      // The command, on a stopped server (the embedded database allows one process).
      await server.stop();
      const stale = `${crypto.randomUUID()}.request-part`;
      mkdirSync(join(env.DATA_DIR as string, 'tmp'), { recursive: true });
      writeFileSync(join(env.DATA_DIR as string, 'tmp', stale), 'half an upload');
      const old = new Date(Date.now() - 7200_000);
      utimesSync(join(env.DATA_DIR as string, 'tmp', stale), old, old);
      // Grace 0: the 'in flight' object (no row) and the stale request part go; the live upload stays.
      const result = await sweepScript(env, 0);
      expect(result.code, result.output).toBe(0);
      expect(result.output).toContain('2 removed');
      expect(await storedObjects(env, user.id)).toEqual([live]);
      expect(readdirSync(join(env.DATA_DIR as string, 'tmp'))).not.toContain(stale);
    });
  });
}

// Our own server turns a client's disconnect into `request.signal` (core/server/host.ts); admission control then
// drops the client's photo from the queue instead of decoding it for nobody.
test.describe('abandoned heavy work (own server)', () => {
  let server: TestServer;
  let dataDir: string;
  test.beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'stylipp-abandon-'));
    const env = {
      DATA_DIR: dataDir,
      DATABASE_DRIVER: 'pglite',
      IMAGE_PROCESSING_CONCURRENCY: '1',
      IMAGE_PROCESSING_QUEUE: '4',
    };
    await runMigrations(env);
    server = await startServer({ port: await freePort(), env });
    expect(server.process.exitCode, server.output()).toBeNull();
  });
  test.afterAll(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('a photo whose client left while it waited for the decoder is never decoded or stored', async () => {
    const user = await signIn(server.url);
    // Photo-sized noisy JPEGs keep the one decoder busy for a good fraction of a second each.
    const slow = await noisyJpeg({
      width: 4000,
      height: 3000,
      quality: 80,
      background: '#7a6a5a',
      noise: { mean: 120, sigma: 40 },
    });
    const small = await photo('png');
    // The readiness body shows the decoder's queue, so each step waits for the state it needs instead of a
    // guessed delay. A photo is in admission control from its arrival (its body is in) until its decode ends,
    // shortly before its answer: running + waiting + answered counts every photo that has arrived.
    let answered = 0;
    const ahead = Array.from({ length: 4 }, () =>
      upload(server.url, user.headers, slow).finally(() => {
        answered += 1;
      }),
    );
    const arrived = async () => {
      const { running, waiting } = await imageQueue(server.url);
      return { all: running + waiting + answered, running, waiting };
    };
    // Every slow photo arrived, and at least two still wait behind the one decoding.
    await expect
      .poll(
        async () => {
          const state = await arrived();
          return state.all === 4 && state.running === 1 && state.waiting >= 2;
        },
        { timeout: 60_000, intervals: [20] },
      )
      .toBe(true);
    const client = new AbortController();
    const abandoned = upload(server.url, user.headers, small, 'image/png', client.signal).catch(
      (error: unknown) => error,
    );
    // The small photo arrived: it waits last in line, behind a slow photo that is still waiting.
    await expect.poll(async () => (await arrived()).all, { timeout: 60_000, intervals: [20] }).toBe(5);
    const queued = await imageQueue(server.url);
    expect(queued.running).toBe(1);
    expect(queued.waiting).toBeGreaterThanOrEqual(2);
    client.abort();
    expect(await abandoned).toBeInstanceOf(Error);
    const stored = await Promise.all(ahead);
    expect(stored.map((response) => response.status)).toEqual([201, 201, 201, 201]);
    const storedIds = await Promise.all(stored.map(async (response) => (await response.json()).id as string));
    // The decoder is idle, and the abandoned photo was never decoded: only the slow photos are listed.
    await expect.poll(() => imageQueue(server.url)).toEqual({ running: 0, waiting: 0 });
    const list = await (await fetch(`${server.url}/api/uploads`, { headers: user.headers })).json();
    expect(list.items.map((item: { id: string }) => item.id).sort()).toEqual(storedIds.sort());
  });
});

/** The image decoder's admission state, from the readiness body. */
async function imageQueue(url: string): Promise<{ running: number; waiting: number }> {
  const body = await (await fetch(`${url}/api/health/ready`)).json();
  const { running, waiting } = body.checks.admission.imageProcessing;
  return { running, waiting };
}
