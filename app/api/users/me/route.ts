import { usersRouter } from '@/features/users/router/router';

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = usersRouter.handlers('/api/users/me');
