// npm run bench — HTTP load test of the production build (our own server, `npm start`, or with --host next
// `next start` serving the route.ts files; on Postgres, a fresh database) against
// a floor (bare node:http in a process of its own), in interleaved rounds so drift (thermal, other load) hits both.
// Options: --connections 32 --duration 5 (s per measurement) --rounds 3 --warmup 3 (s per operation);
// --only heavy runs just the heavy-work figures (scripts/bench/heavy.ts): descriptors after 500 HEADs, peak RSS
// with ten concurrent 10 MiB uploads, health p99 idle / during a login flood / during an upload flood;
// --host own|next picks the host.
// Postgres: BENCH_DATABASE_URL, else TEST_POSTGRES_URL, else postgres://postgres@127.0.0.1:5432/postgres.
// Writes bench-results/bench-<timestamp>.json and prints a table.
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { benchHeavy, HEAVY_ENV, type HeavyFigures } from './heavy';
import {
  buildIfNeeded,
  groupCpuMicros,
  type LoadRequest,
  listeningPid,
  load,
  median,
  megabytes,
  rssBytes,
  startFloor,
  table,
} from './lib';

const { values: args } = parseArgs({
  options: {
    connections: { type: 'string', default: '32' },
    duration: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '3' },
    only: { type: 'string', default: 'all' },
    host: { type: 'string', default: 'own' },
  },
});
const heavyOnly = args.only === 'heavy';
const connections = Number(args.connections);
const duration = Number(args.duration);
const rounds = Number(args.rounds);
const warmup = Number(args.warmup);
const host = args.host === 'next' ? 'next' : 'own';
const hostName = host === 'own' ? 'npm start (our server)' : 'next start';
// Enough parallel logins to keep all 4 libuv threadpool workers (where @node-rs/argon2 hashes) busy.
const LOGIN_CONNECTIONS = 4;
const LEAK_CHECKPOINTS = [10_000, 50_000];

process.chdir(fileURLToPath(new URL('../..', import.meta.url)));
// tests/support/postgres.ts reads TEST_POSTGRES_URL when it loads: set it first, then import dynamically.
if (process.env.BENCH_DATABASE_URL) process.env.TEST_POSTGRES_URL = process.env.BENCH_DATABASE_URL;
const { postgresUnavailableReason } = await import('../../tests/support/postgres');
const { prepareDatabase, runMigrations, startServer } = await import('../../tests/support/server');
const { freePort } = await import('../../tests/support/ports');

interface Target {
  url: string;
  /** Process group charged for CPU. */
  pgid: number;
  /** The process holding the listening socket: its RSS is reported. */
  pid: number;
}

interface Operation {
  name: string;
  target: Target;
  request: LoadRequest;
  /** Load applied in parallel while `request` is measured (health while logins run). */
  background?: LoadRequest;
}

interface Sample {
  round: number;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  /** Server CPU over every request it served in the window (including background ones). */
  cpuMicrosPerRequest: number;
  rssBytes: number | undefined;
  backgroundReqPerSec?: number;
  /** This sample's req/s and CPU per request relative to the floor's in the same round. */
  vsFloor?: { reqPerSec: number; cpuPerRequest: number };
}

const notes: string[] = [];
const note = (text: string) => {
  notes.push(text);
  console.log(`bench: ${text}`);
};

const postgresProblem = await postgresUnavailableReason();
if (postgresProblem) {
  console.error(`bench: ${postgresProblem}`);
  process.exit(1);
}
if (await buildIfNeeded('bench')) note('built the production bundle first');

// Teardown in reverse order of start-up, also on Ctrl-C (a `finally` would not run then).
const teardown: (() => Promise<unknown>)[] = [];
const tearDown = async () => {
  for (const step of teardown.reverse()) await step().catch((error) => console.error(`bench: ${error}`));
  teardown.length = 0;
};
process.once('SIGINT', () => void tearDown().finally(() => process.exit(130)));

