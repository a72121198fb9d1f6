import { getEmbeddingStatus } from '@/features/catalog/service/embedding-queue';
import { getEmbedder } from '@/features/catalog/service/service';
import { type Admission, imageProcessing, passwordHashing } from '@/features/core/admission/admission';
import { getConfig } from '@/features/core/config/config';
import { describeError, logger } from '@/features/core/logger/logger';
import { isDraining } from '@/features/core/startup/lifecycle';
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
  const [database, migrations] = await Promise.allSettled([
    withTimeout(pingDatabase(), CHECK_TIMEOUT_MS),
    withTimeout(findMigrationStatus(), CHECK_TIMEOUT_MS),
  ]);
  // After the checks that decide readiness, so its count never delays the ping (PGlite has one connection).
  const [embedder] = await Promise.allSettled([withTimeout(getEmbeddingStatus(), CHECK_TIMEOUT_MS)]);
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
    lifecycle: { status: isDraining() ? 'draining' : 'up' },
    // Informational: a full queue refuses that kind of work (503 at_capacity), not the whole service.
    admission: {
      status: 'up',
      passwordChecks: admissionState(passwordHashing()),
      imageProcessing: admissionState(imageProcessing()),
    },
  };
  if (database.status === 'rejected')
    logger.warn('readiness: database check failed', describeError(database.reason));
  const ready =
    checks.database.status === 'up' && checks.migrations.status === 'up' && checks.lifecycle.status === 'up';
  return { ready, checks };
}

function admissionState({ running, waiting, concurrency, queueSize }: Admission) {
  return { running, waiting, concurrency, queueSize };
}

/** The runtime serving this process (the readiness body names it; CI asserts it is Node 24). */
export function runtime(): { name: 'node'; version: string } {
  return { name: 'node', version: process.versions.node };
}
