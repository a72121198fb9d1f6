import { getConfig } from '@/features/core/config/config';
import { DomainError, forbidden, unauthorized } from '@/features/core/errors/errors';
import type { Guard } from '@/features/core/http/define-route';
import type { PublicUser } from '@/features/users/schemas/schemas';
import { getUserForCredential } from '@/features/users/service/service';
import { verifyAccessToken } from '../utils/tokens';
import { sessionCookieName, sessionFromCookie } from './next-auth';
import { accessTokenKey } from './service';

// One guard for both kinds of callers: `Authorization: Bearer <access token>` (external clients) or the
// next-auth session cookie (the same-origin web app). Declared on a contract as `auth: requireUser`.

export type AuthenticatedUser = PublicUser & { via: 'bearer' | 'session' };

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

/** The credential's user, unless the account is gone or its password changed after the credential was issued. */
async function userOrUnauthorized(
  credential: { userId: string; issuedAt: number } | undefined,
  message: string,
): Promise<PublicUser> {
  const found = credential && (await getUserForCredential(credential.userId));
  const changedAt = found?.credentialsChangedAt?.getTime() ?? 0;
  if (!found || !credential || credential.issuedAt < changedAt) {
    throw new DomainError('unauthorized', message, { code: 'invalid_token' });
  }
  return found.user;
}

export const requireUser: Guard<AuthenticatedUser> = {
  security: [{ bearerAuth: [] }, { oauth2: [] }, { sessionCookie: [] }],
  async authenticate(request) {
    const authorization = request.headers.get('authorization');
    if (authorization !== null) {
      const [scheme, token] = authorization.split(' ');
      if (scheme?.toLowerCase() !== 'bearer' || !token)
        throw unauthorized('Use `Authorization: Bearer <access token>`.', 'invalid_token');
      const user = await userOrUnauthorized(
        await verifyAccessToken(await accessTokenKey(), token),
        'The access token is invalid or expired.',
      );
      return { ...user, via: 'bearer' };
    }
    const session = readCookie(request.headers.get('cookie'), sessionCookieName());
    if (session !== undefined) {
      assertSameSite(request);
      const user = await userOrUnauthorized(
        await sessionFromCookie(session),
        'The session is invalid or expired.',
      );
      return { ...user, via: 'session' };
    }
    throw unauthorized('Authentication is required: a bearer access token or a session cookie.');
  },
};
