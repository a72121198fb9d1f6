import { expect, test } from '@playwright/test';
import { ConfigError, parseEnv, selectDatabase } from '@/features/core/config/schema';

const SECRET = 'k3P9vQ-long-enough-random-looking-test-secret';

test('defaults: development, embedded PGlite, port 8000, default CORS origins', () => {
  const config = parseEnv({});
  expect(config.env).toBe('development');
  expect(config.port).toBe(8000);
  expect(config.database).toMatchObject({ driver: 'pglite', dataDir: '.data/pglite' });
  expect(config.corsOrigins).toEqual(['http://localhost:5173', 'https://stylipp.com']);
  expect(config.appUrl).toBe('http://localhost:8000');
  expect(config.logLevel).toBe('info');
  expect(config.authSecret).toBeUndefined();
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
const productionProblems = (env: Record<string, string | undefined>) => {
  try {
    parseEnv({ ...PRODUCTION, ...env });
    return [];
  } catch (error) {
    return (error as ConfigError).problems;
  }
};

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
