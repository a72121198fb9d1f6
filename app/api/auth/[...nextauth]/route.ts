import { nextAuthHandlers } from '@/features/accounts/router/next-auth';

// next-auth's own endpoints (csrf, callback/credentials, session, signout) for the same-origin web app.
export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = nextAuthHandlers;
