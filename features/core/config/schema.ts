import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';

// The environment → the app's typed config, in one zod schema read top-down: how each variable parses (with its
// default), the rules that span variables, then one transform that groups them into `AppConfig`. `config.ts`
// feeds it the real environment. Its one I/O is the development secret (developmentSecret, at the end).

// ── How a variable parses ───────────────────────────────────────────────────────────────────────────────────────

/** Every variable: unset and blank mean the same (not set), so `FOO=` in an env file takes the default. */
const variable = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (typeof value === 'string' && value.trim() === '' ? undefined : value), schema);

const text = variable(z.string().optional());

const flag = z
  .enum(['true', 'false'], { error: 'expected true or false' })
  .transform((value) => value === 'true');

/** A whole number of `unit` in [min, max]; `fallback` when unset. */
const wholeNumber =
  (unit: string) =>
  (fallback: number, { min = 1, max = Number.MAX_SAFE_INTEGER }: { min?: number; max?: number } = {}) => {
    const range = max === Number.MAX_SAFE_INTEGER ? `, at least ${min}` : ` from ${min} to ${max}`;
    const error = `expected a whole number${unit}${range}`;
    return variable(
      z.coerce.number({ error }).int({ error }).min(min, { error }).max(max, { error }).default(fallback),
    );
  };
const count = wholeNumber('');
const seconds = wholeNumber(' of seconds');
const milliseconds = wholeNumber(' of milliseconds');
const bytes = wholeNumber(' of bytes');

/** A comma-separated list; blank items are dropped. */
const list = <T extends z.ZodType<unknown, string>>(item: T) =>
  variable(
    z
      .string()
      .transform((value) =>
        value
          .split(',')
          .map((entry) => entry.trim())
          .filter(Boolean),
      )
      .pipe(z.array(item))
      .optional(),
  );

/** A JSON object keyed by store id; unset → `{}`. Bad JSON or a bad shape is reported with `example`, never echoed. */
const storeJson = <T extends z.ZodType>(value: T, example: string) => {
  const error = `expected JSON like ${example}`;
  return variable(
    z
      .string()
      .default('{}')
      .transform((text, ctx) => {
        try {
          return JSON.parse(text) as unknown;
        } catch {
          ctx.addIssue({ code: 'custom', message: error });
          return z.NEVER;
        }
      })
      .pipe(z.record(z.string().min(1).max(100), value, { error })),
  );
};

/** A URL whose scheme is one of `schemes` and that names a host. The message never echoes the value (passwords). */
const url = (schemes: readonly string[], message: string) =>
  variable(
    z
      .string()
      .refine((value) => hasHost(value, schemes), { message })
      .optional(),
  );

function hasHost(value: string, schemes: readonly string[]): boolean {
  if (!URL.canParse(value)) return false;
  const parsed = new URL(value);
  return schemes.includes(parsed.protocol) && parsed.hostname !== '';
}

const httpUrl = url(['http:', 'https:'], 'expected an absolute http(s) URL such as https://api.stylipp.com');

/** A link of the web app: an absolute http(s) URL with a `{token}` placeholder. */
const linkTemplate = variable(
  z
    .string()
    .refine(
      (value) => value.includes('{token}') && hasHost(value.replace('{token}', 't'), ['http:', 'https:']),
      {
        message:
          'expected an absolute http(s) URL containing {token}, e.g. https://stylipp.com/reset-password?token={token}',
      },
    )
    .optional(),
);

const origin = z
  .string()
  .refine((value) => hasHost(value, ['http:', 'https:']) && new URL(value).origin === value, {
    message:
      'expected a comma-separated list of origins like https://app.example.com (no path, no trailing /)',
  });

const hostName = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/, 'a lower-case host name');

/** Query parameters the click-out adds to a store's product URLs. */
const queryParameters = z.record(z.string().min(1).max(100), z.string().max(500));

// ── The variables ───────────────────────────────────────────────────────────────────────────────────────────────

