// Playwright webServer entry: `tsx tests/support/serve.ts <pass> <port> [own|next]` — fresh database for the
// pass, migrations through the project's runner, then the pass's host (PASS_HOSTS: our own server or
// `next start`) on the seed catalogue; everything torn down on SIGTERM/SIGINT.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareTestApiKeys } from './api-keys';
import { TEST_AFFILIATE_PARAMS } from './feed';
import { startMailbox } from './mailbox';
import {
  type Host,
  PASS_HOSTS,
  type Pass,
  prepareDatabase,
  runMigrations,
  runSeed,
  startServer,
  writeServerInfo,
} from './server';

const [pass, port] = [process.argv[2] as Pass, Number(process.argv[3])];
const host = (process.argv[4] as Host | undefined) ?? PASS_HOSTS[pass];
const { env, cleanup } = await prepareDatabase(pass);
await runMigrations(env);
await runSeed(env);
const apiKeys = await prepareTestApiKeys(env);
// The pass's own SMTP server: account mails arrive there as real messages (tests/support/mailbox.ts).
const mailDir = mkdtempSync(join(tmpdir(), `stylipp-mail-${pass}-`));
const mailbox = await startMailbox(mailDir);
// Tests pose as different clients through X-Forwarded-For (per-address rate limits): as behind one proxy.
const server = await startServer({
  port,
  host,
  env: {
    ...env,
    LOG_LEVEL: 'warn',
    TRUSTED_PROXIES: '1',
    AFFILIATE_PARAMS: JSON.stringify(TEST_AFFILIATE_PARAMS),
    ...mailbox.env,
  },
});
if (server.process.exitCode !== null) {
  console.error(server.output());
  await mailbox.close();
  await cleanup();
  process.exit(1);
}
server.process.stderr?.pipe(process.stderr);
writeServerInfo(pass, { url: server.url, pid: server.process.pid ?? 0, env, host, apiKeys, mailDir });
console.log(`[${pass}] serving ${server.url} (${host === 'own' ? 'our own server' : 'next start'})`);

let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  await server.stop('SIGTERM');
  await mailbox.close();
  rmSync(mailDir, { recursive: true, force: true });
  await cleanup().catch((error) => console.error(`[${pass}] cleanup failed: ${error.message}`));
  process.exit(0);
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
server.process.on('exit', (code) => {
  if (!stopping) {
    console.error(`[${pass}] server exited unexpectedly (${code})\n${server.output()}`);
    void cleanup().finally(() => process.exit(1));
  }
});
