import { dirname, join, normalize } from 'node:path';

// The architecture, as rules on each source file's text (docs/architecture.md §1). Pure: unit-tested, and run over
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

/**
 * Features in layers, lowest first. A feature uses only features on lower layers (features on one layer use
 * none of each other), so dependencies point one way and no two features can call each other: `accounts`
 * depends on nothing but core. What must run the other way (account deletion erasing other features' files)
 * is wired in the composition root, app/api/operations.ts. A new feature is declared here.
 */
export const FEATURE_LAYERS: readonly (readonly string[])[] = [
  ['core'],
  ['accounts'],
  ['uploads'],
  ['catalog'],
  ['styles'],
  ['profiles'],
  ['feedback'],
  ['feed'],
  ['health', 'api-client'],
];
const layerOf = (feature: string) => FEATURE_LAYERS.findIndex((layer) => layer.includes(feature));
/** The composition root may reach features' services to wire them into each other's routes. */
const COMPOSITION_ROOT = 'app/api/operations.ts';

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
  if (fromFeature && layerOf(fromFeature) === -1) {
    add(
      0,
      'layers',
      `features/${fromFeature} is not declared in FEATURE_LAYERS (scripts/lib/architecture-rules.ts)`,
    );
  }
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
    // 5. Dependencies between features point down the layers only.
    if (
      fromFeature &&
      fromFeature !== 'core' &&
      toFeature !== fromFeature &&
      layerOf(toFeature) >= layerOf(fromFeature)
    ) {
      add(
        match.index,
        'layers',
        `features/${fromFeature} may not depend on features/${toFeature} (not on a lower layer in FEATURE_LAYERS)`,
      );
    }
    // 6. Route files only wire handlers; the composition root also wires services.
    const wiring =
      file === COMPOSITION_ROOT ? /^features\/[^/]+\/(router|service)\// : /^features\/[^/]+\/router\//;
    if (
      file.startsWith('app/api/') &&
      !wiring.test(target) &&
      !/^(features\/core\/(http|openapi)\/|app\/api\/)/.test(target)
    ) {
      add(match.index, 'routes', `app/api files wire handlers only (found ${specifier})`);
    }
  }
  return violations;
}
