import { feedRouter } from '@/features/feed/router/router';

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = feedRouter.handlers('/api/feed');
