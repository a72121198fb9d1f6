import NextAuth from 'next-auth';
import { DomainError, notFound } from '@/features/core/errors/errors';
import { clientAddress } from '@/features/core/http/client-address';
import { serveDelegated, webResponseWriter } from '@/features/core/http/lifecycle';
import { delegatedHandlers } from '@/features/core/http/next-handlers';
import { authOptions } from '../service/next-auth';
import { limitClient } from '../service/rate-limit';

// /api/auth/* for the same-origin web app, handled by next-auth (csrf, callback/credentials, session,
// signout, …) inside the kernel's lifecycle: request id, CORS, logs, JSON 404 for unknown actions, and the
// per-address limit on the credentials callback. The per-account limit is inside the sign-in itself, so it
// counts exactly the email next-auth checks.

type Context = { params: Promise<{ nextauth?: string[] }> };
const ACTIONS = new Set(['providers', 'csrf', 'signin', 'signout', 'session', 'callback', 'error', '_log']);
const METHODS = ['GET', 'HEAD', 'OPTIONS', 'POST'];
const FORM = /^application\/x-www-form-urlencoded\s*(;\s*charset=("?)utf-8\2\s*)?$/i;

let nextAuth: ((request: Request, context: Context) => Promise<Response>) | undefined;

/**
 * The credentials callback takes one unambiguous form body: next-auth reads JSON as well as forms (and, for
 * a repeated field, its last value), so anything that two readers could read differently — another media
 * type, a field given twice — is refused before any password is checked.
 */
async function assertUnambiguousCredentials(request: Request): Promise<void> {
  const type = request.headers.get('content-type') ?? '';
  if (!FORM.test(type.trim())) {
    throw new DomainError(
      'unsupported_media_type',
      'Sign-in takes an application/x-www-form-urlencoded body.',
    );
  }
  const seen = new Set<string>();
  for (const [name] of new URLSearchParams(await request.clone().text())) {
    if (seen.has(name)) throw new DomainError('bad_request', `The field ${name} is given more than once.`);
    seen.add(name);
  }
}

async function handle(request: Request, context: Context): Promise<Response> {
  return serveDelegated(
    request,
    METHODS,
    'nextAuth',
    async ({ path }) => {
      const [action, provider] = (await context.params).nextauth ?? [];
      if (!action || !ACTIONS.has(action)) throw notFound(`No auth action at ${path}.`);
      if (request.method === 'POST' && action === 'callback') {
        await assertUnambiguousCredentials(request);
        if (provider === 'credentials') await limitClient('sign-in', clientAddress(request));
      }
      nextAuth ??= NextAuth(authOptions()) as (request: Request, context: Context) => Promise<Response>;
      return nextAuth(request, context);
    },
    webResponseWriter,
  );
}

export const nextAuthHandlers = delegatedHandlers(handle as Parameters<typeof delegatedHandlers>[0]);
