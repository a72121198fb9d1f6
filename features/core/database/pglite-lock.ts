import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

// PGlite has no cross-process safety: two processes on one data dir lose writes or corrupt it (measured).
// A lock file beside the data dir makes the second process fail fast with a message instead.

interface LockHolder {
  pid: number;
  command: string;
  since: string;
}

export class PgliteLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder,
  ) {
    super(
      `The embedded database at ${dataDir} is in use by another process (pid ${holder.pid}: ${holder.command}, ` +
        `since ${holder.since}). PGlite allows one process per data directory; a second one would lose writes. ` +
        'Stop that process first (for example stop `npm run dev` before running `npm run db:migrate` or `npm start`), ' +
        'or set DATABASE_URL to a Postgres server.',
    );
    this.name = 'PgliteLockedError';
  }
}

const held = new Set<string>();

export const lockPathFor = (dataDir: string) => `${dataDir.replace(/\/+$/, '')}.lock`;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(path: string): LockHolder | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockHolder;
  } catch {
    return undefined;
  }
}

/** Takes the lock for `dataDir` or throws PgliteLockedError. Re-entrant within one process. */
export function acquirePgliteLock(dataDir: string): () => void {
  const path = lockPathFor(dataDir);
  const release = () => {
    if (!held.delete(path)) return;
    try {
      if (readHolder(path)?.pid === process.pid) unlinkSync(path);
    } catch {
      // already gone
    }
  };
  if (held.has(path)) return release;
  mkdirSync(dirname(path), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      const holder: LockHolder = {
        pid: process.pid,
        command: process.argv.slice(1, 3).join(' ') || 'node',
        since: new Date().toISOString(),
      };
      writeSync(fd, JSON.stringify(holder));
      closeSync(fd);
      held.add(path);
      process.once('exit', release);
      return release;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readHolder(path);
      if (holder && holder.pid !== process.pid && isAlive(holder.pid))
        throw new PgliteLockedError(dataDir, holder);
      // Left by a process that died (SIGKILL, crash): PGlite replays its WAL, so the dir is safe to reopen.
      unlinkSync(path);
    }
  }
  throw new Error(`Could not take the lock ${path}`);
}
