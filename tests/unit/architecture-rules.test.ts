import { expect, test } from '@playwright/test';
import { checkFile, FEATURE_LAYERS } from '../../scripts/lib/architecture-rules';

const rules = (file: string, source: string) => checkFile(file, source).map((v) => v.rule);

test('process.env only in the config module', () => {
  expect(rules('features/accounts/service/service.ts', 'const x = process.env.SECRET;')).toEqual(['env']);
  expect(rules('features/core/config/config.ts', 'load(process.env)')).toEqual([]);
  expect(rules('instrumentation.ts', "if (process.env.NEXT_RUNTIME === 'nodejs') {}")).toEqual([]);
  expect(rules('instrumentation.ts', 'process.env.OTHER')).toEqual(['env']);
});

test('Drizzle and drivers only in repositories and core/database', () => {
  const source = "import { eq } from 'drizzle-orm';\nimport pg from 'pg';";
  expect(rules('features/accounts/repository/users.ts', source)).toEqual([]);
  expect(rules('features/core/database/client.ts', source)).toEqual([]);
  expect(rules('features/accounts/service/service.ts', source)).toEqual(['drizzle', 'drizzle']);
  expect(
    rules('features/accounts/router/router.ts', "const m = await import('@electric-sql/pglite');"),
  ).toEqual(['drizzle']);
});

test('core imports no feature; features meet only through services', () => {
  expect(
    rules('features/core/http/lifecycle.ts', "import { x } from '@/features/accounts/service/service';"),
  ).toEqual(['core']);
  expect(
    rules(
      'features/uploads/router/router.ts',
      "import { requireUser } from '@/features/accounts/service/guard';",
    ),
  ).toEqual([]);
  expect(
    rules(
      'features/uploads/service/service.ts',
      "import { users } from '@/features/accounts/repository/users';",
    ),
  ).toEqual(['boundaries']);
  expect(
    rules('features/uploads/service/service.ts', "import { x } from '../../accounts/repository/users';"),
  ).toEqual(['boundaries']);
  expect(rules('features/accounts/service/service.ts', "import { x } from '../repository/users';")).toEqual(
    [],
  );
});

test('dependencies between features point down the layers only: no feature calls back into another', () => {
  // uploads sits above accounts: it may use accounts' guard, accounts may not use uploads.
  expect(
    rules('features/uploads/service/service.ts', "import { x } from '@/features/accounts/service/service';"),
  ).toEqual([]);
  expect(
    rules(
      'features/accounts/service/service.ts',
      "import { eraseUserUploads } from '@/features/uploads/service/service';",
    ),
  ).toEqual(['layers']);
  // Features on one layer use none of each other.
  const [first, second] = FEATURE_LAYERS.find((layer) => layer.length > 1) ?? [];
  expect(
    rules(
      `features/${first}/service/service.ts`,
      `import { x } from '@/features/${second}/service/service';`,
    ),
  ).toEqual(['layers']);
  // A feature nobody declared is a violation until it gets its place.
  expect(rules('features/gadgets/service/service.ts', 'export const x = 1;')).toEqual(['layers']);
  // The old back-and-forth cannot return under new names either: for every pair, one direction fails.
  const features = FEATURE_LAYERS.flat().filter((feature) => feature !== 'core');
  for (const a of features)
    for (const b of features) {
      if (a === b) continue;
      const there = rules(`features/${a}/service/x.ts`, `import { y } from '@/features/${b}/service/y';`);
      const back = rules(`features/${b}/service/x.ts`, `import { y } from '@/features/${a}/service/y';`);
      expect([there, back].filter((found) => found.includes('layers')).length, `${a} ↔ ${b}`).toBeGreaterThan(
        0,
      );
    }
});

test('route files only wire handlers; the composition root also wires services', () => {
  expect(
    rules('app/api/health/route.ts', "import { healthRoutes } from '@/features/health/router/router';"),
  ).toEqual([]);
  expect(rules('app/api/users/me/route.ts', "import { handlers } from '@/app/api/operations';")).toEqual([]);
  expect(
    rules('app/api/health/route.ts', "import { checkReadiness } from '@/features/health/service/service';"),
  ).toEqual(['routes']);
  expect(
    rules('app/api/operations.ts', "import { eraseUserUploads } from '@/features/uploads/service/service';"),
  ).toEqual([]);
  expect(
    rules('app/api/operations.ts', "import { x } from '@/features/uploads/repository/repository';"),
  ).toEqual(['routes']);
});

test('table files may reference a lower feature’s tables (foreign keys); nothing else may', () => {
  const source = "import { users } from '@/features/accounts/repository/users.table';";
  expect(rules('features/uploads/repository/uploads.table.ts', source)).toEqual([]);
  expect(rules('features/uploads/repository/repository.ts', source)).toEqual(['boundaries']);
});
