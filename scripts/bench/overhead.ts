// npm run bench:overhead — what the HTTP kernel (features/core/http + the logger: request id, route
// execution, response schema check, CORS, one log line) adds per request, in-process: no HTTP, no Next.
// Calls the exported route functions in a tight loop and compares them with a bare
// `() => Response.json({ status: 'healthy' })`, alternating cases across repetitions; reports medians.
// LOG_LEVEL=info so the real log line is paid for. Those lines go to stdout, and stdout must be /dev/null
// (a terminal or pipe would flood, and make the cost depend on the reader): unless it already is, the
// script re-runs itself with stdout on /dev/null. The report goes to stderr.
// Options: --repetitions 7, --rep-ms 500 (target duration of one repetition), --health-only (for profiles:
// `node --cpu-prof --import tsx scripts/bench/overhead.ts --health-only > /dev/null`).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, fstatSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { median, table } from './lib';

const isDevNull = (fd: number) => fstatSync(fd).rdev === statSync('/dev/null').rdev;
if (!isDevNull(1)) {
  const rerun = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: ['inherit', 'ignore', 'inherit'],
  });
  process.exit(rerun.status ?? 1);
}

const { values: args } = parseArgs({
  options: {
    repetitions: { type: 'string', default: '7' },
    'rep-ms': { type: 'string', default: '500' },
    'health-only': { type: 'boolean', default: false },
  },
});
const repetitions = Number(args.repetitions);
const repetitionMs = Number(args['rep-ms']);
const TARGET_ADDED_MICROS = 50;

process.chdir(fileURLToPath(new URL('../..', import.meta.url)));
// The config module reads process.env once, at first use: set it before anything imports the app.
Object.assign(process.env, {
  NODE_ENV: 'production',
  AUTH_SECRET: randomBytes(36).toString('base64url'),
  DATABASE_URL: 'memory://',
  APP_URL: 'http://localhost:8000',
  LOG_LEVEL: 'info',
  RATE_LIMIT_AUTH_PER_IP: '1000000',
  RATE_LIMIT_AUTH_PER_ACCOUNT: '1000000',
});

type RouteContext = { params: Promise<Record<string, string | string[]>> };
type RouteFunction = (request: Request, context: RouteContext) => Promise<Response> | Response;
type RouteModule = Partial<Record<'GET' | 'POST', RouteFunction>>;

interface Case {
  name: string;
  /** One call; async so route functions and synchronous components share the loop. */
  call(): Promise<unknown> | unknown;
}

const context: RouteContext = { params: Promise.resolve({}) };
const route =
  (handler: RouteFunction, request: () => Request): Case['call'] =>
  () =>
    handler(request(), context);

/** Median ns per call of each case: calibrated from a warm-up, then repetitions in alternating order. */
async function compare(cases: Case[]): Promise<Map<Case, number>> {
  const iterations = new Map<Case, number>();
  for (const item of cases) {
    // Warm-up (JIT, caches, lazy config) that also sizes a repetition to about --rep-ms.
    let count = 0;
    const started = performance.now();
    while (performance.now() - started < repetitionMs) {
      await item.call();
      count++;
    }
    iterations.set(item, count);
  }
  const timings = new Map<Case, number[]>(cases.map((item) => [item, []]));
  for (let repetition = 0; repetition < repetitions; repetition++) {
    for (const item of repetition % 2 === 0 ? cases : [...cases].reverse()) {
      const count = iterations.get(item) ?? 1;
      const started = process.hrtime.bigint();
      for (let i = 0; i < count; i++) await item.call();
      timings.get(item)?.push(Number(process.hrtime.bigint() - started) / count);
    }
  }
  return new Map(cases.map((item) => [item, median(timings.get(item) ?? [])]));
}

async function expectStatus(call: Case['call'], status: number, what: string): Promise<void> {
  const response = (await call()) as Response;
  if (response.status !== status) {
    throw new Error(`${what} answered ${response.status}, not ${status}: ${await response.text()}`);
  }
}

const micros = (ns: number) => (ns / 1000).toFixed(2);
const rows: string[][] = [];
const notes: string[] = [];

// ---- health: the kernel around a handler that does nothing --------------------------------------------

const { GET: healthGet } = await import('../../app/api/health/route');
const healthRequest = () => new Request('http://localhost/api/health');
// The bare case builds a Request too, so both sides pay for it and the difference is the kernel's.
const bare: Case = {
  name: 'bare Response.json handler',
  call: route(() => Response.json({ status: 'healthy' }), healthRequest),
};
const health: Case = { name: 'GET /api/health (kernel)', call: route(healthGet, healthRequest) };
await expectStatus(health.call, 200, 'GET /api/health');

const healthTimes = await compare([bare, health]);
const bareNs = healthTimes.get(bare) ?? 0;
const healthAddedNs = (healthTimes.get(health) ?? 0) - bareNs;
rows.push([bare.name, micros(bareNs), '']);
rows.push([health.name, micros(healthTimes.get(health) ?? 0), `+${micros(healthAddedNs)}`]);

