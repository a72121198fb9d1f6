import { authRouter } from '@/features/auth/router/router';

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = authRouter.handlers('/api/users/me/password');
