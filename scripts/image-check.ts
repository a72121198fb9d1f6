// npm run image:check [-- --reuse-build] [--keep]
// Proves what the Dockerfile's image holds, without a container runtime (none can pull images here): builds the
// bundle the way the Dockerfile's build stage does (`npm run build:bundle`; --reuse-build takes the one
// `npm test` just built with the same command), lays out a fresh directory exactly as the runtime stage's COPY
// lines say (parsed from the Dockerfile), installs production dependencies only from the lockfile, then, as
// an unprivileged user (nobody, through setpriv, when run as root) with the application files read-only to it:
// migrates a fresh Postgres with the compiled migrate entry point (no tsx anywhere), creates an API key with
// the compiled keys entry point, starts the server the way the image's CMD does, runs the image's HEALTHCHECK
// command, and smoke-tests health, register, token, feed and /docs; then SIGTERM drains it (exit 0).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { createDatabase, dropDatabase } from '../tests/support/postgres';
import {
  healthcheckCommand,
  parseDockerfile,
  runtimeCommand,
  runtimeCopies,
  runtimeEnv,
} from './lib/dockerfile';

const { values } = parseArgs({
  options: { 'reuse-build': { type: 'boolean', default: false }, keep: { type: 'boolean', default: false } },
});
const started = performance.now();
const say = (message: string) =>
  console.error(`image:check ${((performance.now() - started) / 1000).toFixed(1)}s ${message}`);

const parsed = parseDockerfile(readFileSync('Dockerfile', 'utf8'));
const WORKDIR = '/app';
const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;

if (!values['reuse-build'] || !existsSync('.next/stylipp-server/main.mjs')) {
  say('building as the Dockerfile does: npm run build:bundle');
  execFileSync('npm', ['run', '--silent', 'build:bundle'], {
    stdio: 'inherit',
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
  });
}

