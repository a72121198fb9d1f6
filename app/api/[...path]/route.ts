import { notFoundHandlers } from '@/features/core/http/router';

// Every /api path without its own route: a JSON 404 problem (never Next's HTML page) and CORS preflights.
export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = notFoundHandlers();
