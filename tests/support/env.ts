import { test } from '@playwright/test';

/**
 * Sets environment variables for an in-process test file and restores them after its tests. Playwright
 * reuses a worker process for later files (process tests among them, which hand their environment to the
 * servers they spawn): a leaked `DATABASE_URL=memory://` would give those servers a database nobody migrated.
 */
export function setTestEnv(vars: Record<string, string>): void {
  const previous = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]));
  Object.assign(process.env, vars);
  test.afterAll(() => {
    for (const [name, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
}
