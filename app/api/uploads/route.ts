import { uploadsRouter } from '@/features/uploads/router/router';

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = uploadsRouter.handlers('/api/uploads');