// ---- the kernel's parts, alone (approximate: no shared warm caches, no await between them) ------------

if (!args['health-only']) {
  const { requestIdFrom } = await import('../../features/core/http/request-id');
  const { corsHeaders } = await import('../../features/core/http/cors');
  const { logger } = await import('../../features/core/logger/logger');
  const { HealthSchema } = await import('../../features/health/schemas/schemas');
  const origins = new Set(['http://localhost:5173']);
  const parts = await compare([
    { name: '  part: request id (randomUUID)', call: () => requestIdFrom(null) },
    { name: '  part: CORS headers', call: () => corsHeaders(null, origins) },
    {
      name: '  part: request log line (to /dev/null)',
      call: () =>
        logger.info('request', {
          method: 'GET',
          path: '/api/health',
          status: 200,
          durationMs: 0.12,
          requestId: '0b6f3ad2-2c57-4bb1-9f0e-6d0c2b7e9a11',
        }),
    },
    { name: '  part: response schema check', call: () => HealthSchema.safeParse({ status: 'healthy' }) },
  ]);
  for (const [part, ns] of parts) rows.push([part.name, micros(ns), '']);
}

// ---- GET /api/users/me: auth guard + one query, on in-memory PGlite ------------------------------------

const authRoutes = {
  register: 'app/api/auth/register/route.ts',
  token: 'app/api/auth/token/route.ts',
  me: 'app/api/users/me/route.ts',
};
const missing = Object.values(authRoutes).filter((file) => !existsSync(file));
if (!args['health-only']) {
  if (missing.length > 0) notes.push(`GET /api/users/me skipped: ${missing.join(', ')} not there yet`);
  else await measureUsersMe();
}

console.error(
  `\nIn-process, median of ${repetitions} repetitions of ~${repetitionMs} ms each (µs per call):\n`,
);
console.error(table(['case', 'µs/call', 'added µs'], rows));
const verdict = healthAddedNs / 1000 <= TARGET_ADDED_MICROS ? 'within' : 'OVER';
console.error(
  `\nkernel overhead on GET /api/health: ${micros(healthAddedNs)} µs per request (${verdict} the ${TARGET_ADDED_MICROS} µs target)`,
);
for (const text of notes) console.error(`note: ${text}`);

async function measureUsersMe(): Promise<void> {
  const { closeDatabase, getDatabase } = await import('../../features/core/database/client');
  const { findUserById } = await import('../../features/accounts/repository/users');
  const handle = await getDatabase();
  await handle.migrate('drizzle');
  // The files may not exist when this script is type-checked: import them by computed URL.
  const load = async (file: string) => (await import(pathToFileURL(resolve(file)).href)) as RouteModule;
  const [register, token, me] = await Promise.all([
    load(authRoutes.register),
    load(authRoutes.token),
    load(authRoutes.me),
  ]);
  if (!register.POST || !token.POST || !me.GET) {
    notes.push('GET /api/users/me skipped: the auth route files export no POST / GET yet');
    return;
  }
  const credentials = { email: 'overhead@example.com', password: 'overhead-Password-123456' };
  const post = (path: string, body: unknown) =>
    new Request(`http://localhost${path}`, {
      method: 'POST',
      // The rate limiter keys on the rightmost X-Forwarded-For entry; in-process there is no socket.
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '127.0.0.1' },
      body: JSON.stringify(body),
    });
  const registered = route(register.POST, () =>
    post('/api/auth/register', { ...credentials, name: 'Overhead' }),
  );
  await expectStatus(registered, 201, 'POST /api/auth/register');
  const tokenResponse = await token.POST(post('/api/auth/token', credentials), context);
  const { access_token: accessToken } = (await tokenResponse.json()) as { access_token?: string };
  if (tokenResponse.status !== 200 || !accessToken) {
    notes.push(`GET /api/users/me skipped: POST /api/auth/token answered ${tokenResponse.status}`);
    return;
  }

  const meCase: Case = {
    name: 'GET /api/users/me (kernel + auth + DB)',
    call: route(
      me.GET,
      () =>
        new Request('http://localhost/api/users/me', { headers: { authorization: `Bearer ${accessToken}` } }),
    ),
  };
  await expectStatus(meCase.call, 200, 'GET /api/users/me');
  // The route's only query, as its repository issues it: the database round trip to subtract.
  const userId = (
    JSON.parse(Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString()) as { sub: string }
  ).sub;
  const query: Case = { name: '  its query: findUserById (repository)', call: () => findUserById(userId) };
  const times = await compare([meCase, query]);
  const meNs = times.get(meCase) ?? 0;
  const queryNs = times.get(query) ?? 0;
  rows.push([meCase.name, micros(meNs), `+${micros(meNs - bareNs)}`]);
  rows.push([query.name, micros(queryNs), '']);
  rows.push(['  /users/me minus its query', micros(meNs - queryNs), `+${micros(meNs - queryNs - bareNs)}`]);
  notes.push(
    '"minus its query" subtracts the repository call the guard makes (findUserById on in-memory PGlite): what is left is the kernel, the bearer check and the response check.',
  );
  await closeDatabase();
}
