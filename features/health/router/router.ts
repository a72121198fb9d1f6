import { DomainError } from '@/features/core/errors/errors';
import { type AnyRoute, defineRoute } from '@/features/core/http/define-route';
import { STATUS } from '@/features/core/http/status';
import { HealthSchema, NotReadyProblemSchema, ReadinessSchema } from '../schemas/schemas';
import { checkReadiness, runtime } from '../service/service';

// GET /api/health — liveness: the process answers; no I/O.
export const getHealth = defineRoute({
  method: 'GET',
  path: '/api/health',
  operationId: 'getHealth',
  summary: 'Liveness probe',
  description: 'Answers as long as the server process runs. Touches no database.',
  tags: ['health'],
  responses: { [STATUS.OK]: { description: 'The process is alive', schema: HealthSchema } },
}).handle(() => ({ status: STATUS.OK, body: { status: 'healthy' } }));

// GET /api/health/ready — readiness: the database answers and no migration is pending.
export const getReadiness = defineRoute({
  method: 'GET',
  path: '/api/health/ready',
  operationId: 'getReadiness',
  summary: 'Readiness probe',
  description: 'A database round trip and the migration state. 503 names the failing check.',
  tags: ['health'],
  responses: {
    [STATUS.OK]: { description: 'Ready to serve traffic', schema: ReadinessSchema },
    [STATUS.SERVICE_UNAVAILABLE]: {
      description: 'Not ready; the body names the failing check',
      schema: NotReadyProblemSchema,
      mediaType: 'application/problem+json',
    },
  },
}).handle(async () => {
  const { ready, checks } = await checkReadiness();
  if (ready) return { status: STATUS.OK, body: { status: 'ready', runtime: runtime(), checks } };
  const failing = Object.entries(checks)
    .filter(([, check]) => check.status !== 'up')
    .map(([name, check]) => `${name} (${check.status})`);
  throw new DomainError('unavailable', `Not ready: ${failing.join(', ')}.`, {
    details: { checks },
    retryAfter: 5,
  });
});

/** The feature's operations (wired in app/api/operations.ts). */
export const healthRoutes: readonly AnyRoute[] = [getHealth, getReadiness];
