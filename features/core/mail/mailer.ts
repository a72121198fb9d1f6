import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import nodemailer from 'nodemailer';
import { getConfig } from '@/features/core/config/config';
import { logger } from '@/features/core/logger/logger';

// One mailer behind a small interface. With SMTP_URL it sends through that server (nodemailer); without it
// each message is written whole to an outbox folder under the data dir and a log line names the file, so a
// developer can open the link — a message is never dropped silently. Features build the message (text and
// HTML); the mailer only delivers it. Nothing here logs a body: mailed links carry secrets.

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface Mailer {
  send(message: MailMessage): Promise<void>;
}

export function createSmtpMailer(options: { smtpUrl: string; from: string }): Mailer {
  const transport = nodemailer.createTransport(options.smtpUrl);
  return {
    async send(message) {
      const info = await transport.sendMail({ from: options.from, ...message });
      logger.info('mail sent', { messageId: info.messageId });
    },
  };
}

export function createOutboxMailer(options: { outboxDir: string; from: string; warn: boolean }): Mailer {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    async send(message) {
      const info = await transport.sendMail({ from: options.from, ...message });
      await mkdir(options.outboxDir, { recursive: true, mode: 0o700 });
      const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(4).toString('hex')}.eml`;
      const file = resolve(join(options.outboxDir, name));
      await writeFile(file, info.message as Buffer, { mode: 0o600, flag: 'wx' });
      const log = options.warn ? logger.warn : logger.info;
      log('mail written to the outbox (SMTP_URL is not set)', { file });
    },
  };
}

let mailer: Mailer | undefined;

/** The app's mailer, from the config: SMTP when SMTP_URL is set, else the outbox (a warning per message in production). */
export function getMailer(): Mailer {
  if (mailer) return mailer;
  const config = getConfig();
  const { smtpUrl, from, outboxDir } = config.mail;
  mailer = smtpUrl
    ? createSmtpMailer({ smtpUrl, from })
    : createOutboxMailer({ outboxDir, from, warn: config.isProduction });
  return mailer;
}
