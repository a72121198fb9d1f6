import NextAuth from 'next-auth';
import { DomainError, notFound } from '@/features/core/errors/errors';
import { ANONYMOUS_BODY_LIMIT_BYTES, readLimited } from '@/features/core/http/body';
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
// Not `_log`: next-auth's client-side logger endpoint writes whatever an anonymous caller posts into our logs.
const ACTIONS = new Set(['providers', 'csrf', 'signin', 'signout', 'session', 'callback', 'error']);
const METHODS = ['GET', 'HEAD', 'OPTIONS', 'POST'];
const FORM = /^application\/x-www-form-urlencoded\s*(;\s*charset=("?)utf-8\2\s*)?$/i;

let nextAuth: ((request: Request, context: Context) => Promise<Response>) | undefined;

/**
 * The credentials callback takes one unambiguous form body: next-auth reads JSON as well as forms (and, for
 * a repeated field, its last value), so anything that two readers could read differently — another media
 * type, a field given twice — is refused before any password is checked.
 */
function assertUnambiguousCredentials(request: Request, body: string): void {
  const type = request.headers.get('content-type') ?? '';
  if (!FORM.test(type.trim())) {
    throw new DomainError(
      'unsupported_media_type',
      'Sign-in takes an application/x-www-form-urlencoded body.',
    );
  }
  const seen = new Set<string>();
  for (const [name] of new URLSearchParams(body)) {
    if (seen.has(name)) throw new DomainError('bad_request', `The field ${name} is given more than once.`);
    seen.add(name);
  }
}

/**
 * next-auth reads a POST body whole, without a limit, on either host: read it here first, counted while
 * streaming (413 past the anonymous limit), and hand next-auth a request carrying just those bytes.
 */
async function withBoundedBody(request: Request): Promise<{ request: Request; text: string }> {
  const text = new TextDecoder().decode(await readLimited(request, ANONYMOUS_BODY_LIMIT_BYTES));
  // Loaded here, not at the top: the operation table (and so this module) is read outside Next too.
  const { NextRequest } = await import('next/server');
  const bounded = new NextRequest(request.url, {
    method: request.method,
    headers: request.headers,
    body: text.length > 0 ? text : null,
    signal: request.signal,
  });
  return { request: bounded, text };
}

async function handle(incoming: Request, context: Context): Promise<Response> {
  return serveDelegated(
    incoming,
    METHODS,
    'nextAuth',
    async ({ path }) => {
      let request = incoming;
      const [action, provider] = (await context.params).nextauth ?? [];
      if (!action || !ACTIONS.has(action)) throw notFound(`No auth action at ${path}.`);
      let body = '';
      if (request.method === 'POST') ({ request, text: body } = await withBoundedBody(request));
      if (request.method === 'POST' && action === 'callback') {
        assertUnambiguousCredentials(request, body);
        if (provider === 'credentials') await limitClient('sign-in', clientAddress(request));
      }
      nextAuth ??= NextAuth(authOptions()) as (request: Request, context: Context) => Promise<Response>;
      return nextAuth(request, context);
    },
    webResponseWriter,
  );
}

export const nextAuthHandlers = delegatedHandlers(handle as Parameters<typeof delegatedHandlers>[0]);
