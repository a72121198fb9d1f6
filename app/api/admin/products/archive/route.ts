import { catalogRouter } from '@/features/catalog/router/router';

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = catalogRouter.handlers(
  '/api/admin/products/archive',
);
