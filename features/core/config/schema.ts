import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';

// Pure parsing of the environment: no I/O, unit-tested. `config.ts` feeds it the real environment.

const DEFAULT_CORS_ORIGINS = 'http://localhost:5173,https://stylipp.com';
// Production never trusts a local development origin by default; listing one in CORS_ORIGINS still works.
const DEFAULT_PRODUCTION_CORS_ORIGINS = 'https://stylipp.com';
const PLACEHOLDER_SECRET =
  /^(changeme|change-me|change_me|secret|your[-_ ]?secret.*|replace[-_ ]?me.*|x+|0+|todo)$/i;
export const MIN_SECRET_LENGTH = 32;

const emptyAsUndefined = (value: unknown) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

const optionalString = z.preprocess(emptyAsUndefined, z.string().optional());

const databaseUrl = z.preprocess(
  emptyAsUndefined,
  z
    .string()
    .optional()
    .refine((value) => value === undefined || value === 'memory://' || isPostgresUrl(value), {
      // The value may carry a password: never echo it back.
      message:
        'expected memory:// or a postgres:// / postgresql:// URL (leave unset for the embedded database)',
    }),
);

const origin = z.string().refine(
  (value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value;
    } catch {
      return false;
    }
  },
  {
    message:
      'expected a comma-separated list of origins like https://app.example.com (no path, no trailing /)',
  },
);

const absoluteUrl = z.preprocess(
  emptyAsUndefined,
  z
    .string()
    .optional()
    .refine((value) => value === undefined || (/^https?:\/\/[^/]/.test(value) && URL.canParse(value)), {
      message: 'expected an absolute http(s) URL such as https://api.stylipp.com',
    }),
);

/** A JSON-valued variable: unset or empty → `{}`; text that is not JSON → null, which the schema reports. */
function jsonObject(value: unknown): unknown {
  const text = emptyAsUndefined(value);
  if (text === undefined) return {};
  try {
    return JSON.parse(String(text));
  } catch {
    return null; // reported by the schema, without echoing the value
  }
}

// {"storeId": {"param": "value"}}: query parameters the click-out adds to that store's product URLs.
const affiliateParams = z.preprocess(
  jsonObject,
  z.record(z.string().min(1), z.record(z.string().min(1).max(100), z.string().max(500)), {
    message: 'expected JSON like {"store-a": {"utm_source": "stylipp", "aff_id": "123"}}',
  }),
);

// A link template of the web app: an absolute http(s) URL with a `{token}` placeholder.
const linkTemplate = z.preprocess(
  emptyAsUndefined,
  z
    .string()
    .optional()
    .refine(
      (value) =>
        value === undefined ||
        (value.includes('{token}') &&
          /^https?:\/\/[^/]/.test(value) &&
          URL.canParse(value.replace('{token}', 't'))),
      {
        message:
          'expected an absolute http(s) URL containing {token}, e.g. https://stylipp.com/reset-password?token={token}',
      },
    ),
);

const smtpUrl = z.preprocess(
  emptyAsUndefined,
  z
    .string()
    .optional()
    .refine((value) => value === undefined || (/^smtps?:\/\/[^/]/.test(value) && URL.canParse(value)), {
      // The value may carry a password: never echo it back.
      message: 'expected smtp://[user:pass@]host[:port] or smtps://…',
    }),
);

// {"storeId": {"hosts": ["shop.example.com"], "affiliateParams": {"aff": "1"}}}: one place per store for the
// hosts its product URLs may name (the host itself or a subdomain) and the click-out's affiliate parameters.
const hostName = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/, 'a lower-case host name');
const stores = z.preprocess(
  jsonObject,
  z.record(
    z.string().min(1).max(100),
    z.object({
      hosts: z.array(hostName).min(1),
      affiliateParams: z.record(z.string().min(1).max(100), z.string().max(500)).default({}),
    }),
    { message: 'expected JSON like {"store-a": {"hosts": ["shop-a.com"], "affiliateParams": {"aff": "1"}}}' },
  ),
);

const positiveInt = (fallback: number, max = Number.MAX_SAFE_INTEGER) =>
  z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(max).default(fallback));

