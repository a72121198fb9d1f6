import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { ConfigError, parseEnv, selectDatabase } from '@/features/core/config/schema';

const SECRET = 'k3P9vQ-long-enough-random-looking-test-secret';

const problemsOf = (env: Record<string, string | undefined>) => {
  try {
    parseEnv(env);
    return [];
  } catch (error) {
    return (error as ConfigError).problems;
  }
};

test('defaults: development, embedded PGlite, port 8000, default CORS origins', () => {
  const config = parseEnv({});
  expect(config.env).toBe('development');
  expect(config.port).toBe(8000);
  expect(config.database).toMatchObject({ driver: 'pglite', dataDir: '.data/pglite' });
  expect(config.corsOrigins).toEqual(['http://localhost:5173', 'https://stylipp.com']);
  expect(config.appUrl).toBe('http://localhost:8000');
  expect(config.logLevel).toBe('info');
  // Development's secret comes through the same schema: generated once under the data dir.
  expect(config.authSecret).toBe(readFileSync('.data/dev-auth-secret', 'utf8').trim());
});

test('DEBUG=true means debug logging; LOG_LEVEL wins when set', () => {
  expect(parseEnv({ DEBUG: 'true' }).logLevel).toBe('debug');
  expect(parseEnv({ DEBUG: 'true', LOG_LEVEL: 'WARN' }).logLevel).toBe('warn');
});

test('APP_URL, then NEXTAUTH_URL, decide the app URL', () => {
  expect(parseEnv({ NEXTAUTH_URL: 'https://a.example/' }).appUrl).toBe('https://a.example');
  expect(parseEnv({ APP_URL: 'https://b.example', NEXTAUTH_URL: 'https://a.example' }).appUrl).toBe(
    'https://b.example',
  );
});

