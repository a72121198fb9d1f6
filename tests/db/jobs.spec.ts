import { expect, test } from '@playwright/test';
import type { DatabaseHandle } from '@/features/core/database/client';
import {
  claimDueJob,
  completeJob,
  failJob,
  registerJobs,
  renewJobLease,
} from '@/features/core/repository/background-jobs';
import { databaseTargets } from '../support/database-targets';

// The durable job table's statements on every driver (PGlite included): one claimant per job at a time,
// leases that expire, retries scheduled, and a lost lease that cannot complete the job.

const targets = databaseTargets('stylipp_dbtest');

for (const target of targets) {
  test.describe(target.name, () => {
    test.skip(!target.available, 'no Postgres server on this machine');

    let cleanup: () => Promise<void>;
    test.beforeAll(async () => {
      let handle: DatabaseHandle;
      ({ handle, cleanup } = await target.open());
      await handle.migrate('drizzle');
      // The repository reaches the database through the process's one handle: this target's.
      (globalThis as { __stylippDatabase?: Promise<DatabaseHandle> }).__stylippDatabase =
        Promise.resolve(handle);
    });
    test.afterAll(async () => {
      (globalThis as { __stylippDatabase?: Promise<DatabaseHandle> }).__stylippDatabase = undefined;
      await cleanup?.();
    });

    test('one claimant per job; leases expire; failures retry; a lost lease completes nothing', async () => {
      const names = [`a-${Date.now()}`, `b-${Date.now()}`];
      await registerJobs({ names });
      await registerJobs({ names }); // idempotent
      // Concurrent claimants (one pool, several connections on pg and Neon): each job goes to one of them.
      const claims = await Promise.all(
        [1, 2, 3, 4, 5].map((n) => claimDueJob({ names, owner: `owner-${n}`, leaseSeconds: 60 })),
      );
      const claimed = claims.filter((claim) => claim !== undefined).map((claim) => claim.name);
      expect(claimed.sort()).toEqual([...names].sort());
      const [a, b] = names as [string, string];
      const ownerOf = (name: string) => `owner-${claims.findIndex((claim) => claim?.name === name) + 1}`;
      expect(await claimDueJob({ names, owner: 'late', leaseSeconds: 60 })).toBeUndefined();

      await completeJob({ name: a, owner: ownerOf(a), nextRunSeconds: 3600 });
      await failJob({ name: b, owner: ownerOf(b), retrySeconds: 0, error: 'boom' });
      const retried = await claimDueJob({ names, owner: 'retry', leaseSeconds: 0.2 });
      expect(retried).toEqual({ name: b, attempts: 1 }); // a is not due for an hour
      await new Promise((resolve) => setTimeout(resolve, 400));
      // The lease expired: another instance takes the job over; the first can neither renew nor complete it.
      expect(await claimDueJob({ names, owner: 'takeover', leaseSeconds: 60 })).toEqual({
        name: b,
        attempts: 1,
      });
      expect(await renewJobLease({ name: b, owner: 'retry', leaseSeconds: 60 })).toBe(false);
      await completeJob({ name: b, owner: 'retry', nextRunSeconds: 0 });
      expect(await claimDueJob({ names, owner: 'late', leaseSeconds: 60 })).toBeUndefined();
      expect(await renewJobLease({ name: b, owner: 'takeover', leaseSeconds: 60 })).toBe(true);
    });
  });
}