const nonNegativeInt = (fallback: number) =>
  z.preprocess(emptyAsUndefined, z.coerce.number().int().min(0).max(100_000).default(fallback));

export const envSchema = z
  .object({
    NODE_ENV: z.preprocess(
      emptyAsUndefined,
      z.enum(['development', 'production', 'test']).default('development'),
    ),
    DATABASE_URL: databaseUrl,
    DATABASE_DRIVER: z.preprocess(emptyAsUndefined, z.enum(['pglite', 'pg', 'neon']).optional()),
    DATABASE_POOL_MAX: positiveInt(10, 1000),
    DATABASE_STATEMENT_TIMEOUT_MS: positiveInt(10_000),
    DATABASE_CONNECT_TIMEOUT_MS: positiveInt(5_000),
    NEON_WS_PROXY: optionalString,
    NEON_WS_INSECURE: z.preprocess(emptyAsUndefined, z.enum(['true', 'false']).default('false')),
    DATA_DIR: z.preprocess(emptyAsUndefined, z.string().default('.data')),
    TEMP_DIR: optionalString,
    AUTH_SECRET: optionalString,
    NEXTAUTH_SECRET: optionalString,
    APP_URL: absoluteUrl,
    NEXTAUTH_URL: absoluteUrl,
    CORS_ORIGINS: z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .transform((value) =>
          value
            .split(',')
            .map((item) => item.trim())
            .filter(Boolean),
        )
        .pipe(z.array(origin))
        .optional(),
    ),
    LOG_LEVEL: z.preprocess(
      (value) => (typeof value === 'string' ? value.toLowerCase() : value),
      z.enum(['debug', 'info', 'warn', 'error', 'silent']).optional(),
    ),
    DEBUG: z.preprocess(emptyAsUndefined, z.string().optional()),
    PORT: positiveInt(8000, 65_535),
    HOST: z.preprocess(emptyAsUndefined, z.string().default('127.0.0.1')),
    TRUSTED_PROXIES: z.preprocess(
      (value) => emptyAsUndefined(value) ?? '0',
      z.coerce.number().int().min(0).max(10),
    ),
    AUTH_ACCESS_TOKEN_TTL_SECONDS: positiveInt(15 * 60),
    AUTH_REFRESH_TOKEN_TTL_SECONDS: positiveInt(30 * 24 * 60 * 60),
    SERVER_MAX_CONNECTIONS: positiveInt(1024, 1_000_000),
    RATE_LIMIT_WINDOW_SECONDS: positiveInt(60),
    RATE_LIMIT_AUTH_PER_IP: positiveInt(30),
    RATE_LIMIT_AUTH_PER_ACCOUNT: positiveInt(10),
    SHUTDOWN_GRACE_MS: positiveInt(10_000),
    // Heavy work leaves a core to the event loop: on 2 cores one argon2 and one image at a time.
    PASSWORD_HASHING_CONCURRENCY: positiveInt(Math.max(1, availableParallelism() - 1), 64),
    PASSWORD_HASHING_QUEUE: nonNegativeInt(64),
    IMAGE_PROCESSING_CONCURRENCY: positiveInt(Math.max(1, Math.floor(availableParallelism() / 2)), 64),
    IMAGE_PROCESSING_QUEUE: nonNegativeInt(16),
    HEAVY_WORK_PRIORITY: z.preprocess(emptyAsUndefined, z.enum(['idle', 'low', 'normal']).default('idle')),
    UPLOADS_STORAGE: z.preprocess(emptyAsUndefined, z.enum(['disk', 's3']).default('disk')),
    UPLOADS_DIR: optionalString,
    UPLOAD_MAX_BYTES: positiveInt(10 * 1024 * 1024),
    UPLOADS_PER_USER_MAX_COUNT: positiveInt(500),
    UPLOADS_PER_USER_MAX_BYTES: positiveInt(1024 * 1024 * 1024),
    UPLOADS_RATE_LIMIT: positiveInt(30),
    UPLOADS_RATE_LIMIT_WINDOW_SECONDS: positiveInt(600),
    UPLOADS_ORPHAN_GRACE_SECONDS: nonNegativeInt(3600),
    UPLOADS_SWEEP_INTERVAL_SECONDS: nonNegativeInt(3600),
    S3_BUCKET: optionalString,
    S3_ENDPOINT: absoluteUrl,
    S3_REGION: z.preprocess(emptyAsUndefined, z.string().default('us-east-1')),
    S3_ACCESS_KEY_ID: optionalString,
    S3_SECRET_ACCESS_KEY: optionalString,
    S3_FORCE_PATH_STYLE: z.preprocess(emptyAsUndefined, z.enum(['true', 'false']).default('false')),
    IMAGE_FETCH_ALLOW_PRIVATE: z.preprocess(emptyAsUndefined, z.enum(['true', 'false']).optional()),
    IMAGE_FETCH_TIMEOUT_MS: positiveInt(10_000, 120_000),
    CATALOG_AUTO_SEED: z.preprocess(emptyAsUndefined, z.enum(['true', 'false']).optional()),
    CLUSTER_SEED: positiveInt(42, 2 ** 31 - 1),
    CLUSTER_CHECK_INTERVAL_SECONDS: positiveInt(60),
    JOBS_LEASE_SECONDS: positiveInt(60, 3600),
    JOBS_POLL_SECONDS: positiveInt(5, 3600),
    JOBS_ENABLED: z.preprocess(emptyAsUndefined, z.enum(['true', 'false']).default('true')),
    CRON_SECRET: z.preprocess(emptyAsUndefined, z.string().min(32).optional()),
    METRICS_PORT: nonNegativeInt(0),
    AFFILIATE_PARAMS: affiliateParams,
    APP_NAME: z.preprocess(emptyAsUndefined, z.string().max(100).default('Stylipp')),
    SMTP_URL: smtpUrl,
    MAIL_FROM: optionalString,
    FRONTEND_URL: absoluteUrl,
    PASSWORD_RESET_URL: linkTemplate,
    EMAIL_VERIFICATION_URL: linkTemplate,
    PASSWORD_RESET_TTL_SECONDS: positiveInt(30 * 60, 24 * 60 * 60),
    EMAIL_VERIFICATION_TTL_SECONDS: positiveInt(24 * 60 * 60, 30 * 24 * 60 * 60),
    // ≤ 1 h: the purge keeps rate-limit rows that long (features/accounts/service/purge.ts).
    MAIL_RATE_LIMIT_WINDOW_SECONDS: positiveInt(15 * 60, 60 * 60),
    MAIL_RATE_LIMIT_PER_ACCOUNT: positiveInt(3),
    MAIL_RATE_LIMIT_PER_IP: positiveInt(10),
    STORES: stores,
    // Traces (features/core/tracing): on when the OTLP endpoint is set; the names are OpenTelemetry's own.
    OTEL_EXPORTER_OTLP_ENDPOINT: absoluteUrl,
    OTEL_SERVICE_NAME: z.preprocess(emptyAsUndefined, z.string().max(100).default('stylipp-api')),
    OTEL_BSP_SCHEDULE_DELAY: positiveInt(5000, 60_000),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'development') return;
    const secret = env.AUTH_SECRET ?? env.NEXTAUTH_SECRET;
    const problem = describeSecretProblem(secret);
    if (problem) ctx.addIssue({ code: 'custom', path: ['AUTH_SECRET'], message: problem });
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV !== 'production') return;
    // An implicit embedded database in production means a redeploy silently starts from an empty one.
    if (env.DATABASE_URL === undefined && env.DATABASE_DRIVER !== 'pglite') {
      ctx.addIssue({
        code: 'custom',
        path: ['DATABASE_URL'],
        message:
          'required in production: a postgres:// URL, or DATABASE_DRIVER=pglite to choose the embedded database at $DATA_DIR/pglite explicitly',
      });
    }
    if (env.APP_URL === undefined && env.NEXTAUTH_URL === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['APP_URL'],
        message:
          'required in production: the public origin (cookies, links, same-origin checks), e.g. https://api.stylipp.com',
      });
    }
  })
  .superRefine((env, ctx) => {
    // Photos filling their directory must not stop the database: never inside the embedded database's directory.
    const uploadsDir = resolve(env.UPLOADS_DIR ?? `${env.DATA_DIR}/uploads`);
    const pgliteDir = resolve(`${env.DATA_DIR}/pglite`);
    const inside = (a: string, b: string) => `${a}/`.startsWith(`${b}/`);
    if (env.UPLOADS_STORAGE === 'disk' && (inside(uploadsDir, pgliteDir) || inside(pgliteDir, uploadsDir))) {
      ctx.addIssue({
        code: 'custom',
        path: ['UPLOADS_DIR'],
        message: `must neither be nor contain nor sit inside the embedded database's directory (${pgliteDir})`,
      });
    }
  })
  .superRefine((env, ctx) => {
    if (env.UPLOADS_STORAGE === 's3' && !env.S3_BUCKET) {
      ctx.addIssue({ code: 'custom', path: ['S3_BUCKET'], message: 'required when UPLOADS_STORAGE=s3' });
    }
  });