const variables = z.object({
  NODE_ENV: variable(z.enum(['development', 'production', 'test']).default('development')),
  DATABASE_URL: variable(
    z
      .string()
      .refine((value) => value === 'memory://' || hasHost(value, ['postgres:', 'postgresql:']), {
        message:
          'expected memory:// or a postgres:// / postgresql:// URL (leave unset for the embedded database)',
      })
      .optional(),
  ),
  DATABASE_DRIVER: variable(z.enum(['pglite', 'pg', 'neon']).optional()),
  DATABASE_POOL_MAX: count(10, { max: 1000 }),
  DATABASE_STATEMENT_TIMEOUT_MS: milliseconds(10_000),
  DATABASE_CONNECT_TIMEOUT_MS: milliseconds(5_000),
  NEON_WS_PROXY: text,
  NEON_WS_INSECURE: variable(flag.default(false)),
  DATA_DIR: variable(z.string().default('.data')),
  TEMP_DIR: text,
  AUTH_SECRET: text,
  NEXTAUTH_SECRET: text,
  APP_URL: httpUrl,
  NEXTAUTH_URL: httpUrl,
  CORS_ORIGINS: list(origin),
  LOG_LEVEL: variable(
    z
      .string()
      .toLowerCase()
      .pipe(z.enum(['debug', 'info', 'warn', 'error', 'silent']))
      .optional(),
  ),
  /** `true` or `1` means LOG_LEVEL=debug (when LOG_LEVEL is unset); anything else is ignored. */
  DEBUG: text,
  PORT: count(8000, { max: 65_535 }),
  /** Interface `npm start` listens on. */
  HOST: variable(z.string().default('127.0.0.1')),
  TRUSTED_PROXIES: count(0, { min: 0, max: 10 }),
  AUTH_ACCESS_TOKEN_TTL_SECONDS: seconds(15 * 60),
  AUTH_REFRESH_TOKEN_TTL_SECONDS: seconds(30 * 24 * 60 * 60),
  SERVER_MAX_CONNECTIONS: count(1024, { max: 1_000_000 }),
  RATE_LIMIT_WINDOW_SECONDS: seconds(60),
  RATE_LIMIT_AUTH_PER_IP: count(30),
  RATE_LIMIT_AUTH_PER_ACCOUNT: count(10),
  SHUTDOWN_GRACE_MS: milliseconds(10_000),
  // Heavy work leaves a core to the event loop: on 2 cores one argon2 and one image at a time.
  PASSWORD_HASHING_CONCURRENCY: count(Math.max(1, availableParallelism() - 1), { max: 64 }),
  PASSWORD_HASHING_QUEUE: count(64, { min: 0, max: 100_000 }),
  IMAGE_PROCESSING_CONCURRENCY: count(Math.max(1, Math.floor(availableParallelism() / 2)), { max: 64 }),
  IMAGE_PROCESSING_QUEUE: count(16, { min: 0, max: 100_000 }),
  HEAVY_WORK_PRIORITY: variable(z.enum(['idle', 'low', 'normal']).default('idle')),
  UPLOADS_STORAGE: variable(z.enum(['disk', 's3']).default('disk')),
  UPLOADS_DIR: text,
  UPLOAD_MAX_BYTES: bytes(10 * 1024 * 1024),
  UPLOADS_PER_USER_MAX_COUNT: count(500),
  UPLOADS_PER_USER_MAX_BYTES: bytes(1024 * 1024 * 1024),
  UPLOADS_RATE_LIMIT: count(30),
  UPLOADS_RATE_LIMIT_WINDOW_SECONDS: seconds(600),
  UPLOADS_ORPHAN_GRACE_SECONDS: seconds(3600, { min: 0, max: 100_000 }),
  UPLOADS_SWEEP_INTERVAL_SECONDS: seconds(3600, { min: 0, max: 100_000 }),
  S3_BUCKET: text,
  S3_ENDPOINT: httpUrl,
  S3_REGION: variable(z.string().default('us-east-1')),
  S3_ACCESS_KEY_ID: text,
  S3_SECRET_ACCESS_KEY: text,
  S3_FORCE_PATH_STYLE: variable(flag.default(false)),
  IMAGE_FETCH_ALLOW_PRIVATE: variable(flag.optional()),
  IMAGE_FETCH_TIMEOUT_MS: milliseconds(10_000, { max: 120_000 }),
  CATALOG_AUTO_SEED: variable(flag.optional()),
  CLUSTER_SEED: count(42, { max: 2 ** 31 - 1 }),
  CLUSTER_CHECK_INTERVAL_SECONDS: seconds(60),
  JOBS_LEASE_SECONDS: seconds(60, { max: 3600 }),
  JOBS_POLL_SECONDS: seconds(5, { max: 3600 }),
  JOBS_ENABLED: variable(flag.default(true)),
  CRON_SECRET: variable(z.string().min(32).optional()),
  METRICS_PORT: count(0, { min: 0, max: 65_535 }),
  // {"storeId": {"param": "value"}}: older than STORES, which wins for the stores it lists.
  AFFILIATE_PARAMS: storeJson(queryParameters, '{"store-a": {"utm_source": "stylipp", "aff_id": "123"}}'),
  APP_NAME: variable(z.string().max(100).default('Stylipp')),
  SMTP_URL: url(['smtp:', 'smtps:'], 'expected smtp://[user:pass@]host[:port] or smtps://…'),
  MAIL_FROM: text,
  FRONTEND_URL: httpUrl,
  PASSWORD_RESET_URL: linkTemplate,
  EMAIL_VERIFICATION_URL: linkTemplate,
  PASSWORD_RESET_TTL_SECONDS: seconds(30 * 60, { max: 24 * 60 * 60 }),
  EMAIL_VERIFICATION_TTL_SECONDS: seconds(24 * 60 * 60, { max: 30 * 24 * 60 * 60 }),
  // ≤ 1 h: a window no longer than the shortest the limits use (rate-limit rows are kept a day, server/retention.ts).
  MAIL_RATE_LIMIT_WINDOW_SECONDS: seconds(15 * 60, { max: 60 * 60 }),
  MAIL_RATE_LIMIT_PER_ACCOUNT: count(3),
  MAIL_RATE_LIMIT_PER_IP: count(10),
  // {"storeId": {"hosts": ["shop.example.com"], "affiliateParams": {"aff": "1"}}}: one place per store for the
  // hosts its product URLs may name (the host itself or a subdomain) and the click-out's affiliate parameters.
  STORES: storeJson(
    z.object({ hosts: z.array(hostName).min(1), affiliateParams: queryParameters.default({}) }),
    '{"store-a": {"hosts": ["shop-a.com"], "affiliateParams": {"aff": "1"}}}',
  ),
  // Traces (features/core/tracing): on when the OTLP endpoint is set; the names are OpenTelemetry's own.
  OTEL_EXPORTER_OTLP_ENDPOINT: httpUrl,
  OTEL_SERVICE_NAME: variable(z.string().max(100).default('stylipp-api')),
  OTEL_BSP_SCHEDULE_DELAY: milliseconds(5000, { max: 60_000 }),
  /** The share of requests traced when no caller decided (a `traceparent`): 0…1. */
  OTEL_TRACES_SAMPLER_ARG: variable(z.coerce.number().min(0).max(1).default(1)),
});