test('one error names every bad variable and never echoes a URL password', () => {
  let error: unknown;
  try {
    parseEnv({
      DATABASE_URL: 'mysql://root:hunter2@db/app',
      PORT: 'eighty',
      CORS_ORIGINS: 'https://ok.example,https://bad.example/path',
      LOG_LEVEL: 'loud',
      APP_URL: 'not a url',
    });
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(ConfigError);
  const { message, problems } = error as ConfigError;
  expect(problems.map((p) => p.variable).sort()).toEqual([
    'APP_URL',
    'CORS_ORIGINS',
    'DATABASE_URL',
    'LOG_LEVEL',
    'PORT',
  ]);
  expect(message).toContain('5 problems');
  expect(message).not.toContain('hunter2');
});

test('outside development AUTH_SECRET is required, long and not a placeholder', () => {
  const problem = (env: Record<string, string>) => {
    try {
      parseEnv({ NODE_ENV: 'production', APP_URL: 'https://a.example', DATABASE_DRIVER: 'pglite', ...env });
      return undefined;
    } catch (error) {
      return (error as ConfigError).problems.find((p) => p.variable === 'AUTH_SECRET')?.message;
    }
  };
  expect(problem({})).toContain('required');
  expect(problem({ AUTH_SECRET: 'short' })).toContain('at least 32');
  expect(problem({ AUTH_SECRET: 'changeme-changeme-changeme-changeme' })).toContain('placeholder');
  expect(problem({ AUTH_SECRET: SECRET })).toBeUndefined();
  expect(problem({ NEXTAUTH_SECRET: SECRET })).toBeUndefined();
  expect(parseEnv({ ...PRODUCTION, AUTH_SECRET: SECRET }).authSecret).toBe(SECRET);
});

const PRODUCTION = {
  NODE_ENV: 'production',
  AUTH_SECRET: SECRET,
  APP_URL: 'https://api.stylipp.com',
  DATABASE_URL: 'postgres://u@db/app',
};
const productionProblems = (env: Record<string, string | undefined>) => problemsOf({ ...PRODUCTION, ...env });

test('production refuses an implicit embedded database: DATABASE_URL or DATABASE_DRIVER=pglite', () => {
  const problems = productionProblems({ DATABASE_URL: undefined });
  expect(problems).toEqual([
    { variable: 'DATABASE_URL', message: expect.stringContaining('DATABASE_DRIVER=pglite') },
  ]);
  expect(productionProblems({ DATABASE_URL: undefined, DATABASE_DRIVER: 'pglite' })).toEqual([]);
  expect(
    parseEnv({ ...PRODUCTION, DATABASE_URL: undefined, DATABASE_DRIVER: 'pglite' }).database,
  ).toMatchObject({
    driver: 'pglite',
  });
  // Development keeps the zero-set-up default.
  expect(parseEnv({}).database.driver).toBe('pglite');
});

test('production requires APP_URL (or NEXTAUTH_URL)', () => {
  expect(productionProblems({ APP_URL: undefined })).toEqual([
    { variable: 'APP_URL', message: expect.stringContaining('required in production') },
  ]);
  expect(productionProblems({ APP_URL: undefined, NEXTAUTH_URL: 'https://a.example' })).toEqual([]);
});

test('production allows no http://localhost origin unless CORS_ORIGINS lists it', () => {
  expect(parseEnv(PRODUCTION).corsOrigins).toEqual(['https://stylipp.com']);
  expect(parseEnv({ ...PRODUCTION, CORS_ORIGINS: 'http://localhost:5173' }).corsOrigins).toEqual([
    'http://localhost:5173',
  ]);
  expect(parseEnv({}).corsOrigins).toContain('http://localhost:5173');
});

test('driver selection from DATABASE_URL and DATABASE_DRIVER', () => {
  const select = (url?: string, driver?: 'pglite' | 'pg' | 'neon') =>
    selectDatabase({ url, driver, dataDir: '/d' });
  expect(select()).toEqual({ driver: 'pglite', dataDir: '/d/pglite' });
  expect(select('memory://')).toEqual({ driver: 'pglite-memory' });
  expect(select('postgres://u@127.0.0.1:5432/app')).toMatchObject({ driver: 'pg' });
  expect(select('postgresql://u:p@db.internal/app')).toMatchObject({ driver: 'pg' });
  expect(select('postgres://u:p@ep-cool-1234.eu-central-1.aws.neon.tech/neondb')).toMatchObject({
    driver: 'neon',
  });
  expect(select('postgres://u@127.0.0.1/app', 'neon')).toMatchObject({ driver: 'neon' });
  expect(select('postgres://u@x.neon.tech/app', 'pg')).toMatchObject({ driver: 'pg' });
});

test('DATABASE_DRIVER=pg without a URL is a config error', () => {
  expect(() => parseEnv({ DATABASE_DRIVER: 'pg' })).toThrow(/DATABASE_URL: required when DATABASE_DRIVER=pg/);
});

test('development secret: generated once under DATA_DIR (owner-only), kept across parses; AUTH_SECRET wins', () => {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'stylipp-config-')), 'nested');
  const first = parseEnv({ DATA_DIR: dataDir }).authSecret;
  expect(first.length).toBeGreaterThanOrEqual(48);
  expect(statSync(join(dataDir, 'dev-auth-secret')).mode & 0o777).toBe(0o600);
  expect(parseEnv({ DATA_DIR: dataDir }).authSecret).toBe(first);
  expect(parseEnv({ DATA_DIR: dataDir, AUTH_SECRET: SECRET }).authSecret).toBe(SECRET);
  expect(parseEnv({ DATA_DIR: dataDir, NEXTAUTH_SECRET: SECRET }).authSecret).toBe(SECRET);
});

test('production never generates a secret: a missing one is a problem, the data dir stays untouched', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'stylipp-config-'));
  expect(problemsOf({ ...PRODUCTION, AUTH_SECRET: undefined, DATA_DIR: dataDir })).toEqual([
    { variable: 'AUTH_SECRET', message: expect.stringContaining('required outside development') },
  ]);
  expect(() => statSync(join(dataDir, 'dev-auth-secret'))).toThrow();
});

