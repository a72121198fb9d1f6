import { defineConfig } from 'drizzle-kit';

// Used by `db:generate`, `db:check` and `db:studio`. Migrations are APPLIED only by our own runner
// (`npm run db:migrate`), which goes through the app's driver selection and the PGlite lock.
export default defineConfig({
  dialect: 'postgresql',
  schema: './features/*/repository/*.table.ts',
  out: './drizzle',
  migrations: { prefix: 'timestamp' },
  strict: true,
  verbose: true,
});