try {
  const database = await prepareDatabase('pg');
  teardown.push(database.cleanup);
  await runMigrations(database.env);

  const floorPort = await freePort();
  const floorServer = await startFloor(floorPort);
  teardown.push(floorServer.stop);
  const floorPid = floorServer.process.pid as number;
  const floor: Target = { url: floorServer.url, pgid: floorPid, pid: listeningPid(floorPid, floorPort) };

  const port = await freePort();
  const spawned = performance.now();
  // startServer polls every 100 ms; a 10 ms poll of our own times the first 200 more precisely.
  const firstHealthy = pollFirstOk(`http://127.0.0.1:${port}/api/health`, spawned + 60_000);
  const next = await startServer({
    port,
    host,
    env: {
      ...database.env,
      LOG_LEVEL: 'warn',
      RATE_LIMIT_AUTH_PER_IP: '1000000',
      RATE_LIMIT_AUTH_PER_ACCOUNT: '1000000',
      ...HEAVY_ENV,
    },
  });
  teardown.push(() => next.stop());
  if (next.process.exitCode !== null) throw new Error(`${hostName} exited early:\n${next.output()}`);
  const spawnToFirst200Ms = Math.round((await firstHealthy) - spawned);
  const nextPgid = next.process.pid as number;
  const server: Target = { url: next.url, pgid: nextPgid, pid: listeningPid(nextPgid, port) };
  console.log(`bench: ${hostName} → first 200 on /api/health in ${spawnToFirst200Ms} ms`);

  const auth = await prepareAuth(server.url);
  const runHeavy = async (): Promise<HeavyFigures> => {
    if (!auth.me || !auth.login) throw new Error('the heavy-work figures need auth');
    const heavy = await benchHeavy({
      url: server.url,
      pid: server.pid,
      authorization: auth.me.headers?.authorization ?? '',
      login: auth.login,
      seconds: duration,
      log: (text) => console.log(`bench: ${text}`),
    });
    const file = `bench-results/bench-heavy-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
    mkdirSync('bench-results', { recursive: true });
    writeFileSync(
      file,
      `${JSON.stringify({ machine: { cpus: availableParallelism(), node: process.version }, heavy, notes }, null, 2)}\n`,
    );
    console.log(`heavy-work results: ${file}`);
    return heavy;
  };
  if (heavyOnly) await runHeavy();
  if (!heavyOnly) {
    const health: LoadRequest = { path: '/api/health' };
    // The heavy phase last, on a server that has served everything else.
    const operations: Operation[] = [
      { name: 'floor GET /health (node:http)', target: floor, request: health },
      { name: 'GET /api/health', target: server, request: health },
    ];
    if (auth.me) operations.push({ name: 'GET /api/users/me', target: server, request: auth.me });
    if (auth.login) {
      operations.push({ name: 'POST /api/auth/token', target: server, request: auth.login });
      operations.push({
        name: `GET /api/health during logins (${LOGIN_CONNECTIONS} conn)`,
        target: server,
        request: health,
        background: auth.login,
      });
    }

    // Leak check first, on a server that has served nothing else yet: RSS at fixed request counts.
    const leakRequest = auth.me ?? health;
    const leak = {
      operation: `${leakRequest.method ?? 'GET'} ${leakRequest.path}`,
      rssAtFirst200Bytes: rssBytes(server.pid),
      /** Requests served (since start) → RSS in bytes after them. */
      rssAfterBytes: {} as Record<number, number | undefined>,
    };
    let served = 0;
    for (const checkpoint of LEAK_CHECKPOINTS) {
      await load(server.url, leakRequest, { connections, amount: checkpoint - served });
      served = checkpoint;
      leak.rssAfterBytes[checkpoint] = rssBytes(server.pid);
    }
    const rssLine = LEAK_CHECKPOINTS.map(
      (count) => `${count} req → ${megabytes(leak.rssAfterBytes[count])} MB`,
    );
    console.log(
      `bench: RSS on ${leak.operation}: first 200 → ${megabytes(leak.rssAtFirst200Bytes)} MB, ${rssLine.join(', ')}`,
    );

    console.log(`bench: warming up ${operations.length} operations, ${warmup} s each…`);
    for (const operation of operations) await measure(operation, warmup);

    const samples = new Map<Operation, Sample[]>(operations.map((operation) => [operation, []]));
    for (let round = 1; round <= rounds; round++) {
      // A B C…, then …C B A: each operation runs early in some rounds and late in others.
      const order = round % 2 === 1 ? operations : [...operations].reverse();
      console.log(`bench: round ${round}/${rounds}: ${order.map((operation) => operation.name).join(' → ')}`);
      for (const operation of order)
        samples.get(operation)?.push({ round, ...(await measure(operation, duration)) });
      const floorSample = samples.get(operations[0] as Operation)?.at(-1) as Sample;
      for (const operation of operations) {
        const sample = samples.get(operation)?.at(-1) as Sample;
        sample.vsFloor = {
          reqPerSec: sample.reqPerSec / floorSample.reqPerSec,
          cpuPerRequest: sample.cpuMicrosPerRequest / floorSample.cpuMicrosPerRequest,
        };
      }
    }

    const summary = operations.map((operation) => summarise(operation, samples.get(operation) ?? []));
    const results = {
      startedAt: new Date().toISOString(),
      machine: { cpus: availableParallelism(), cpuModel: cpus()[0]?.model, node: process.version },
      options: { connections, duration, rounds, warmup, loginConnections: LOGIN_CONNECTIONS, database: 'pg' },
      spawnToFirst200Ms,
      leak,
      notes,
      operations: summary,
    };
    mkdirSync('bench-results', { recursive: true });
    const file = `bench-results/bench-${results.startedAt.replace(/[:.]/g, '-')}.json`;
    writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);

    console.log(
      `\nMedians of ${rounds} round(s), ${duration} s each, ${connections} connections; × floor = same round;` +
        " latencies at autocannon's 1 ms resolution.\n",
    );
    console.log(
      table(
        [
          'operation',
          'req/s',
          'p50 ms',
          'p99 ms',
          'non-2xx',
          'errors',
          'CPU µs/req',
          'RSS MB',
          'req/s × floor',
          'CPU × floor',
        ],
        summary.map((row) => [
          row.name,
          row.reqPerSec.toFixed(0),
          row.p50Ms.toFixed(0),
          row.p99Ms.toFixed(0),
          String(row.non2xx),
          String(row.errors),
          row.cpuMicrosPerRequest.toFixed(0),
          megabytes(row.rssBytes),
          `${row.vsFloor.reqPerSec.toFixed(2)}×`,
          `${row.vsFloor.cpuPerRequest.toFixed(1)}×`,
        ]),
      ),
    );
    const during = summary.find((row) => row.backgroundReqPerSec !== undefined);
    if (during) {
      console.log(
        `\n"during logins": ${during.backgroundReqPerSec?.toFixed(0)} logins/s ran alongside; its CPU µs/req counts both kinds of request.`,
      );
    }
    console.log(
      `\nspawn → first 200: ${spawnToFirst200Ms} ms; RSS on ${leak.operation}: ${rssLine.join(', ')}`,
    );
    console.log(`results: ${file}`);
    for (const text of notes) console.log(`note: ${text}`);
  }
} finally {
  await tearDown();
}

/** Resolves with the performance.now() of the first 200 from `url`. */
async function pollFirstOk(url: string, deadline: number): Promise<number> {
  while (performance.now() < deadline) {
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      if (response.status === 200) return performance.now();
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`${url} never answered 200`);
}

/**
 * Registers a bench user and logs in once, to learn which auth operations exist. A 404 (or any other
 * unexpected answer) skips the operations that depend on it, with a note, so the bench runs before the auth
 * feature lands and picks it up afterwards without changes.
 */
async function prepareAuth(base: string): Promise<{ login?: LoadRequest; me?: LoadRequest }> {
  const email = `bench-${Date.now()}@example.com`;
  const password = 'bench-Password-123456';
  const json = { 'content-type': 'application/json' };
  const skipped = 'skipping GET /api/users/me, POST /api/auth/token and health during logins';

  const register = await fetch(`${base}/api/auth/register`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ email, password, name: 'Bench User' }),
  });
  if (register.status !== 201) {
    note(`POST /api/auth/register answered ${register.status} (auth not landed yet?): ${skipped}`);
    return {};
  }
  const login: LoadRequest = {
    path: '/api/auth/token',
    method: 'POST',
    headers: json,
    body: JSON.stringify({ email, password }),
  };
  const token = await fetch(`${base}${login.path}`, login as RequestInit);
  const tokenBody = (await token.json().catch(() => ({}))) as { access_token?: unknown };
  if (token.status !== 200 || typeof tokenBody.access_token !== 'string') {
    note(`POST /api/auth/token answered ${token.status} without an access_token: ${skipped}`);
    return {};
  }
  const me: LoadRequest = {
    path: '/api/users/me',
    headers: { authorization: `Bearer ${tokenBody.access_token}` },
  };
  const meResponse = await fetch(`${base}${me.path}`, me as RequestInit);
  if (meResponse.status !== 200) {
    note(`GET /api/users/me answered ${meResponse.status}: skipping it`);
    return { login };
  }
  return { login, me };
}

/** One timed run of an operation, with the server's CPU and RSS read around it. */
async function measure(operation: Operation, seconds: number): Promise<Omit<Sample, 'round' | 'vsFloor'>> {
  const { target } = operation;
  const cpuBefore = groupCpuMicros(target.pgid);
  const [result, background] = await Promise.all([
    load(target.url, operation.request, { connections, duration: seconds }),
    operation.background
      ? load(target.url, operation.background, { connections: LOGIN_CONNECTIONS, duration: seconds })
      : undefined,
  ]);
  const cpuMicros = groupCpuMicros(target.pgid) - cpuBefore;
  const served = result.requests.total + (background?.requests.total ?? 0);
  return {
    reqPerSec: result.requests.total / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx + (background?.non2xx ?? 0),
    // autocannon counts timeouts among its errors.
    errors: result.errors + (background?.errors ?? 0),
    cpuMicrosPerRequest: cpuMicros / Math.max(served, 1),
    rssBytes: rssBytes(target.pid),
    ...(background ? { backgroundReqPerSec: background.requests.total / background.duration } : {}),
  };
}

function summarise(operation: Operation, samples: Sample[]) {
  const of = (pick: (sample: Sample) => number) => median(samples.map(pick));
  const background = samples.flatMap((sample) => sample.backgroundReqPerSec ?? []);
  return {
    name: operation.name,
    reqPerSec: of((sample) => sample.reqPerSec),
    p50Ms: of((sample) => sample.p50Ms),
    p99Ms: of((sample) => sample.p99Ms),
    non2xx: samples.reduce((sum, sample) => sum + sample.non2xx, 0),
    errors: samples.reduce((sum, sample) => sum + sample.errors, 0),
    cpuMicrosPerRequest: of((sample) => sample.cpuMicrosPerRequest),
    rssBytes: samples.at(-1)?.rssBytes,
    vsFloor: {
      reqPerSec: of((sample) => sample.vsFloor?.reqPerSec ?? Number.NaN),
      cpuPerRequest: of((sample) => sample.vsFloor?.cpuPerRequest ?? Number.NaN),
    },
    ...(background.length > 0 ? { backgroundReqPerSec: median(background) } : {}),
    rounds: samples,
  };
}
