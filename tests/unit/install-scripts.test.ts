import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';

// `npm install` on a fresh clone prints no "install-scripts … not yet covered by allowScripts" warning:
// every locked package with an install script has a decision in package.json, and the telemetry one is denied.

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));

test('every dependency with an install script is allowed or denied in package.json', () => {
  const withScripts = Object.entries(lock.packages as Record<string, { hasInstallScript?: boolean }>)
    .filter(([path, entry]) => path !== '' && entry.hasInstallScript)
    .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length));
  expect(withScripts.length).toBeGreaterThan(0);
  const decided = new Set(Object.keys(pkg.allowScripts ?? {}).map((entry) => entry.replace(/(.)@.*$/, '$1')));
  expect(withScripts.filter((name) => !decided.has(name))).toEqual([]);
  expect(pkg.allowScripts['@scarf/scarf']).toBe(false);
});
