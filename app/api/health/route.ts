import { healthRouter } from '@/features/health/router/router';

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = healthRouter.handlers('/api/health');
