import { z } from 'zod';
import { type AnyRoute, defineRoute } from '@/features/core/http/define-route';
import { STATUS } from '@/features/core/http/status';
import { buildOpenApiDocument, type DocumentOptions } from './document';

const OpenApiDocumentSchema = z
  .looseObject({ openapi: z.string(), info: z.looseObject({ title: z.string(), version: z.string() }) })
  .meta({ id: 'OpenApiDocument', description: 'An OpenAPI 3.1 document' });

/** The operation serving GET /api/openapi.json for the given routes (the document includes its own operation). */
export function createOpenApiDocumentRoute(
  routes: readonly AnyRoute[],
  options: DocumentOptions,
): { route: AnyRoute; document(): ReturnType<typeof buildOpenApiDocument> } {
  let document: ReturnType<typeof buildOpenApiDocument> | undefined;
  // GET /api/openapi.json — the API's OpenAPI 3.1 document, generated from the route contracts.
  const getOpenApiDocument = defineRoute({
    method: 'GET',
    path: '/api/openapi.json',
    operationId: 'getOpenApiDocument',
    summary: 'OpenAPI document',
    description:
      'This document: OpenAPI 3.1, generated from the same contracts that validate requests and responses.',
    tags: ['meta'],
    responses: { [STATUS.OK]: { description: 'The OpenAPI 3.1 document', schema: OpenApiDocumentSchema } },
  }).handle(() => {
    document ??= buildOpenApiDocument(allRoutes(), options);
    // The generator's OpenAPIObject type has no index signature; the schema checks what matters.
    return {
      status: STATUS.OK,
      body: document as unknown as z.input<typeof OpenApiDocumentSchema>,
      headers: { 'cache-control': 'public, max-age=300' },
    };
  });
  const allRoutes = (): AnyRoute[] => [...routes, getOpenApiDocument];
  return { route: getOpenApiDocument, document: () => buildOpenApiDocument(allRoutes(), options) };
}
