import { expect, test } from '@playwright/test';
import {
  emailVerificationMail,
  escapeHtml,
  linkFromTemplate,
  passwordResetMail,
} from '@/features/accounts/utils/mail';
import { ConfigError, parseEnv } from '@/features/core/config/schema';

// The account mails (pure) and their configuration.

test('a link is its template with the token put in (encoded), wherever {token} stands', () => {
  expect(linkFromTemplate('https://stylipp.com/reset?token={token}', 'ab_-9')).toBe(
    'https://stylipp.com/reset?token=ab_-9',
  );
  expect(linkFromTemplate('https://x.example/#/verify/{token}', 'a/b+c')).toBe(
    'https://x.example/#/verify/a%2Fb%2Bc',
  );
});

test('a reset mail has plain text and HTML, the app name, the link and its lifetime; HTML is escaped', () => {
  const link = 'https://stylipp.com/reset-password?token=abc&x=1';
  const mail = passwordResetMail({ appName: 'Style <&> Co', to: 'ada@example.com', link, ttlSeconds: 1800 });
  expect(mail.to).toBe('ada@example.com');
  expect(mail.subject).toBe('Reset your Style <&> Co password');
  expect(mail.text).toContain(link);
  expect(mail.text).toContain('30 minutes');
  expect(mail.html).toContain('href="https://stylipp.com/reset-password?token=abc&amp;x=1"');
  expect(mail.html).toContain('Style &lt;&amp;&gt; Co');
  expect(mail.html).not.toContain('<&>');
  const verification = emailVerificationMail({ appName: 'Stylipp', to: 'a@b.c', link, ttlSeconds: 86_400 });
  expect(verification.text).toContain('24 hours');
  expect(verification.subject).toBe('Confirm your email for Stylipp');
  expect(escapeHtml(`"'`)).toBe('&quot;&#39;');
});

test('mail config: outbox by default, links on the app URL, SMTP when SMTP_URL is set', () => {
  const config = parseEnv({ APP_URL: 'https://api.stylipp.com' });
  expect(config.mail).toEqual({
    appName: 'Stylipp',
    from: 'Stylipp <no-reply@api.stylipp.com>',
    smtpUrl: undefined,
    outboxDir: '.data/outbox',
    passwordResetUrl: 'https://api.stylipp.com/reset-password?token={token}',
    emailVerificationUrl: 'https://api.stylipp.com/verify-email?token={token}',
  });
  expect(config.recovery).toEqual({
    passwordResetTtlSeconds: 1800,
    emailVerificationTtlSeconds: 86_400,
    rateLimit: { windowSeconds: 900, perAccount: 3, perIp: 10 },
  });
  const custom = parseEnv({
    SMTP_URL: 'smtps://user:pw@mail.example.com:465',
    FRONTEND_URL: 'https://stylipp.com/',
    EMAIL_VERIFICATION_URL: 'https://stylipp.com/#/verify/{token}',
    APP_NAME: 'Stylipp Beta',
  });
  expect(custom.mail).toMatchObject({
    smtpUrl: 'smtps://user:pw@mail.example.com:465',
    from: 'Stylipp Beta <no-reply@stylipp.com>',
    passwordResetUrl: 'https://stylipp.com/reset-password?token={token}',
    emailVerificationUrl: 'https://stylipp.com/#/verify/{token}',
  });
});

test('bad mail settings are named, and the SMTP password is never echoed', () => {
  let error: unknown;
  try {
    parseEnv({
      SMTP_URL: 'http://user:hunter2-secret@mail.example.com',
      PASSWORD_RESET_URL: 'https://stylipp.com/reset',
      MAIL_RATE_LIMIT_WINDOW_SECONDS: '7200',
    });
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(ConfigError);
  const variables = (error as ConfigError).problems.map((p) => p.variable).sort();
  expect(variables).toEqual(['MAIL_RATE_LIMIT_WINDOW_SECONDS', 'PASSWORD_RESET_URL', 'SMTP_URL']);
  expect((error as ConfigError).message).not.toContain('hunter2');
});
