import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { expect } from '@playwright/test';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

// A real SMTP server in the test run (smtp-server, on 127.0.0.1, no TLS, no auth): the API server sends to
// it through SMTP_URL like to any relay; each message received is written whole (envelope + raw RFC 5322
// text) to a folder the tests read and parse with mailparser.

export async function startMailbox(
  dir: string,
): Promise<{ env: { SMTP_URL: string }; close(): Promise<void> }> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    size: 1024 * 1024,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const name = `${process.hrtime.bigint()}-${randomBytes(3).toString('hex')}.json`;
        const to = session.envelope.rcptTo.map((rcpt) => rcpt.address.toLowerCase());
        writeFileSync(join(dir, name), JSON.stringify({ to, raw: Buffer.concat(chunks).toString('utf8') }));
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    env: { SMTP_URL: `smtp://127.0.0.1:${port}` },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface ReceivedMail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  /** The `token` query parameter of the first link in the text body. */
  token: string;
  link: string;
}

async function parse(raw: string): Promise<ReceivedMail> {
  const mail = await simpleParser(raw);
  const text = mail.text ?? '';
  const link = text.match(/https?:\/\/\S+/)?.[0] ?? '';
  return {
    from: mail.from?.text ?? '',
    to: Array.isArray(mail.to) ? mail.to.map((a) => a.text).join(', ') : (mail.to?.text ?? ''),
    subject: mail.subject ?? '',
    text,
    html: typeof mail.html === 'string' ? mail.html : '',
    link,
    token: link ? (new URL(link).searchParams.get('token') ?? '') : '',
  };
}

/** Every message received for `address` so far, in the order received. */
export async function mailsTo(dir: string, address: string): Promise<ReceivedMail[]> {
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort((a, b) => (BigInt(a.split('-')[0] ?? 0) < BigInt(b.split('-')[0] ?? 0) ? -1 : 1));
  const mails: ReceivedMail[] = [];
  for (const file of files) {
    const { to, raw } = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { to: string[]; raw: string };
    if (to.includes(address.toLowerCase())) mails.push(await parse(raw));
  }
  return mails;
}

/** Waits until `count` messages have reached `address`; returns them all (oldest first). */
export async function waitForMails(dir: string, address: string, count = 1): Promise<ReceivedMail[]> {
  let mails: ReceivedMail[] = [];
  await expect
    .poll(
      async () => {
        mails = await mailsTo(dir, address);
        return mails.length;
      },
      {
        message: `${count} mail(s) to ${address}`,
        timeout: 15_000,
      },
    )
    .toBeGreaterThanOrEqual(count);
  return mails;
}
