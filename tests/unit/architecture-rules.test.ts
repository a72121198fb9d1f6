import { expect, test } from '@playwright/test';
import { checkFile } from '../../scripts/architecture-rules';

const rules = (file: string, source: string) => checkFile(file, source).map((v) => v.rule);

test('process.env only in the config module', () => {
  expect(rules('features/users/service/service.ts', 'const x = process.env.SECRET;')).toEqual(['env']);
  expect(rules('features/core/config/config.ts', 'load(process.env)')).toEqual([]);
  expect(rules('instrumentation.ts', "if (process.env.NEXT_RUNTIME === 'nodejs') {}")).toEqual([]);
  expect(rules('instrumentation.ts', 'process.env.OTHER')).toEqual(['env']);
});

test('Drizzle and drivers only in repositories and core/database', () => {
  const source = "import { eq } from 'drizzle-orm';\nimport pg from 'pg';";
  expect(rules('features/users/repository/repository.ts', source)).toEqual([]);
  expect(rules('features/core/database/client.ts', source)).toEqual([]);
  expect(rules('features/users/service/service.ts', source)).toEqual(['drizzle', 'drizzle']);
  expect(rules('features/users/router/router.ts', "const m = await import('@electric-sql/pglite');")).toEqual(
    ['drizzle'],
  );
});

test('core imports no feature; features meet only through services', () => {
  expect(
    rules('features/core/http/kernel.ts', "import { x } from '@/features/users/service/service';"),
  ).toEqual(['core']);
  expect(
    rules('features/auth/service/service.ts', "import { findUser } from '@/features/users/service/service';"),
  ).toEqual([]);
  expect(
    rules(
      'features/auth/service/service.ts',
      "import { users } from '@/features/users/repository/users.table';",
    ),
  ).toEqual(['boundaries']);
  expect(
    rules('features/auth/service/service.ts', "import { users } from '../../users/repository/repository';"),
  ).toEqual(['boundaries']);
  expect(rules('features/auth/service/service.ts', "import { x } from '../repository/repository';")).toEqual(
    [],
  );
});

test('route files only wire routers', () => {
  expect(
    rules('app/api/health/route.ts', "import { healthRouter } from '@/features/health/router/router';"),
  ).toEqual([]);
  expect(
    rules('app/api/health/route.ts', "import { checkReadiness } from '@/features/health/service/service';"),
  ).toEqual(['routes']);
});

test('table files may reference another feature’s tables (foreign keys); nothing else may', () => {
  const source = "import { users } from '@/features/users/repository/users.table';";
  expect(rules('features/auth/repository/refresh-tokens.table.ts', source)).toEqual([]);
  expect(rules('features/auth/repository/repository.ts', source)).toEqual(['boundaries']);
});
