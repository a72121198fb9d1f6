import { dirname, join, normalize } from 'node:path';

// The architecture, as rules on each source file's text (ARCHITECTURE §1). Pure: unit-tested, and run over
// the tree by scripts/check-architecture.ts as part of `npm run lint`.

export interface Violation {
  file: string;
  line: number;
  rule: string;
  message: string;
}

const CONFIG_MODULE = 'features/core/config/config.ts';
const DATABASE_PACKAGES = /^(drizzle-orm(\/.*)?|@electric-sql\/pglite(\/.*)?|pg|@neondatabase\/serverless)$/;
const IMPORT =
  /(?:^|[^\w.])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** `@/x`, `./x` or `../x` → a repository-relative path; package names stay as they are. */
export function resolveSpecifier(file: string, specifier: string): string {
  if (specifier.startsWith('@/')) return specifier.slice(2);
  if (specifier.startsWith('.')) return normalize(join(dirname(file), specifier));
  return specifier;
}

const featureOf = (path: string) => /^features\/([^/]+)\//.exec(path)?.[1];

export function checkFile(file: string, source: string): Violation[] {
  const violations: Violation[] = [];
  const lineOf = (index: number) => source.slice(0, index).split('\n').length;
  const add = (index: number, rule: string, message: string) =>
    violations.push({ file, line: lineOf(index), rule, message });

  // 1. The environment is read in one place.
  for (const match of source.matchAll(/process\.env\b(\.\w+)?/g)) {
    const allowed = file === CONFIG_MODULE || (file === 'instrumentation.ts' && match[1] === '.NEXT_RUNTIME');
    if (!allowed) add(match.index, 'env', `process.env is read only in ${CONFIG_MODULE}; use getConfig()`);
  }

  const fromFeature = featureOf(file);
  for (const match of source.matchAll(IMPORT)) {
    const specifier = match[1] ?? match[2] ?? '';
    const target = resolveSpecifier(file, specifier);

    // 2. Drivers and Drizzle only in repositories and the core database module.
    if (DATABASE_PACKAGES.test(target)) {
      const allowed =
        /^features\/[^/]+\/repository\//.test(file) || file.startsWith('features/core/database/');
      if (!allowed)
        add(
          match.index,
          'drizzle',
          `${specifier} is imported only by repositories and features/core/database`,
        );
      continue;
    }

    const toFeature = featureOf(target);
    if (!toFeature) continue;

    // 3. The shared kernel imports no feature.
    if (fromFeature === 'core' && toFeature !== 'core') {
      add(match.index, 'core', `features/core imports no feature (found ${specifier})`);
    }
    // 4. A feature uses another only through its service (and the types in its schemas). Table files may
    //    reference another feature's table files: foreign keys are part of the schema.
    if (fromFeature && fromFeature !== 'core' && toFeature !== 'core' && toFeature !== fromFeature) {
      const foreignKey = /\.table\.ts$/.test(file) && /\/repository\/[^/]+\.table(\.ts)?$/.test(target);
      if (!foreignKey && !/^features\/[^/]+\/(service|schemas)\//.test(target)) {
        add(
          match.index,
          'boundaries',
          `features/${fromFeature} reaches into features/${toFeature} internals (${specifier}); go through its service`,
        );
      }
    }
    // 5. Route files only wire routers.
    if (
      file.startsWith('app/api/') &&
      !/^(features\/([^/]+\/router\/|core\/(http|openapi)\/)|app\/api\/)/.test(target)
    ) {
      add(match.index, 'routes', `app/api files wire routers only (found ${specifier})`);
    }
  }
  return violations;
}
