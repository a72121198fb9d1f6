'use client';

// Turbopack drops apidom's refractor registration module (a pure side-effect module that sets
// `OpenApi3_1Element.refract` & co.), so OpenAPI 3.1 documents fail with "OpenApi3_1Element.refract is
// not a function" (swagger-api/swagger-ui#10599, vercel/next.js#86507). Importing it explicitly keeps it
// in the bundle. It is not in the package's `exports`, hence the path through node_modules.
// Remove once fixed upstream (tests/e2e/docs.spec.ts catches a regression either way).
import '@/node_modules/@swagger-api/apidom-ns-openapi-3-1/src/refractor/registration.mjs';
import SwaggerUI from 'swagger-ui-react';
import 'swagger-ui-react/swagger-ui.css';

export function SwaggerUi({ url }: { url: string }) {
  return <SwaggerUI url={url} persistAuthorization />;
}
