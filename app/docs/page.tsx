import type { Metadata } from 'next';
import { SwaggerUi } from './swagger-ui';

export const metadata: Metadata = {
  title: 'Stylipp API docs',
  // No favicon: stops the browser's /favicon.ico request (a 404 console error).
  icons: { icon: 'data:,' },
};

export default function DocsPage() {
  return <SwaggerUi url="/api/openapi.json" />;
}
