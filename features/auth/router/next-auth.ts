import NextAuth from 'next-auth';
import { clientAddress } from '@/features/core/http/client-address';
import { optionsResponse, runRequest } from '@/features/core/http/kernel';
import { HttpProblem } from '@/features/core/http/problem';
import { methodNotAllowed, type RouteHandlers } from '@/features/core/http/router';
import { STATUS } from '@/features/core/http/status';
import { authOptions } from '../service/next-auth';
import { enforceRateLimit } from '../service/rate-limit';

// /api/auth/* for the same-origin web app, handled by next-auth (csrf, callback/credentials, session,
// signout, …) inside the kernel's lifecycle: request id, CORS, logs, JSON 404 for unknown actions, and the
// auth rate limit on the credentials callback.

type Context = { params: Promise<{ nextauth?: string[] }> };
const ACTIONS = new Set(['providers', 'csrf', 'signin', 'signout', 'session', 'callback', 'error', '_log']);
const METHODS = ['GET', 'HEAD', 'OPTIONS', 'POST'];

let nextAuth: ((request: Request, context: Context) => Promise<Response>) | undefined;

async function handle(request: Request, context: Context): Promise<Response> {
  return runRequest(request, async ({ path }) => {
    if (request.method === 'OPTIONS') return optionsResponse(request, METHODS);
    if (!METHODS.includes(request.method)) throw methodNotAllowed(request.method, METHODS);
    const [action, provider] = (await context.params).nextauth ?? [];
    if (!action || !ACTIONS.has(action))
      throw new HttpProblem(STATUS.NOT_FOUND, `No auth action at ${path}.`);
    if (request.method === 'POST' && action === 'callback' && provider === 'credentials') {
      const email = (
        await request
          .clone()
          .formData()
          .catch(() => undefined)
      )?.get('email');
      await enforceRateLimit(
        'sign-in',
        clientAddress(request),
        typeof email === 'string' ? email.trim().toLowerCase() : undefined,
      );
    }
    nextAuth ??= NextAuth(authOptions()) as (request: Request, context: Context) => Promise<Response>;
    return nextAuth(request, context);
  });
}

export const nextAuthHandlers = Object.fromEntries(
  ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'].map((method) => [method, handle]),
) as unknown as RouteHandlers;
