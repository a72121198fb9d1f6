import { getConfig } from '@/features/core/config/config';
import { forbidden, unauthorized } from '@/features/core/errors/errors';
import type { Guard } from '@/features/core/http/define-route';
import type { PublicUser } from '../schemas/schemas';
import { verifyAccessToken } from '../utils/tokens';
import { sessionCookieName, sessionFromCookie } from './next-auth';
import { findSignedInUser } from './service';
import { findSessionUserById } from './sessions';
import { accessTokenKey } from './tokens';

// One guard for both kinds of callers: `Authorization: Bearer <access token>` (external clients) or the
// next-auth session cookie (the same-origin web app). Declared on a contract as `auth: requireUser`.

export type AuthenticatedUser = PublicUser & {
  via: 'bearer' | 'session';
  /** Which sign-in this request belongs to (an email change keeps it and ends the others). */
  signIn: { sessionId: string } | { authTime: Date };
};

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function readCookie(header: string | null, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index !== -1 && part.slice(0, index).trim() === name) return part.slice(index + 1).trim();
  }
  return undefined;
}

let trustedOrigins: Set<string> | undefined;
function isTrustedOrigin(origin: string): boolean {
  const config = getConfig();
  trustedOrigins ??= new Set([new URL(config.appUrl).origin, ...config.corsOrigins]);
  return trustedOrigins.has(origin);
}

/** CSRF defence for cookie-authenticated mutations (bearer requests carry no ambient credential). */
function assertSameSite(request: Request): void {
  if (SAFE_METHODS.has(request.method)) return;
  const origin = request.headers.get('origin');
  const crossSite = request.headers.get('sec-fetch-site') === 'cross-site';
  if ((origin !== null && !isTrustedOrigin(origin)) || (origin === null && crossSite)) {
    throw forbidden('A cookie-authenticated request from another origin is refused (CSRF protection).');
  }
}

export const requireUser: Guard<AuthenticatedUser> = {
  security: [{ bearerAuth: [] }, { oauth2: [] }, { sessionCookie: [] }],
  async authenticate(request) {
    const authorization = request.headers.get('authorization');
    if (authorization !== null) {
      const [scheme, token] = authorization.split(' ');
      if (scheme?.toLowerCase() !== 'bearer' || !token)
        throw unauthorized('Use `Authorization: Bearer <access token>`.', 'invalid_token');
      const claims = await verifyAccessToken(await accessTokenKey(), token);
      const user = claims && (await findSignedInUser(claims.userId, claims.authTime));
      if (!user) throw unauthorized('The access token is invalid or expired.', 'invalid_token');
      return { ...user, via: 'bearer', signIn: { authTime: new Date(claims.authTime) } };
    }
    const session = readCookie(request.headers.get('cookie'), sessionCookieName());
    if (session !== undefined) {
      assertSameSite(request);
      const claims = await sessionFromCookie(session);
      const user = claims && (await findSessionUserById(claims.sessionId, claims.userId));
      if (!user) throw unauthorized('The session is invalid or expired.', 'invalid_token');
      return { ...user, via: 'session', signIn: { sessionId: claims.sessionId } };
    }
    throw unauthorized('Authentication is required: a bearer access token or a session cookie.');
  },
};