export type Env = z.input<typeof envSchema>;

export function describeSecretProblem(secret: string | undefined): string | undefined {
  const hint = 'generate one with `openssl rand -base64 48`';
  if (secret === undefined) return `required outside development (${hint})`;
  if (secret.length < MIN_SECRET_LENGTH) return `must be at least ${MIN_SECRET_LENGTH} characters (${hint})`;
  if (PLACEHOLDER_SECRET.test(secret) || /change.?me|placeholder|example/i.test(secret))
    return `looks like a placeholder (${hint})`;
  return undefined;
}

export function isPostgresUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.hostname !== '';
  } catch {
    return false;
  }
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
  if (url === undefined || url === 'memory://') {
    return url === 'memory://'
      ? { driver: 'pglite-memory' }
      : { driver: 'pglite', dataDir: `${dataDir}/pglite` };
  }
  const isNeonHost = /(^|\.)neon\.tech$/i.test(new URL(url).hostname);
  if (driver === 'neon' || (driver === undefined && isNeonHost)) {
    return { driver: 'neon', url, wsProxy: input.neonWsProxy, insecure: input.neonInsecure ?? false };
  }
  return { driver: 'pg', url };
}

export interface ParsedConfig {
  env: 'development' | 'production' | 'test';
  isProduction: boolean;
  port: number;
  /** Interface `npm start` listens on. */
  host: string;
  /** Reverse-proxy hops in front of `npm start` whose X-Forwarded-For entries are believed (0: the socket's peer is the client). */
  trustedProxies: number;
  /** Open connections `npm start` accepts at once; the next ones are closed at once (SERVER_MAX_CONNECTIONS). */
  maxConnections: number;
  dataDir: string;
  /** Request files in flight (multipart parts, re-encoded images); stale ones are swept. */
  tempDir: string;
  database: DatabaseConfig & { poolMax: number; statementTimeoutMs: number; connectTimeoutMs: number };
  /** Always present outside development; in development `config.ts` fills it from the data dir. */
  authSecret: string | undefined;
  appUrl: string;
  corsOrigins: readonly string[];
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  auth: { accessTokenTtlSeconds: number; refreshTokenTtlSeconds: number };
  rateLimit: { windowSeconds: number; authPerIp: number; authPerAccount: number };
  shutdownGraceMs: number;
  catalog: {
    /** Image URLs may resolve to loopback/private/link-local addresses (development and tests only). */
    fetchAllowPrivate: boolean;
    fetchTimeoutMs: number;
    /** Seed an empty catalogue on start-up (development default). */
    autoSeed: boolean;
  };
  admission: {
    passwordHashing: { concurrency: number; queueSize: number; retryAfterSeconds: number };
    imageProcessing: { concurrency: number; queueSize: number; retryAfterSeconds: number };
    /** How the heavy work's threads are scheduled next to the event loop (core/admission/priority.ts). */
    priority: 'idle' | 'low' | 'normal';
  };
  /** Style clusters: the k-means seed, and how often an instance checks whether a rebuild is due. */
  clusters: { seed: number; checkIntervalSeconds: number };
  /** Durable background work (features/core/jobs); the cron route needs `cronSecret`. */
  jobs: { enabled: boolean; leaseSeconds: number; pollSeconds: number; cronSecret: string | undefined };
  /** Prometheus listener of our own server on 127.0.0.1-or-HOST:METRICS_PORT; 0 = off. */
  metricsPort: number;
  /**
   * Account mail: SMTP when `smtpUrl` is set, else files in `outboxDir`. Links come from the web app's
   * templates (`{token}` is replaced); the API owns the tokens, the web app the pages.
   */
  mail: {
    appName: string;
    from: string;
    smtpUrl: string | undefined;
    outboxDir: string;
    passwordResetUrl: string;
    emailVerificationUrl: string;
  };
  /** Password reset and email verification: token lifetimes, and how many mails an account or address may ask for. */
  recovery: {
    passwordResetTtlSeconds: number;
    emailVerificationTtlSeconds: number;
    rateLimit: { windowSeconds: number; perAccount: number; perIp: number };
  };
  /** Click-out: per store, the affiliate query parameters added to its product URLs. */
  affiliateParams: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Per store (STORES): the hosts its product URLs may name. A store not listed has no host rule. */
  storeHosts: Readonly<Record<string, readonly string[]>>;
  /**
   * OpenTelemetry traces over OTLP/HTTP to `endpoint` (its /v1/traces); off when unset. The endpoint may carry
   * credentials: never logged. Spans are sent in batches every `batchDelayMs`.
   */
  tracing: { endpoint: string | undefined; serviceName: string; batchDelayMs: number };
  uploads: {
    maxBytes: number;
    perUser: { maxCount: number; maxBytes: number; ratePerWindow: number; rateWindowSeconds: number };
    /** Bytes without a row younger than this are left alone (an upload between its write and its insert). */
    orphanGraceSeconds: number;
    /** How often the server sweeps orphans; 0 = never (run `npm run uploads:sweep` instead). */
    sweepIntervalSeconds: number;
    storage:
      | { driver: 'disk'; dir: string }
      | {
          driver: 's3';
          bucket: string;
          endpoint: string | undefined;
          region: string;
          forcePathStyle: boolean;
          credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
        };
  };
}