// The runtime stage's files, from their stages: the build stage's are this checkout after the build; the
// production node_modules come from `npm ci --omit=dev` on package.json and the lockfile alone.
const app = mkdtempSync(join(tmpdir(), 'stylipp-image-'));
chmodSync(app, 0o755);
const dataDir = mkdtempSync(join(tmpdir(), 'stylipp-image-data-'));
chmodSync(dataDir, 0o700);
if (asRoot) execFileSync('chown', [`${NOBODY}:${NOBODY}`, dataDir]);
let database: { name: string; url: string } | undefined;
let server: ChildProcess | undefined;
try {
  for (const copy of runtimeCopies(parsed)) {
    for (const source of copy.sources) {
      if (copy.from === 'deps') continue; // below
      const from = relative(WORKDIR, source);
      const name = from.split('/').at(-1) as string;
      const destination = copy.destination.endsWith('/')
        ? join(app, relative(WORKDIR, join(WORKDIR, copy.destination)), name)
        : join(app, relative(WORKDIR, join(WORKDIR, copy.destination)));
      mkdirSync(dirname(destination), { recursive: true });
      // The build stage removes .next/cache before the runtime stage copies .next.
      cpSync(from, destination, { recursive: true, filter: (path) => !path.startsWith('.next/cache') });
    }
  }
  cpSync('package.json', join(app, 'package.json'));
  cpSync('package-lock.json', join(app, 'package-lock.json'));
  say(`installing production dependencies in ${app}: npm ci --omit=dev`);
  execFileSync('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline'], {
    cwd: app,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  // (@playwright/test does come along: an optional peer of next, which npm marks devOptional and keeps.)
  for (const devOnly of ['tsx', 'typescript', 'drizzle-kit', 'esbuild', '@biomejs/biome'])
    if (existsSync(join(app, 'node_modules', devOnly)))
      throw new Error(`a dev dependency reached the image: ${devOnly}`);

  // The image runs the base image's Node 24; here, the `node` package's binary (a production dependency).
  const node = join(app, 'node_modules', '.bin', 'node');
  const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
  if (!version.startsWith('v24.')) throw new Error(`expected Node 24, got ${version}`);

  database = await createDatabase('stylipp_image');
  const port = await freePort();
  const env = {
    PATH: '/usr/local/bin:/usr/bin:/bin', // no node_modules/.bin, no tsx
    NODE_ENV: 'production',
    ...runtimeEnv(parsed),
    DATA_DIR: dataDir,
    HOST: '127.0.0.1', // the image listens on 0.0.0.0; this machine's rule is loopback only
    PORT: String(port),
    DATABASE_URL: database.url,
    AUTH_SECRET: `image-check-${Math.random().toString(36).slice(2)}-${'x'.repeat(32)}`,
    APP_URL: `http://localhost:${port}`,
    CORS_ORIGINS: 'https://stylipp.com',
    LOG_LEVEL: 'info',
  } as NodeJS.ProcessEnv;
  const asUser = (command: string[]): [string, string[]] =>
    asRoot
      ? ['setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', '--', ...command]]
      : [command[0] as string, command.slice(1)];
  const run = (command: string[]) => {
    const [file, args] = asUser(command);
    return execFileSync(file, args, {
      cwd: app,
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
  };
  const withNode = (command: string[]) => (command[0] === 'node' ? [node, ...command.slice(1)] : command);

  say(`migrating a fresh Postgres database (${database.name}) with node .next/stylipp-server/migrate.mjs`);
  process.stderr.write(run([node, '.next/stylipp-server/migrate.mjs']));
  const key = run([
    node,
    '.next/stylipp-server/keys.mjs',
    'create',
    '--name',
    'image-check',
    '--scope',
    'catalog:write',
    '--store',
    'image-check',
  ])
    .trim()
    .split('\n')
    .at(-1);
  if (!key?.startsWith('stylipp_')) throw new Error(`keys create printed no key: ${key}`);

  const command = runtimeCommand(parsed);
  if (!command) throw new Error('the Dockerfile has no exec-form CMD');
  say(`starting the image's CMD as ${asRoot ? 'nobody' : 'this user'}: ${command.join(' ')}`);
  const [file, args] = asUser(withNode(command));
  const child: ChildProcess = spawn(file, args, { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] });
  server = child;
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const base = `http://127.0.0.1:${port}`;
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode})\n${output}`);
    if (
      await fetch(`${base}/api/health`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    if (attempt > 600) throw new Error(`the server never became healthy\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (asRoot) {
    const uid = readFileSync(`/proc/${child.pid}/status`, 'utf8').match(/^Uid:\s+(\d+)/m)?.[1];
    if (Number(uid) !== NOBODY) throw new Error(`the server runs as uid ${uid}, not nobody`);
  }

  const health = healthcheckCommand(parsed);
  if (!health) throw new Error('the Dockerfile has no exec-form HEALTHCHECK');
  run(withNode(health));
  say('HEALTHCHECK passed; smoke test');

  const expectStatus = async (response: Response, status: number, what: string) => {
    if (response.status !== status)
      throw new Error(`${what}: ${response.status} (expected ${status}) ${await response.text()}\n${output}`);
    return response;
  };
  await expectStatus(await fetch(`${base}/api/health`), 200, 'GET /api/health');
  await expectStatus(await fetch(`${base}/api/health/ready`), 200, 'GET /api/health/ready');
  const email = `image-check-${Date.now()}@example.com`;
  const password = 'correct horse battery staple 42';
  await expectStatus(
    await fetch(`${base}/api/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    }),
    201,
    'POST /api/auth/register',
  );
  const token = (await (
    await expectStatus(
      await fetch(`${base}/api/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'password', username: email, password }),
      }),
      200,
      'POST /api/auth/token',
    )
  ).json()) as { access_token: string };
  const feed = (await (
    await expectStatus(
      await fetch(`${base}/api/feed`, { headers: { authorization: `Bearer ${token.access_token}` } }),
      200,
      'GET /api/feed',
    )
  ).json()) as { feedMode: string };
  await expectStatus(await fetch(`${base}/docs`), 200, 'GET /docs (Next, from the copied build)');
  say(`smoke test passed (feed mode ${feed.feedMode}); SIGTERM`);

  child.kill('SIGTERM');
  const code = await exited;
  server = undefined;
  if (code !== 0 || !/"msg":"shut down","signal":"SIGTERM","drained":true/.test(output))
    throw new Error(`the server did not drain on SIGTERM (exit ${code})\n${output}`);
  say('passed: production dependencies only, unprivileged, compiled migrate/keys, smoke test, drained');
} finally {
  server?.kill('SIGKILL');
  if (database) await dropDatabase(database.name).catch(() => {});
  if (!values.keep) {
    rmSync(app, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  } else say(`kept ${app} and ${dataDir}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
