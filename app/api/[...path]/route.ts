import { unknownPathHandlers } from '@/app/api/operations';

// Every unknown /api path: a JSON 404 problem (and CORS preflights), never Next's HTML page.
export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = unknownPathHandlers;