type Variables = z.output<typeof variables>;
type Variable = keyof Variables;

// ── Rules across variables ──────────────────────────────────────────────────────────────────────────────────────

/**
 * A rule that reads several variables. It runs whenever those variables parsed, even if others did not, so one
 * message lists every problem; `check` returns the problem (variable and message), or nothing.
 */
const rule = (reads: readonly Variable[], check: (env: Variables) => Problem | undefined) =>
  z.superRefine<Variables>(
    (env, ctx) => {
      const problem = check(env);
      if (problem) ctx.addIssue({ code: 'custom', path: [problem.variable], message: problem.message });
    },
    { when: ({ issues }) => !issues.some((issue) => reads.includes(issue.path?.[0] as Variable)) },
  );

const rules = [
  rule(['NODE_ENV', 'AUTH_SECRET', 'NEXTAUTH_SECRET'], (env) => {
    if (env.NODE_ENV === 'development') return undefined; // the development secret (below) stands in
    const message = secretProblem(env.AUTH_SECRET ?? env.NEXTAUTH_SECRET);
    return message === undefined ? undefined : { variable: 'AUTH_SECRET', message };
  }),
  // An implicit embedded database in production means a redeploy silently starts from an empty one.
  rule(['NODE_ENV', 'DATABASE_URL', 'DATABASE_DRIVER'], (env) => {
    if (env.DATABASE_URL !== undefined || env.DATABASE_DRIVER === 'pglite') return undefined;
    if (env.DATABASE_DRIVER !== undefined)
      return { variable: 'DATABASE_URL', message: `required when DATABASE_DRIVER=${env.DATABASE_DRIVER}` };
    if (env.NODE_ENV !== 'production') return undefined;
    return {
      variable: 'DATABASE_URL',
      message:
        'required in production: a postgres:// URL, or DATABASE_DRIVER=pglite to choose the embedded database at $DATA_DIR/pglite explicitly',
    };
  }),
  rule(['NODE_ENV', 'APP_URL', 'NEXTAUTH_URL'], (env) =>
    env.NODE_ENV === 'production' && env.APP_URL === undefined && env.NEXTAUTH_URL === undefined
      ? {
          variable: 'APP_URL',
          message:
            'required in production: the public origin (cookies, links, same-origin checks), e.g. https://api.stylipp.com',
        }
      : undefined,
  ),
  // Photos filling their directory must not stop the database: never inside the embedded database's directory.
  rule(['UPLOADS_STORAGE', 'UPLOADS_DIR', 'DATA_DIR'], (env) => {
    // Paths of the running configuration, not files of the build: the bundler must not trace them (it would trace
    // the whole project into the server output).
    const uploadsDir = resolve(/* turbopackIgnore: true */ uploadsDirOf(env));
    const pgliteDir = resolve(/* turbopackIgnore: true */ `${env.DATA_DIR}/pglite`);
    const inside = (a: string, b: string) => `${a}/`.startsWith(`${b}/`);
    return env.UPLOADS_STORAGE === 'disk' && (inside(uploadsDir, pgliteDir) || inside(pgliteDir, uploadsDir))
      ? {
          variable: 'UPLOADS_DIR',
          message: `must neither be nor contain nor sit inside the embedded database's directory (${pgliteDir})`,
        }
      : undefined;
  }),
  rule(['UPLOADS_STORAGE', 'S3_BUCKET'], (env) =>
    env.UPLOADS_STORAGE === 's3' && !env.S3_BUCKET
      ? { variable: 'S3_BUCKET', message: 'required when UPLOADS_STORAGE=s3' }
      : undefined,
  ),
];

