import type { MailMessage } from '@/features/core/mail/mailer';

// The account mails, as plain text and HTML (pure: unit-tested). Links come from the web app's templates;
// the token is the only secret in them and appears nowhere else.

export function linkFromTemplate(template: string, token: string): string {
  return template.replaceAll('{token}', encodeURIComponent(token));
}

export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] ?? char,
  );
}

function duration(seconds: number): string {
  if (seconds % 3600 === 0) return seconds === 3600 ? '1 hour' : `${seconds / 3600} hours`;
  const minutes = Math.max(1, Math.round(seconds / 60));
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}

function compose(input: {
  to: string;
  subject: string;
  lines: readonly string[];
  action: string;
  link: string;
  footer: string;
}): MailMessage {
  const { to, subject, lines, action, link, footer } = input;
  const text = [...lines, '', `${action}: ${link}`, '', footer, ''].join('\n');
  const paragraphs = lines.map((line) => `<p>${escapeHtml(line)}</p>`).join('\n');
  const html = `<!doctype html>
<html><body style="font-family: sans-serif; line-height: 1.5">
${paragraphs}
<p><a href="${escapeHtml(link)}">${escapeHtml(action)}</a></p>
<p style="color: #666">${escapeHtml(footer)}</p>
</body></html>
`;
  return { to, subject, text, html };
}

export function passwordResetMail(input: {
  appName: string;
  to: string;
  link: string;
  ttlSeconds: number;
}): MailMessage {
  return compose({
    to: input.to,
    subject: `Reset your ${input.appName} password`,
    lines: [
      `Someone (hopefully you) asked to reset the password of your ${input.appName} account.`,
      `The link works once, for ${duration(input.ttlSeconds)}; a newer request replaces it.`,
    ],
    action: 'Choose a new password',
    link: input.link,
    footer: `If you did not ask for this, ignore this mail: your password stays as it is. — ${input.appName}`,
  });
}

export function emailVerificationMail(input: {
  appName: string;
  to: string;
  link: string;
  ttlSeconds: number;
}): MailMessage {
  return compose({
    to: input.to,
    subject: `Confirm your email for ${input.appName}`,
    lines: [
      `Please confirm that this address belongs to your ${input.appName} account.`,
      `The link works once, for ${duration(input.ttlSeconds)}.`,
    ],
    action: 'Confirm my email',
    link: input.link,
    footer: `If you did not create a ${input.appName} account, ignore this mail. — ${input.appName}`,
  });
}
