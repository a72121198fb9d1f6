import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { freePort } from '../support/ports';
import { runMigrations, testSecret } from '../support/server';

// What a container runtime or a process manager does: SIGTERM to the main process, which is npm when the
// command is `npm start`. npm forwards the signal to its child; the script `exec`s node, so that child is the
// server itself (no shell between them that would die and orphan it), and it drains as it does when signalled
// directly. Both hosts: our own server (`npm start`) and `next start` (`npm run start:next`).

/** Every descendant of a process, from /proc (Linux). */
function descendants(pid: number): number[] {
  const found: number[] = [];
  const walk = (parent: number) => {
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${parent}/task`);
    } catch {
      return;
    }
    for (const task of tasks) {
      let children = '';
      try {
        children = readFileSync(`/proc/${parent}/task/${task}/children`, 'utf8');
      } catch {
        continue;
      }
      for (const child of children.split(' ').filter(Boolean).map(Number)) {
        found.push(child);
        walk(child);
      }
    }
  };
  walk(pid);
  return found;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
};

for (const script of ['start', 'start:next'] as const) {
  test(`SIGTERM to \`npm run ${script}\` drains the server it started and leaves no process behind`, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'stylipp-npm-start-'));
    await runMigrations({ DATA_DIR: dataDir });
    const port = await freePort();
    const npm = spawn('npm', ['run', '--silent', script], {
      env: {
        ...process.env,
        NODE_ENV: 'production',
        DATABASE_DRIVER: 'pglite',
        DATA_DIR: dataDir,
        AUTH_SECRET: testSecret(),
        APP_URL: `http://localhost:${port}`,
        CORS_ORIGINS: 'https://stylipp.com',
        LOG_LEVEL: 'info',
        // next start in production refuses to run without a trusted proxy (it cannot see client addresses).
        TRUSTED_PROXIES: '1',
        HOST: '127.0.0.1',
        PORT: String(port),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group: cleaned up below whatever happens
    });
    let output = '';
    npm.stdout.on('data', (chunk) => (output += chunk));
    npm.stderr.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => npm.on('exit', (code) => resolve(code)));
    const npmPid = npm.pid as number;
    try {
      let healthy = false;
      for (let attempt = 0; attempt < 600 && !healthy && npm.exitCode === null; attempt++) {
        healthy = await fetch(`http://127.0.0.1:${port}/api/health`).then(
          (response) => response.ok,
          () => false,
        );
        if (!healthy) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(healthy, output).toBe(true);
      const tree = descendants(npmPid);
      expect(tree.length, output).toBeGreaterThan(0);

      process.kill(npmPid, 'SIGTERM'); // npm alone, not its group
      await exited;
      const deadline = Date.now() + 15_000;
      while (tree.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(tree.filter(alive), `still running after npm exited\n${output}`).toEqual([]);
      expect(output).toMatch(/"msg":"shut down","signal":"SIGTERM","drained":true/);
      await expect(fetch(`http://127.0.0.1:${port}/api/health`)).rejects.toThrow();
    } finally {
      try {
        process.kill(-npmPid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  });
}
