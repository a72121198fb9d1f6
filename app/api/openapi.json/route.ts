import { openApiRouter } from '../routers';

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = openApiRouter.handlers('/api/openapi.json');
