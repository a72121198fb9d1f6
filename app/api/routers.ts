import { createOpenApiRouter } from '@/features/core/openapi/router';
import { healthRouter } from '@/features/health/router/router';

// Every feature router, in one list: the OpenAPI document is generated from exactly these contracts, and a
// test checks each `route.ts` under app/api serves a documented path (and each documented path has a route).
export const routers = [healthRouter];

export const openApiRouter = createOpenApiRouter(routers, {
  tags: [
    { name: 'health', description: 'Liveness and readiness probes' },
    { name: 'meta', description: 'This API’s own description' },
  ],
  securitySchemes: {
    bearerAuth: {
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description: 'An access token from `POST /api/auth/token` (external clients)',
    },
    sessionCookie: {
      type: 'apiKey',
      in: 'cookie',
      name: 'next-auth.session-token',
      description:
        'The next-auth session cookie of the same-origin web app (`__Secure-next-auth.session-token` over HTTPS)',
    },
  },
});