const PLACEHOLDER_SECRET =
  /^(changeme|change-me|change_me|secret|your[-_ ]?secret.*|replace[-_ ]?me.*|x+|0+|todo)$/i;
const MIN_SECRET_LENGTH = 32;

function secretProblem(secret: string | undefined): string | undefined {
  const hint = 'generate one with `openssl rand -base64 48`';
  if (secret === undefined) return `required outside development (${hint})`;
  if (secret.length < MIN_SECRET_LENGTH) return `must be at least ${MIN_SECRET_LENGTH} characters (${hint})`;
  if (PLACEHOLDER_SECRET.test(secret) || /change.?me|placeholder|example/i.test(secret))
    return `looks like a placeholder (${hint})`;
  return undefined;
}

// ── The config ──────────────────────────────────────────────────────────────────────────────────────────────────

const DEFAULT_CORS_ORIGINS = ['http://localhost:5173', 'https://stylipp.com'];
// Production never trusts a local development origin by default; listing one in CORS_ORIGINS still works.
const DEFAULT_PRODUCTION_CORS_ORIGINS = ['https://stylipp.com'];

/** The environment → the config. Every variable keeps the meaning the table in README.md gives it. */
export const configSchema = variables.check(...rules).transform((env) => {
  const isProduction = env.NODE_ENV === 'production';
  const appUrl = (env.APP_URL ?? env.NEXTAUTH_URL ?? `http://localhost:${env.PORT}`).replace(/\/$/, '');
  return {
    env: env.NODE_ENV,
    isProduction,
    port: env.PORT,
    host: env.HOST,
    /** Reverse-proxy hops in front of `npm start` whose X-Forwarded-For entries are believed (0: the socket's peer is the client). */
    trustedProxies: env.TRUSTED_PROXIES,
    /** Open connections `npm start` accepts at once; the next ones are closed at once. */
    maxConnections: env.SERVER_MAX_CONNECTIONS,
    dataDir: env.DATA_DIR,
    /** Request files in flight (multipart parts, re-encoded images); stale ones are swept. */
    tempDir: env.TEMP_DIR ?? `${env.DATA_DIR}/tmp`,
    database: databaseOf(env),
    /** Required outside development (the rules above); in development generated once under the data dir. */
    authSecret: env.AUTH_SECRET ?? env.NEXTAUTH_SECRET ?? developmentSecret(env.DATA_DIR),
    appUrl,
    corsOrigins: env.CORS_ORIGINS ?? (isProduction ? DEFAULT_PRODUCTION_CORS_ORIGINS : DEFAULT_CORS_ORIGINS),
    logLevel: env.LOG_LEVEL ?? (env.DEBUG === 'true' || env.DEBUG === '1' ? 'debug' : 'info'),
    auth: {
      accessTokenTtlSeconds: env.AUTH_ACCESS_TOKEN_TTL_SECONDS,
      refreshTokenTtlSeconds: env.AUTH_REFRESH_TOKEN_TTL_SECONDS,
    },
    rateLimit: {
      windowSeconds: env.RATE_LIMIT_WINDOW_SECONDS,
      authPerIp: env.RATE_LIMIT_AUTH_PER_IP,
      authPerAccount: env.RATE_LIMIT_AUTH_PER_ACCOUNT,
    },
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
    catalog: {
      /** Image URLs may resolve to loopback/private/link-local addresses (development and tests only). */
      fetchAllowPrivate: env.IMAGE_FETCH_ALLOW_PRIVATE ?? !isProduction,
      fetchTimeoutMs: env.IMAGE_FETCH_TIMEOUT_MS,
      /** Seed an empty catalogue on start-up (development default). */
      autoSeed: env.CATALOG_AUTO_SEED ?? env.NODE_ENV === 'development',
    },
    admission: admissionOf(env),
    /** Style clusters: the k-means seed, and how often an instance checks whether a rebuild is due. */
    clusters: { seed: env.CLUSTER_SEED, checkIntervalSeconds: env.CLUSTER_CHECK_INTERVAL_SECONDS },
    /** Durable background work (features/core/jobs); the cron route needs `cronSecret`. */
    jobs: {
      enabled: env.JOBS_ENABLED,
      leaseSeconds: env.JOBS_LEASE_SECONDS,
      pollSeconds: env.JOBS_POLL_SECONDS,
      cronSecret: env.CRON_SECRET,
    },
    /** Prometheus listener of our own server on 127.0.0.1-or-HOST:METRICS_PORT; 0 = off. */
    metricsPort: env.METRICS_PORT,
    /**
     * OpenTelemetry traces over OTLP/HTTP to `endpoint` (its /v1/traces); off when unset. The endpoint may carry
     * credentials: never logged. Spans are sent in batches every `batchDelayMs`.
     */
    tracing: {
      endpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT,
      serviceName: env.OTEL_SERVICE_NAME,
      batchDelayMs: env.OTEL_BSP_SCHEDULE_DELAY,
      sampleRatio: env.OTEL_TRACES_SAMPLER_ARG,
    },
    mail: mailOf(env, appUrl),
    recovery: recoveryOf(env),
    ...storesOf(env),
    uploads: uploadsOf(env),
  };
});

