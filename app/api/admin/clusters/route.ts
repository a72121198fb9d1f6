import { stylesRouter } from '@/features/styles/router/router';

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = stylesRouter.handlers('/api/admin/clusters');
