import type { NextAuthOptions } from 'next-auth';
import { decode } from 'next-auth/jwt';
import CredentialsProvider from 'next-auth/providers/credentials';
import { systemClock } from '@/features/core/clock/clock';
import { getConfig } from '@/features/core/config/config';
import { DomainError } from '@/features/core/errors/errors';
import { clientAddress } from '@/features/core/http/client-address';
import { describeError, logger } from '@/features/core/logger/logger';
import { purgeWhenDue } from './purge';
import { signIn } from './service';
import { endSession, findSessionUserById, SESSION_IDLE_SECONDS, startSession } from './sessions';

// next-auth 4 for the same-origin web app: credentials through `signIn` (which counts the attempt against
// exactly the account next-auth checks), JWT cookies that name a server-side session row.

const SESSION_COOKIE = 'next-auth.session-token';
// What travels in next-auth's error redirect (`?error=`): fixed words, never an error's own text.
export const SIGN_IN_ERRORS = { rateLimited: 'RateLimited', unavailable: 'Unavailable' } as const;

function overHttps(): boolean {
  return getConfig().appUrl.startsWith('https://');
}

/** Over HTTPS `__Host-` (Secure, Path=/, no Domain: no subdomain can set or shadow it). */
export function sessionCookieName(): string {
  return overHttps() ? `__Host-${SESSION_COOKIE}` : SESSION_COOKIE;
}

let options: NextAuthOptions | undefined;
export function authOptions(): NextAuthOptions {
  options ??= {
    secret: getConfig().authSecret,
    session: { strategy: 'jwt', maxAge: SESSION_IDLE_SECONDS },
    useSecureCookies: overHttps(),
    cookies: {
      sessionToken: {
        name: sessionCookieName(),
        options: { httpOnly: true, sameSite: 'lax', path: '/', secure: overHttps() },
      },
    },
    logger: {
      error: (code) => logger.warn('next-auth error', { code }),
      warn: (code) => logger.warn('next-auth warning', { code }),
      debug: () => {},
    },
    providers: [
      CredentialsProvider({
        name: 'Email',
        credentials: {
          email: { label: 'Email', type: 'email' },
          password: { label: 'Password', type: 'password' },
        },
        async authorize(credentials, request) {
          if (!credentials?.email || !credentials.password) return null;
          purgeWhenDue(systemClock);
          try {
            // next-auth hands the request's headers as a plain object; the kernel set the client address there.
            const headers = new Headers(request?.headers as Record<string, string> | undefined);
            const signedIn = await signIn(
              credentials.email,
              credentials.password,
              clientAddress({ headers }),
            );
            if (!signedIn) return null;
            const sessionId = await startSession(signedIn);
            const { id, email, name } = signedIn.user;
            return { id, email, name, sessionId };
          } catch (error) {
            if (error instanceof DomainError && error.kind === 'rate_limited')
              throw new Error(SIGN_IN_ERRORS.rateLimited);
            logger.error('sign-in failed', describeError(error));
            throw new Error(SIGN_IN_ERRORS.unavailable);
          }
        },
      }),
    ],
    callbacks: {
      async jwt({ token, user }) {
        if (user) {
          token.sid = (user as { sessionId?: string }).sessionId;
          return token;
        }
        // Every read of the cookie (GET /api/auth/session included) asks the session row; throwing makes
        // next-auth answer "no session" and clear the cookie.
        const live =
          typeof token.sid === 'string' &&
          typeof token.sub === 'string' &&
          (await findSessionUserById(token.sid, token.sub));
        if (!live) throw new Error('session ended');
        return token;
      },
      session({ session, token }) {
        // Expose the user id to the web app; nothing else is added to the session.
        return { ...session, user: { ...session.user, id: token.sub } };
      },
    },
    events: {
      async signOut({ token }) {
        if (typeof token?.sid === 'string') await endSession(token.sid);
      },
    },
  };
  return options;
}

/** User and session id of a valid next-auth session cookie value, or undefined. */
export async function sessionFromCookie(
  value: string,
): Promise<{ userId: string; sessionId: string } | undefined> {
  try {
    const token = await decode({ token: value, secret: getConfig().authSecret });
    if (typeof token?.sub !== 'string' || typeof token.sid !== 'string') return undefined;
    return { userId: token.sub, sessionId: token.sid };
  } catch {
    return undefined;
  }
}