export type AppConfig = z.output<typeof configSchema>;

function databaseOf(env: Variables) {
  const driver = selectDatabase({
    url: env.DATABASE_URL,
    driver: env.DATABASE_DRIVER,
    dataDir: env.DATA_DIR,
    neonWsProxy: env.NEON_WS_PROXY,
    neonInsecure: env.NEON_WS_INSECURE,
  });
  return {
    ...driver,
    poolMax: env.DATABASE_POOL_MAX,
    statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
    connectTimeoutMs: env.DATABASE_CONNECT_TIMEOUT_MS,
  };
}

/** Bounded concurrency and queues for the heavy work (core/admission); a full queue answers 503 Retry-After. */
function admissionOf(env: Variables) {
  return {
    passwordHashing: {
      concurrency: env.PASSWORD_HASHING_CONCURRENCY,
      queueSize: env.PASSWORD_HASHING_QUEUE,
      retryAfterSeconds: 1,
    },
    imageProcessing: {
      concurrency: env.IMAGE_PROCESSING_CONCURRENCY,
      queueSize: env.IMAGE_PROCESSING_QUEUE,
      retryAfterSeconds: 2,
    },
    /** How the heavy work's threads are scheduled next to the event loop (core/admission/priority.ts). */
    priority: env.HEAVY_WORK_PRIORITY,
  };
}

