import createClient, { type ClientOptions } from 'openapi-fetch';
import type { paths } from './schema';

// The typed client for the frontend and external TypeScript callers. Types are generated from the OpenAPI
// document (`npm run openapi`), so a contract change shows up here as a type error.
export type { components, operations, paths } from './schema';

export function createApiClient(options: ClientOptions = {}) {
  return createClient<paths>(options);
}
