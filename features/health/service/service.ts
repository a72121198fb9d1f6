import { getEmbedder, getEmbeddingStatus } from '@/features/catalog/service/service';
import { getConfig } from '@/features/core/config/config';
import { describeError, logger } from '@/features/core/logger/logger';
import { findMigrationStatus, pingDatabase } from '../repository/repository';
import type { ReadinessChecks } from '../schemas/schemas';

// Readiness must answer even when the database hangs: each check is bounded.
const CHECK_TIMEOUT_MS = 3_000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export async function checkReadiness(): Promise<{ ready: boolean; checks: ReadinessChecks }> {
  const driver = getConfig().database.driver;
  const [database, migrations, embedder] = await Promise.allSettled([
    withTimeout(pingDatabase(), CHECK_TIMEOUT_MS),
    withTimeout(findMigrationStatus(), CHECK_TIMEOUT_MS),
    withTimeout(getEmbeddingStatus(), CHECK_TIMEOUT_MS),
  ]);
  const checks: ReadinessChecks = {
    database:
      database.status === 'fulfilled'
        ? { status: 'up', driver, latencyMs: database.value.latencyMs }
        : { status: 'down', driver },
    migrations:
      migrations.status === 'fulfilled'
        ? {
            status: migrations.value.pending.length === 0 ? 'up' : 'pending',
            applied: migrations.value.applied,
            expected: migrations.value.expected,
            pending: migrations.value.pending,
          }
        : { status: 'unknown', expected: 0 },
    // Informational: products wait for vectors while the background queue works; readiness does not depend on it.
    embedder:
      embedder.status === 'fulfilled'
        ? { status: 'up', ...embedder.value }
        : { status: 'unknown', modelId: getEmbedder().modelId, dims: getEmbedder().dims },
  };
  if (database.status === 'rejected')
    logger.warn('readiness: database check failed', describeError(database.reason));
  return { ready: checks.database.status === 'up' && checks.migrations.status === 'up', checks };
}