/**
 * Account mail: SMTP when `smtpUrl` is set, else files in `outboxDir`. Links come from the web app's templates
 * (`{token}` is replaced); the API owns the tokens, the web app the pages.
 */
function mailOf(env: Variables, appUrl: string) {
  const frontend = (env.FRONTEND_URL ?? appUrl).replace(/\/$/, '');
  return {
    appName: env.APP_NAME,
    from: env.MAIL_FROM ?? `${env.APP_NAME} <no-reply@${new URL(frontend).hostname}>`,
    smtpUrl: env.SMTP_URL,
    outboxDir: `${env.DATA_DIR}/outbox`,
    passwordResetUrl: env.PASSWORD_RESET_URL ?? `${frontend}/reset-password?token={token}`,
    emailVerificationUrl: env.EMAIL_VERIFICATION_URL ?? `${frontend}/verify-email?token={token}`,
  };
}

/** Password reset and email verification: token lifetimes, and how many mails an account or address may ask for. */
function recoveryOf(env: Variables) {
  return {
    passwordResetTtlSeconds: env.PASSWORD_RESET_TTL_SECONDS,
    emailVerificationTtlSeconds: env.EMAIL_VERIFICATION_TTL_SECONDS,
    rateLimit: {
      windowSeconds: env.MAIL_RATE_LIMIT_WINDOW_SECONDS,
      perAccount: env.MAIL_RATE_LIMIT_PER_ACCOUNT,
      perIp: env.MAIL_RATE_LIMIT_PER_IP,
    },
  };
}

/** STORES is the one place per store; AFFILIATE_PARAMS (older) still adds parameters for stores STORES does not list. */
function storesOf(env: Variables) {
  const stores = Object.entries(env.STORES);
  return {
    /** Click-out: per store, the affiliate query parameters added to its product URLs. */
    affiliateParams: {
      ...env.AFFILIATE_PARAMS,
      ...Object.fromEntries(stores.map(([id, store]) => [id, store.affiliateParams])),
    },
    /** Per store: the hosts its product URLs may name. A store not listed has no host rule. */
    storeHosts: Object.fromEntries(stores.map(([id, store]) => [id, store.hosts])),
  };
}