test('rules across variables are reported with the bad variables, in one message', () => {
  const problems = problemsOf({
    NODE_ENV: 'production',
    AUTH_SECRET: 'changeme',
    DATABASE_DRIVER: 'pg',
    PORT: '70000',
    UPLOADS_STORAGE: 's3',
  });
  expect(problems.map((p) => p.variable).sort()).toEqual([
    'APP_URL',
    'AUTH_SECRET',
    'DATABASE_URL',
    'PORT',
    'S3_BUCKET',
  ]);
  // A rule whose own variable is bad stays quiet rather than guessing.
  expect(problemsOf({ NODE_ENV: 'staging' }).map((p) => p.variable)).toEqual(['NODE_ENV']);
});

test('numbers, flags, lists and JSON: blank means unset; messages name the form, never the value', () => {
  const blank = parseEnv({ PORT: ' ', JOBS_ENABLED: '', CORS_ORIGINS: '', STORES: '' });
  expect(blank.port).toBe(8000);
  expect(blank.jobs.enabled).toBe(true);
  expect(blank.corsOrigins).toContain('http://localhost:5173');
  expect(blank.storeHosts).toEqual({});
  const set = parseEnv({
    JOBS_ENABLED: 'false',
    S3_FORCE_PATH_STYLE: 'true',
    UPLOADS_STORAGE: 's3',
    S3_BUCKET: 'b',
    CORS_ORIGINS: ' https://a.example , ,https://b.example',
  });
  expect(set.jobs.enabled).toBe(false);
  expect(set.uploads.storage).toEqual({
    driver: 's3',
    bucket: 'b',
    endpoint: undefined,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: undefined,
  });
  expect(set.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
  const problems = problemsOf({
    JOBS_ENABLED: 'yes',
    JOBS_LEASE_SECONDS: '9999',
    UPLOAD_MAX_BYTES: '1.5',
    STORES: '{"a": {"hosts": "shop-a-s3cr3t.com"}',
  });
  expect(problems).toEqual([
    { variable: 'UPLOAD_MAX_BYTES', message: 'expected a whole number of bytes, at least 1' },
    { variable: 'JOBS_LEASE_SECONDS', message: 'expected a whole number of seconds from 1 to 3600' },
    { variable: 'JOBS_ENABLED', message: 'expected true or false' },
    { variable: 'STORES', message: expect.stringContaining('expected JSON like {"store-a"') },
  ]);
  expect(JSON.stringify(problems)).not.toContain('s3cr3t');
});

test('the development-friendly defaults follow NODE_ENV unless set', () => {
  expect(parseEnv({}).catalog).toMatchObject({ fetchAllowPrivate: true, autoSeed: true });
  expect(parseEnv({ NODE_ENV: 'test', AUTH_SECRET: SECRET }).catalog).toMatchObject({
    fetchAllowPrivate: true,
    autoSeed: false,
  });
  expect(parseEnv(PRODUCTION).catalog).toMatchObject({ fetchAllowPrivate: false, autoSeed: false });
  expect(
    parseEnv({ ...PRODUCTION, IMAGE_FETCH_ALLOW_PRIVATE: 'true', CATALOG_AUTO_SEED: 'true' }).catalog,
  ).toMatchObject({ fetchAllowPrivate: true, autoSeed: true });
});

test('STORES is the one place per store; AFFILIATE_PARAMS still adds parameters for stores STORES does not list', () => {
  const config = parseEnv({
    AFFILIATE_PARAMS: '{"a": {"ref": "old"}, "b": {"ref": "b"}}',
    STORES:
      '{"a": {"hosts": ["shop-a.com"], "affiliateParams": {"aff": "1"}}, "c": {"hosts": ["c.example"]}}',
  });
  expect(config.affiliateParams).toEqual({ a: { aff: '1' }, b: { ref: 'b' }, c: {} });
  expect(config.storeHosts).toEqual({ a: ['shop-a.com'], c: ['c.example'] });
});
