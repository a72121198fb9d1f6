import { accountsRouter } from '@/app/api/routers';

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = accountsRouter.handlers(
  '/api/auth/verify-email/resend',
);