export type AppConfig = ParsedConfig & { authSecret: string };

export class ConfigError extends Error {
  constructor(readonly problems: readonly { variable: string; message: string }[]) {
    super(
      `Invalid environment configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems
        .map((p) => `  - ${p.variable}: ${p.message}`)
        .join('\n')}\nSee .env.example for every variable and its expected form.`,
    );
    this.name = 'ConfigError';
  }
}

/** Parses an environment into the app's config, or throws ONE ConfigError naming every bad variable. */
export function parseEnv(source: Record<string, string | undefined>): ParsedConfig {
  const result = envSchema.safeParse(source);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => ({
      variable: String(issue.path[0] ?? '(environment)'),
      message: issue.message,
    }));
    throw new ConfigError(problems);
  }
  const env = result.data;
  if (env.DATABASE_DRIVER && env.DATABASE_DRIVER !== 'pglite' && env.DATABASE_URL === undefined) {
    throw new ConfigError([
      { variable: 'DATABASE_URL', message: `required when DATABASE_DRIVER=${env.DATABASE_DRIVER}` },
    ]);
  }
  const appUrl = (env.APP_URL ?? env.NEXTAUTH_URL ?? `http://localhost:${env.PORT}`).replace(/\/$/, '');
  const database = selectDatabase({
    url: env.DATABASE_URL,
    driver: env.DATABASE_DRIVER,
    dataDir: env.DATA_DIR,
    neonWsProxy: env.NEON_WS_PROXY,
    neonInsecure: env.NEON_WS_INSECURE === 'true',
  });
  return {
    env: env.NODE_ENV,
    isProduction: env.NODE_ENV === 'production',
    port: env.PORT,
    host: env.HOST,
    trustedProxies: env.TRUSTED_PROXIES,
    maxConnections: env.SERVER_MAX_CONNECTIONS,
    dataDir: env.DATA_DIR,
    tempDir: env.TEMP_DIR ?? `${env.DATA_DIR}/tmp`,
    database: {
      ...database,
      poolMax: env.DATABASE_POOL_MAX,
      statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
      connectTimeoutMs: env.DATABASE_CONNECT_TIMEOUT_MS,
    },
    authSecret: env.AUTH_SECRET ?? env.NEXTAUTH_SECRET,
    appUrl,
    corsOrigins:
      env.CORS_ORIGINS ??
      (env.NODE_ENV === 'production' ? DEFAULT_PRODUCTION_CORS_ORIGINS : DEFAULT_CORS_ORIGINS).split(','),
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
      fetchAllowPrivate: (env.IMAGE_FETCH_ALLOW_PRIVATE ?? String(env.NODE_ENV !== 'production')) === 'true',
      fetchTimeoutMs: env.IMAGE_FETCH_TIMEOUT_MS,
      autoSeed: (env.CATALOG_AUTO_SEED ?? String(env.NODE_ENV === 'development')) === 'true',
    },
    admission: {
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
      priority: env.HEAVY_WORK_PRIORITY,
    },
    clusters: { seed: env.CLUSTER_SEED, checkIntervalSeconds: env.CLUSTER_CHECK_INTERVAL_SECONDS },
    jobs: {
      enabled: env.JOBS_ENABLED === 'true',
      leaseSeconds: env.JOBS_LEASE_SECONDS,
      pollSeconds: env.JOBS_POLL_SECONDS,
      cronSecret: env.CRON_SECRET,
    },
    metricsPort: env.METRICS_PORT,
    mail: mailConfig(env, appUrl),
    recovery: {
      passwordResetTtlSeconds: env.PASSWORD_RESET_TTL_SECONDS,
      emailVerificationTtlSeconds: env.EMAIL_VERIFICATION_TTL_SECONDS,
      rateLimit: {
        windowSeconds: env.MAIL_RATE_LIMIT_WINDOW_SECONDS,
        perAccount: env.MAIL_RATE_LIMIT_PER_ACCOUNT,
        perIp: env.MAIL_RATE_LIMIT_PER_IP,
      },
    },
    // STORES is the one place; AFFILIATE_PARAMS (older) still adds parameters for stores STORES does not list.
    affiliateParams: {
      ...env.AFFILIATE_PARAMS,
      ...Object.fromEntries(Object.entries(env.STORES).map(([id, store]) => [id, store.affiliateParams])),
    },
    storeHosts: Object.fromEntries(Object.entries(env.STORES).map(([id, store]) => [id, store.hosts])),
    tracing: {
      endpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT,
      serviceName: env.OTEL_SERVICE_NAME,
      batchDelayMs: env.OTEL_BSP_SCHEDULE_DELAY,
    },
    uploads: {
      maxBytes: env.UPLOAD_MAX_BYTES,
      perUser: {
        maxCount: env.UPLOADS_PER_USER_MAX_COUNT,
        maxBytes: env.UPLOADS_PER_USER_MAX_BYTES,
        ratePerWindow: env.UPLOADS_RATE_LIMIT,
        rateWindowSeconds: env.UPLOADS_RATE_LIMIT_WINDOW_SECONDS,
      },
      orphanGraceSeconds: env.UPLOADS_ORPHAN_GRACE_SECONDS,
      sweepIntervalSeconds: env.UPLOADS_SWEEP_INTERVAL_SECONDS,
      storage:
        env.UPLOADS_STORAGE === 's3'
          ? {
              driver: 's3',
              bucket: env.S3_BUCKET ?? '',
              endpoint: env.S3_ENDPOINT,
              region: env.S3_REGION,
              forcePathStyle: env.S3_FORCE_PATH_STYLE === 'true',
              credentials:
                env.S3_ACCESS_KEY_ID && env.S3_SECRET_ACCESS_KEY
                  ? { accessKeyId: env.S3_ACCESS_KEY_ID, secretAccessKey: env.S3_SECRET_ACCESS_KEY }
                  : undefined,
            }
          : { driver: 'disk', dir: env.UPLOADS_DIR ?? `${env.DATA_DIR}/uploads` },
    },
  };
}

function mailConfig(env: z.output<typeof envSchema>, appUrl: string): ParsedConfig['mail'] {
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
