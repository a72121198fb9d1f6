import { execFile } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import { setPriority } from 'node:os';
import { promisify } from 'node:util';

// Heavy work yields the CPU to request handling. argon2 and sharp run on libuv's thread pool, and libvips'
// threads are started by it (a thread inherits its creator's scheduling). Admission control bounds how many
// run at once; this decides who waits when they share a core with the event loop:
//   - `idle` (SCHED_IDLE, via util-linux's `chrt`): a request that wakes up takes the core from heavy work at
//     once. Measured on 2 cores (A/B in one server, 5 rounds): GET /api/health p99 during an upload flood
//     2.2× its idle p99 (median) against 4.5× at normal priority, during a login flood 2.2× against 2.3×;
//   - `low` (nice 19, os.setPriority): the portable fallback when `chrt` is missing. Weaker — Linux's EEVDF
//     scheduler lets a running thread finish its slice before a waking one preempts it (3.9× in the same A/B);
//   - `normal`: leave the pool as it is.
// The pool's file-system and DNS work runs at the same priority; it waits only while the cores are saturated.
// Linux only (thread ids come from /proc); elsewhere nothing changes.

export type HeavyWorkPriority = 'idle' | 'low' | 'normal';

const NICE_LOW = 19;
const POOL_THREAD_NAME = 'libuv-worker';

/** The thread ids of libuv's pool in this process (it starts its threads on first use: this makes sure). */
async function poolThreadIds(): Promise<string[]> {
  await stat('/proc/self'); // an fs call runs on the pool, which starts all its threads at once
  const ids: string[] = [];
  for (const id of await readdir('/proc/self/task')) {
    const name = await readFile(`/proc/self/task/${id}/comm`, 'utf8').catch(() => '');
    if (name.trim() === POOL_THREAD_NAME) ids.push(id);
  }
  return ids;
}

/**
 * Lowers the scheduling priority of libuv's pool threads (see above); resolves with what was applied and to how
 * many threads. Never throws: `idle` falls back to `low`, and `low` to `normal`, when the system refuses.
 */
export async function lowerHeavyWorkPriority(
  priority: HeavyWorkPriority,
): Promise<{ applied: HeavyWorkPriority; threads: number }> {
  if (priority === 'normal' || process.platform !== 'linux') return { applied: 'normal', threads: 0 };
  const ids = await poolThreadIds().catch(() => []);
  if (ids.length === 0) return { applied: 'normal', threads: 0 };
  if (priority === 'idle') {
    const run = promisify(execFile);
    const applied = await Promise.all(
      ids.map((id) =>
        run('chrt', ['--idle', '--pid', '0', id], { timeout: 5000 }).then(
          () => true,
          () => false,
        ),
      ),
    );
    if (applied.every(Boolean)) return { applied: 'idle', threads: ids.length };
  }
  try {
    for (const id of ids) setPriority(Number(id), NICE_LOW);
    return { applied: 'low', threads: ids.length };
  } catch {
    return { applied: 'normal', threads: 0 };
  }
}
