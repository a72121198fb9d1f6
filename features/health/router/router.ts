import { DomainError } from '@/features/core/errors/errors';
import { clientAddress } from '@/features/core/http/client-address';
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
  description:
    'A database round trip and the migration state. Anyone gets the status; the details (runtime, each check with its figures, the failing check of a 503) go only to an operator: a caller whose client address is loopback (on the host itself, or through a port-forward), never one a trusted proxy forwards.',
  tags: ['health'],
  responses: {
    [STATUS.OK]: { description: 'Ready to serve traffic', schema: ReadinessSchema },
    [STATUS.SERVICE_UNAVAILABLE]: {
      description: 'Not ready; the body names the failing check',
      schema: NotReadyProblemSchema,
      mediaType: 'application/problem+json',
    },
  },
}).handle(async ({ request }) => {
  const { ready, checks } = await checkReadiness();
  const operator = isLoopback(clientAddress(request));
  if (ready)
    return {
      status: STATUS.OK,
      body: operator ? { status: 'ready', runtime: runtime(), checks } : { status: 'ready' },
    };
  if (!operator) throw new DomainError('unavailable', 'Not ready.', { retryAfter: 5 });
  const failing = Object.entries(checks)
    .filter(([, check]) => check.status !== 'up')
    .map(([name, check]) => `${name} (${check.status})`);
  throw new DomainError('unavailable', `Not ready: ${failing.join(', ')}.`, {
    details: { checks },
    retryAfter: 5,
  });
});

/** 127.0.0.0/8 and ::1: the caller is on this machine (an operator, a local probe). */
const isLoopback = (address: string) => address === '::1' || /^127\.\d+\.\d+\.\d+$/.test(address);

/** The feature's operations (wired in app/api/operations.ts). */
export const healthRoutes: readonly AnyRoute[] = [getHealth, getReadiness];
