// Playwright webServer entry: `tsx tests/support/serve.ts <pass> <port>` — fresh database for the pass,
// migrations through the project's runner, the seed catalogue, then `next start`; everything torn down on
// SIGTERM/SIGINT.
import { prepareTestApiKeys } from './api-keys';
import { TEST_AFFILIATE_PARAMS } from './feed';
import { type Pass, prepareDatabase, runMigrations, runSeed, startServer, writeServerInfo } from './server';

const [pass, port] = [process.argv[2] as Pass, Number(process.argv[3])];
const { env, cleanup } = await prepareDatabase(pass);
await runMigrations(env);
await runSeed(env);
const apiKeys = await prepareTestApiKeys(env);
const server = await startServer({
  port,
  env: { ...env, LOG_LEVEL: 'warn', AFFILIATE_PARAMS: JSON.stringify(TEST_AFFILIATE_PARAMS) },
});
if (server.process.exitCode !== null) {
  console.error(server.output());
  await cleanup();
  process.exit(1);
}
server.process.stderr?.pipe(process.stderr);
writeServerInfo(pass, { url: server.url, pid: server.process.pid ?? 0, env, apiKeys });
console.log(`[${pass}] serving ${server.url}`);

let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  await server.stop('SIGTERM');
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
