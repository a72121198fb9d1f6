import type { NextAuthOptions } from 'next-auth';
import { decode } from 'next-auth/jwt';
import CredentialsProvider from 'next-auth/providers/credentials';
import { getConfig } from '@/features/core/config/config';
import { verifyCredentials } from '@/features/users/service/service';

// next-auth 4 for the same-origin web app: credentials through the users service, JWT (encrypted cookie)
// sessions. Rate limiting of the credentials callback happens in the router, before next-auth runs.

const SESSION_MAX_AGE_SECONDS = 30 * 24 * 60 * 60;

export function sessionCookieName(): string {
  return getConfig().appUrl.startsWith('https://')
    ? '__Secure-next-auth.session-token'
    : 'next-auth.session-token';
}

let options: NextAuthOptions | undefined;
export function authOptions(): NextAuthOptions {
  options ??= {
    secret: getConfig().authSecret,
    session: { strategy: 'jwt', maxAge: SESSION_MAX_AGE_SECONDS },
    useSecureCookies: getConfig().appUrl.startsWith('https://'),
    providers: [
      CredentialsProvider({
        name: 'Email',
        credentials: {
          email: { label: 'Email', type: 'email' },
          password: { label: 'Password', type: 'password' },
        },
        async authorize(credentials) {
          if (!credentials?.email || !credentials.password) return null;
          const user = await verifyCredentials(credentials.email, credentials.password);
          return user ? { id: user.id, email: user.email, name: user.name } : null;
        },
      }),
    ],
    callbacks: {
      jwt({ token, user }) {
        // The sign-in instant, kept across next-auth's cookie refreshes: the guard refuses sessions older
        // than the account's last password change.
        if (user) token.authTime = Date.now();
        return token;
      },
      session({ session, token }) {
        // Expose the user id to the web app; nothing else is added to the session.
        return { ...session, user: { ...session.user, id: token.sub } };
      },
    },
  };
  return options;
}

/** User id and sign-in time (ms) of a valid next-auth session cookie value, or undefined. */
export async function sessionFromCookie(
  value: string,
): Promise<{ userId: string; issuedAt: number } | undefined> {
  try {
    const token = await decode({ token: value, secret: getConfig().authSecret });
    if (typeof token?.sub !== 'string' || typeof token.authTime !== 'number') return undefined;
    return { userId: token.sub, issuedAt: token.authTime };
  } catch {
    return undefined;
  }
}
