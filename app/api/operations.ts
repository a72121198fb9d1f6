import { nextAuthHandlers } from '@/features/accounts/router/next-auth';
import { createAccountsRoutes } from '@/features/accounts/router/router';
import { catalogRoutes } from '@/features/catalog/router/router';
import { nextRouteHandlers, notFoundHandlers, type RouteHandlers } from '@/features/core/http/next-handlers';
import { createOperationTable } from '@/features/core/http/operation-table';
import { createOpenApiDocumentRoute } from '@/features/core/openapi/document-route';
import { feedRoutes } from '@/features/feed/router/router';
import { feedbackRoutes } from '@/features/feedback/router/router';
import { healthRoutes } from '@/features/health/router/router';
import { profilesRoutes } from '@/features/profiles/router/router';
import { stylesRoutes } from '@/features/styles/router/router';
import { uploadsRoutes } from '@/features/uploads/router/router';
import { eraseUserUploads } from '@/features/uploads/service/service';

// The composition root. Features depend one way (scripts/lib/architecture-rules.ts); what runs across them the
// other way is wired here, where every feature is visible: account deletion calls each feature's eraser for
// what it keeps outside the database (its rows go by ON DELETE CASCADE). Every `route.ts` takes its handlers
// from this module, one way: `export const { GET, … } = handlers('/api/…')`.
const accountsRoutes = createAccountsRoutes({ userDataErasers: [eraseUserUploads] });

// Every feature operation, in one list: the OpenAPI document is generated from exactly these contracts, and a
// test checks each `route.ts` under app/api serves a documented path (and each documented path has a route).
export const featureRoutes = [
  ...healthRoutes,
  ...accountsRoutes,
  ...uploadsRoutes,
  ...catalogRoutes,
  ...stylesRoutes,
  ...profilesRoutes,
  ...feedRoutes,
  ...feedbackRoutes,
];

export const openApi = createOpenApiDocumentRoute(featureRoutes, {
  tags: [
    { name: 'auth', description: 'Accounts and tokens: registration, OAuth2 token endpoint, revocation' },
    { name: 'users', description: 'The signed-in user (bearer token or session cookie)' },
    { name: 'uploads', description: 'Outfit photos of the signed-in user' },
    {
      name: 'catalog',
      description: 'Store products: ingest and archive (API keys), pages, products, images',
    },
    {
      name: 'clusters',
      description: 'Style clusters of the catalogue: the active k-means run, rebuilds (API keys)',
    },
    {
      name: 'onboarding',
      description: 'From 1–2 outfit photos to a style profile: calibration cards, completion, the profile',
    },
    { name: 'feed', description: 'The ranked, paged feed and why each card was shown' },
    {
      name: 'feedback',
      description: 'Swipes (like, dislike, save), undo, exposures, saved products and click-out to the store',
    },
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
    oauth2: {
      type: 'oauth2',
      description: 'OAuth2 password grant: Swagger UI’s Authorize obtains a token from `/api/auth/token`',
      flows: { password: { tokenUrl: '/api/auth/token', refreshUrl: '/api/auth/token', scopes: {} } },
    },
    apiKeyAuth: {
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'API key',
      description:
        'An API key for machines (`npm run keys:create -- --name <name> --scope catalog:write`), sent as `Authorization: Bearer stylipp_sk_…`. User tokens and sessions never pass it.',
    },
    sessionCookie: {
      type: 'apiKey',
      in: 'cookie',
      name: 'next-auth.session-token',
      description:
        'The next-auth session cookie of the same-origin web app (`__Host-next-auth.session-token` over HTTPS)',
    },
  },
});

/** The operation table of both hosts, built once: Next's route.ts files and our own server read the same one. */
export const operationTable = createOperationTable([...featureRoutes, openApi.route]);

/** A path's handlers for its `route.ts`. */
export const handlers = (path: string): RouteHandlers => nextRouteHandlers(operationTable.get(path));

/** `app/api/[...path]`: JSON 404 for every unknown /api path. */
export const unknownPathHandlers: RouteHandlers = notFoundHandlers;

/** `app/api/auth/[...nextauth]`: next-auth's endpoints for the same-origin web app, inside the lifecycle. */
export const webAuthHandlers: RouteHandlers = nextAuthHandlers;