function uploadsDirOf(env: Variables): string {
  return env.UPLOADS_DIR ?? `${env.DATA_DIR}/uploads`;
}

function uploadsOf(env: Variables) {
  return {
    maxBytes: env.UPLOAD_MAX_BYTES,
    perUser: {
      maxCount: env.UPLOADS_PER_USER_MAX_COUNT,
      maxBytes: env.UPLOADS_PER_USER_MAX_BYTES,
      ratePerWindow: env.UPLOADS_RATE_LIMIT,
      rateWindowSeconds: env.UPLOADS_RATE_LIMIT_WINDOW_SECONDS,
    },
    /** Bytes without a row younger than this are left alone (an upload between its write and its insert). */
    orphanGraceSeconds: env.UPLOADS_ORPHAN_GRACE_SECONDS,
    /** How often the server sweeps orphans; 0 = never (run `npm run uploads:sweep` instead). */
    sweepIntervalSeconds: env.UPLOADS_SWEEP_INTERVAL_SECONDS,
    storage: storageOf(env),
  };
}

function storageOf(env: Variables) {
  if (env.UPLOADS_STORAGE === 'disk') return { driver: 'disk' as const, dir: uploadsDirOf(env) };
  const { S3_ACCESS_KEY_ID: accessKeyId, S3_SECRET_ACCESS_KEY: secretAccessKey } = env;
  return {
    driver: 's3' as const,
    bucket: env.S3_BUCKET ?? '', // required by the rules above
    endpoint: env.S3_ENDPOINT,
    region: env.S3_REGION,
    forcePathStyle: env.S3_FORCE_PATH_STYLE,
    credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined,
  };
}

export type DatabaseConfig =
  | { driver: 'pglite'; dataDir: string }
  | { driver: 'pglite-memory' }
  | { driver: 'pg'; url: string }
  | { driver: 'neon'; url: string; wsProxy: string | undefined; insecure: boolean };

/** The one place where DATABASE_URL (and DATABASE_DRIVER) decide the driver. */
export function selectDatabase(input: {
  url: string | undefined;
  driver: 'pglite' | 'pg' | 'neon' | undefined;
  dataDir: string;
  neonWsProxy?: string | undefined;
  neonInsecure?: boolean;
}): DatabaseConfig {
  const { url, driver, dataDir } = input;
  if (url === undefined) return { driver: 'pglite', dataDir: `${dataDir}/pglite` };
  if (url === 'memory://') return { driver: 'pglite-memory' };
  const isNeonHost = /(^|\.)neon\.tech$/i.test(new URL(url).hostname);
  if (driver === 'neon' || (driver === undefined && isNeonHost)) {
    return { driver: 'neon', url, wsProxy: input.neonWsProxy, insecure: input.neonInsecure ?? false };
  }
  return { driver: 'pg', url };
}

/**
 * Development needs no set-up: without AUTH_SECRET a secret is generated once and kept under the data dir, so
 * sessions survive restarts. Several processes may race here (`wx` lets one write, the others read it).
 */
function developmentSecret(dataDir: string): string {
  const file = join(dataDir, 'dev-auth-secret');
  try {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, `${randomBytes(48).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return readFileSync(file, 'utf8').trim();
}

// ── Errors ──────────────────────────────────────────────────────────────────────────────────────────────────────

type Problem = { variable: string; message: string };

export class ConfigError extends Error {
  constructor(readonly problems: readonly Problem[]) {
    super(
      `Invalid environment configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems
        .map((p) => `  - ${p.variable}: ${p.message}`)
        .join('\n')}\nSee .env.example for every variable and its expected form.`,
    );
    this.name = 'ConfigError';
  }
}

/** Parses an environment into the app's config, or throws ONE ConfigError naming every bad variable. */
export function parseEnv(source: Record<string, string | undefined>): AppConfig {
  const result = configSchema.safeParse(source);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => ({
      variable: String(issue.path[0] ?? '(environment)'),
      message: issue.message,
    })),
  );
}
