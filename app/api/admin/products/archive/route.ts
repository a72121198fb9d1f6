import { catalogRouter } from '@/features/catalog/router/router';

const handlers = catalogRouter.handlers('/api/admin/products/archive');
export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = handlers;
