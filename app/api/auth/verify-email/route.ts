import { handlers } from '@/app/api/operations';

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = handlers('/api/auth/verify-email');
