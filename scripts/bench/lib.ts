// Helpers for `npm run bench` (scripts/bench/bench.ts): the build check, the floor server, autocannon, and the
// per-process accounting read from /proc (Linux only).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

export { buildIfNeeded } from '../lib/build-if-needed';

// ---- /proc accounting ---------------------------------------------------------------------------------

const CLOCK_TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/** Fields of /proc/<pid>/stat after the `(comm)` field, which may itself contain spaces and parentheses. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined; // exited between listing and reading
  }
}

/** Every live process whose process group is `pgid` (servers are spawned detached: pgid = leader's pid). */
export function groupPids(pgid: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => statFields(pid)?.[2] === String(pgid));
}

/**
 * CPU time in µs used so far by a process group: utime + stime of each member, plus cutime + cstime (its
 * reaped children), so a server that forks workers — `next start` may — is charged for them too.
 */
export function groupCpuMicros(pgid: number): number {
  let ticks = 0;
  for (const pid of groupPids(pgid)) {
    const fields = statFields(pid);
    // Fields 14–17 of proc(5) (utime, stime, cutime, cstime) sit at 11–14 once pid and comm are cut off.
    if (fields) ticks += [11, 12, 13, 14].reduce((sum, index) => sum + Number(fields[index]), 0);
  }
  return (ticks * 1e6) / CLOCK_TICKS_PER_SECOND;
}

/** Resident set size in bytes (VmRSS), or undefined once the process is gone. */
export function rssBytes(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The member of process group `pgid` that holds the listening socket on 127.0.0.1:`port` — the process
 * actually serving requests, whatever wrapper (`next start`, tsx) launched it.
 */
export function listeningPid(pgid: number, port: number): number {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const LISTEN = '0A';
  const inode = readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .find((columns) => columns[1] === local && columns[3] === LISTEN)?.[9];
  if (!inode) throw new Error(`nothing listens on 127.0.0.1:${port}`);
  for (const pid of groupPids(pgid)) {
    try {
      const fdDir = `/proc/${pid}/fd`;
      if (readdirSync(fdDir).some((fd) => readlinkSync(join(fdDir, fd)) === `socket:[${inode}]`)) return pid;
    } catch {
      // exited, or an fd closed while we looked
    }
  }
  throw new Error(`no process of group ${pgid} holds 127.0.0.1:${port}`);
}

// ---- floor ----------------------------------------------------------------------------------------------

export interface Floor {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

// The floor: the cheapest answer Node itself gives a health check — node:http, no framework, the same body.
// Plain JavaScript run by `node -e`, not a .ts file through tsx, so the loader inflates neither its RSS nor
// its start-up.
const FLOOR_SOURCE = `
const body = JSON.stringify({ status: 'healthy' });
const headers = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) };
require('node:http')
  .createServer((request, response) => response.writeHead(200, headers).end(body))
  .listen(Number(process.argv[1]), '127.0.0.1', () => console.log('listening'));
`;

/**
 * Starts the floor in its own process (and process group), so it gets a core and CPU accounting of its own
 * instead of competing with autocannon inside the bench process.
 */
export function startFloor(port: number): Promise<Floor> {
  const child = spawn(process.execPath, ['-e', FLOOR_SOURCE, String(port)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true,
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const floor: Floor = {
    url: `http://127.0.0.1:${port}`,
    process: child,
    stop: async () => {
      if (child.exitCode === null && child.pid) process.kill(-child.pid, 'SIGTERM');
      await exited;
    },
  };
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('listening')) resolve(floor);
    });
    child.once('exit', (code) => reject(new Error(`the floor server exited (${code}) before listening`)));
  });
}

// ---- autocannon -----------------------------------------------------------------------------------------

export interface LoadRequest {
  path: string;
  method?: 'GET' | 'POST' | 'HEAD';
  headers?: Record<string, string>;
  body?: string | Buffer;
}

interface AutocannonOptions extends Omit<LoadRequest, 'path'> {
  url: string;
  connections: number;
  duration?: number;
  amount?: number;
}

/** The part of autocannon's result this bench reads (latencies in ms, duration in s; errors include timeouts). */
export interface AutocannonResult {
  duration: number;
  errors: number;
  non2xx: number;
  latency: { p50: number; p99: number };
  requests: { total: number };
}

// autocannon ships no types (and @types/autocannon is not a dependency): type the one call we make.
const autocannon = createRequire(import.meta.url)('autocannon') as (
  options: AutocannonOptions,
) => PromiseLike<AutocannonResult>;

/** One autocannon run against `base` for `duration` seconds or until `amount` requests completed. */
export function load(
  base: string,
  request: LoadRequest,
  limit: { connections: number; duration?: number; amount?: number },
): Promise<AutocannonResult> {
  const { path, ...rest } = request;
  return Promise.resolve(autocannon({ url: `${base}${path}`, ...rest, ...limit }));
}

// ---- latency probe --------------------------------------------------------------------------------------

/** Latencies of one probe run, in milliseconds to the microsecond. */
export interface ProbeResult {
  requests: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

// A closed-loop GET load in a process of its own: `connections` keep-alive connections, each sending its next
// request when the last answer is read, every latency kept (p99 to the microsecond, not autocannon's whole
// milliseconds). In its own process so that the client sending a flood (autocannon, in the bench process) does
// not delay the probe's own reads and show up as server latency.
const PROBE_SOURCE = `
const http = require('node:http');
const [url, connections, seconds] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3])];
const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
const latencies = [];
let errors = 0;
const end = performance.now() + seconds * 1000;
const one = () => new Promise((resolve) => {
  const started = performance.now();
  http.get(url, { agent }, (response) => {
    response.resume();
    response.on('end', () => {
      if (response.statusCode === 200) latencies.push(performance.now() - started); else errors++;
      resolve();
    });
  }).on('error', () => { errors++; resolve(); });
});
const loop = async () => { while (performance.now() < end) await one(); };
Promise.all(Array.from({ length: connections }, loop)).then(() => {
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  const ms = (value) => Math.round(value * 1000) / 1000;
  console.log(JSON.stringify({ requests: latencies.length, errors, p50Ms: ms(at(0.5)), p99Ms: ms(at(0.99)), maxMs: ms(latencies.at(-1) ?? 0) }));
  agent.destroy();
});
`;

/** Latency of GET `base` + `path` under `connections` closed-loop connections for `seconds` (see PROBE_SOURCE). */
export function probeLatency(
  base: string,
  path: string,
  { connections, seconds }: { connections: number; seconds: number },
): Promise<ProbeResult> {
  const child = spawn(
    process.execPath,
    ['-e', PROBE_SOURCE, `${base}${path}`, String(connections), String(seconds)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      if (code === 0) resolve(JSON.parse(out) as ProbeResult);
      else reject(new Error(`the latency probe exited with ${code}`));
    });
  });
}

// ---- statistics and printing ----------------------------------------------------------------------------

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** A plain-text table: first column left-aligned, the others right-aligned. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0),
      )
      .join('  ');
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)].join('\n');
}

export const megabytes = (bytes: number | undefined) =>
  bytes === undefined ? '–' : (bytes / 2 ** 20).toFixed(1);
