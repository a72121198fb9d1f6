import { webAuthHandlers } from '@/app/api/operations';

// next-auth's own endpoints (csrf, callback/credentials, session, signout) for the same-origin web app.
export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = webAuthHandlers;
