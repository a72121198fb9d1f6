import nextEnv from '@next/env';
import { type AppConfig, ConfigError, parseEnv } from './schema';

// The ONE module that reads process.env (enforced by scripts/check-architecture.ts).

let cached: AppConfig | undefined;

export function getConfig(): AppConfig {
  cached ??= loadConfig(process.env);
  return cached;
}

function loadConfig(source: NodeJS.ProcessEnv): AppConfig {
  // The same env files, in the same precedence, as Next (`.env.$NODE_ENV.local`, `.env.local` except in test,
  // `.env.$NODE_ENV`, `.env`; the real environment wins): every script — db:migrate, db:studio, bench, the
  // server — sees the database `next dev` sees. Next has already loaded them in its own processes (a no-op there).
  nextEnv.loadEnvConfig(process.cwd(), source.NODE_ENV !== 'production', {
    info: () => {},
    error: console.error,
  });
  const config = parseEnv(source);
  // next-auth 4 reads NEXTAUTH_URL itself (else its redirects point at localhost:3000): hand it ours.
  source.NEXTAUTH_URL = config.appUrl;
  return config;
}

/** For entry points (server start-up, scripts): prints the one config message and exits, no stack trace. */
export function getConfigOrExit(): AppConfig {
  try {
    return getConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}

export type { AppConfig, DatabaseConfig } from './schema';
