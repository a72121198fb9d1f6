import { test } from '@playwright/test';

/**
 * Environment variables for the tests of one in-process file: set before its tests, restored after them.
 * Never at module level: Playwright's runner imports every test file to list the tests, and the workers it
 * forks afterwards inherit its environment — a `DATABASE_URL=memory://` set while listing reached the servers
 * that process tests spawn, which then ran on a database nobody had migrated.
 */
export function setTestEnv(vars: Record<string, string>): void {
  let previous: Record<string, string | undefined> = {};
  test.beforeAll(() => {
    previous = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]));
    Object.assign(process.env, vars);
  });
  test.afterAll(() => {
    for (const [name, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
}
