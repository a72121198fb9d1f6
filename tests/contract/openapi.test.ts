import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { expect, test } from '@playwright/test';
import { openApi } from '@/app/api/operations';

// The drift guard and the route ↔ document correspondence, in-process (fast, no server).

const snapshot = JSON.parse(readFileSync('tests/contract/openapi.snapshot.json', 'utf8'));
const document = openApi.document();

test('the committed document matches the contracts (run `npm run openapi` after a contract change)', () => {
  expect(JSON.parse(JSON.stringify(document))).toEqual(snapshot);
});

function routeFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return routeFiles(path);
    return entry === 'route.ts' ? [path] : [];
  });
}

/** app/api/uploads/[id]/content/route.ts → /api/uploads/{id}/content; catch-alls (`[...x]`) are not operations. */
function openApiPathOf(file: string): string | undefined {
  const path = `/${relative('app', file).replace(/\/route\.ts$/, '')}`;
  if (path.includes('[...')) return undefined;
  return path.replace(/\[([^\]]+)\]/g, '{$1}');
}

test('every route file under app/api serves a documented path, and every documented path has a route file', () => {
  const files = routeFiles('app/api');
  const routed = files
    .map(openApiPathOf)
    .filter((path): path is string => path !== undefined)
    .sort();
  const documented = Object.keys(document.paths ?? {}).sort();
  expect(routed).toEqual(documented);
  for (const file of files) {
    const path = openApiPathOf(file);
    // Compared without layout: the formatter may break a long call over lines (with a trailing comma).
    const wiring = readFileSync(file, 'utf8').replace(/\s+/g, '').replace(/,\)/g, ')');
    if (path) expect(wiring, `${file} wires its handlers`).toContain(`=handlers('${path}')`);
  }
});

test('operation ids are unique and every operation documents its problems', () => {
  const operations = Object.values(document.paths ?? {}).flatMap((item) =>
    Object.values(item as Record<string, { operationId: string; responses: Record<string, unknown> }>),
  );
  const ids = operations.map((operation) => operation.operationId);
  expect(new Set(ids).size).toBe(ids.length);
  for (const operation of operations)
    expect(Object.keys(operation.responses), operation.operationId).toContain('500');
});

test('the document is titled "Stylipp API", version 1.0.0 (the product plan’s, not the package’s)', () => {
  expect(document.info.title).toBe('Stylipp API');
  expect(document.info.version).toBe('1.0.0');
});
