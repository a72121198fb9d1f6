import { AsyncLocalStorage } from 'node:async_hooks';
import { writeSync } from 'node:fs';
import { getConfig } from '@/features/core/config/config';

// One JSON line per event on stdout (stderr in CLIs: `logToStderr`). Callers pass structured fields, never request bodies, headers or
// query strings: those are where secrets live.

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
type Level = Exclude<keyof typeof LEVELS, 'silent'>;
export type LogFields = Record<string, string | number | boolean | null | undefined>;

let threshold: number | undefined;
/** Where info and debug lines go: stdout in servers; stderr in CLIs, whose stdout carries their result. */
let infoFd: 1 | 2 = 1;

/** For command-line tools: every log line goes to stderr, so stdout holds only the command's result. */
export function logToStderr(): void {
  infoFd = 2;
}

// One ISO timestamp per millisecond, not per line (the profile's largest item in the kernel).
let stampMs = 0;
let stamp = '';
function timestamp(): string {
  const now = Date.now();
  if (now !== stampMs) {
    stampMs = now;
    stamp = new Date(now).toISOString();
  }
  return stamp;
}

/** Longest string value a log line carries: a client-supplied value (a path, a user agent) is cut there. */
export const MAX_LOG_VALUE_CHARS = 512;

const capped = (value: string) =>
  value.length <= MAX_LOG_VALUE_CHARS
    ? value
    : `${value.slice(0, MAX_LOG_VALUE_CHARS)}…(${value.length - MAX_LOG_VALUE_CHARS} more)`;

/**
 * One JSON line: every value escaped by JSON (a client's newline cannot forge a line) and every string capped at
 * MAX_LOG_VALUE_CHARS (a client cannot write a 900 KB line).
 */
export function formatLogLine(level: Level, msg: string, fields?: LogFields): string {
  let safe = fields;
  if (
    fields &&
    Object.values(fields).some((value) => typeof value === 'string' && value.length > MAX_LOG_VALUE_CHARS)
  )
    safe = Object.fromEntries(
      Object.entries(fields).map(([name, value]) => [
        name,
        typeof value === 'string' ? capped(value) : value,
      ]),
    );
  const rest = safe ? JSON.stringify(safe) : '{}';
  return `{"time":"${timestamp()}","level":"${level}","msg":${JSON.stringify(capped(msg))}${rest === '{}' ? '}' : `,${rest.slice(1)}`}`;
}

// info/debug lines are gathered and written once per turn of the event loop (one write per burst of
// requests instead of one per request: measured as a large share of a cheap request's CPU); warnings and
// errors go out at once. Pending lines are flushed synchronously on exit.
let pending = '';
let flushScheduled = false;
function flush(): void {
  flushScheduled = false;
  if (pending === '') return;
  const out = pending;
  pending = '';
  (infoFd === 2 ? process.stderr : process.stdout).write(out);
}

// The request a line is written for, without passing it by hand: the kernel runs each request inside
// withLogContext, and every line written in it (services, repositories, timers it started) carries its
// requestId. One store per process on globalThis: our own server's bundle and Next's share it.
interface LogContext {
  requestId: string;
  /** The request's trace (features/core/tracing), when tracing is on. */
  traceId?: string;
}
const CONTEXT_KEY = Symbol.for('stylipp.logContext');
const contextStore = globalThis as typeof globalThis & { [CONTEXT_KEY]?: AsyncLocalStorage<LogContext> };
contextStore[CONTEXT_KEY] ??= new AsyncLocalStorage<LogContext>();
const logContext = contextStore[CONTEXT_KEY];

export function withLogContext<T>(context: LogContext, run: () => T): T {
  return logContext.run(context, run);
}

function write(level: Level, msg: string, fields?: LogFields): void {
  threshold ??= LEVELS[getConfig().logLevel];
  if (LEVELS[level] < threshold) return;
  const context = logContext.getStore();
  const line = formatLogLine(level, msg, context ? withContext(fields, context) : fields);
  if (level === 'error' || level === 'warn') {
    flush();
    process.stderr.write(`${line}\n`);
    return;
  }
  pending += `${line}\n`;
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flush);
    if (!exitHooked) {
      exitHooked = true;
      process.once('exit', () => {
        if (pending !== '') writeSync(infoFd, pending);
        pending = '';
      });
    }
  }
}
let exitHooked = false;

function withContext(fields: LogFields | undefined, context: LogContext): LogFields | undefined {
  const addRequestId = fields?.requestId === undefined;
  if (context.traceId === undefined || fields?.traceId !== undefined)
    return addRequestId ? { ...fields, requestId: context.requestId } : fields;
  return addRequestId
    ? { ...fields, requestId: context.requestId, traceId: context.traceId }
    : { ...fields, traceId: context.traceId };
}

export const logger = {
  debug: (msg: string, fields?: LogFields) => write('debug', msg, fields),
  info: (msg: string, fields?: LogFields) => write('info', msg, fields),
  warn: (msg: string, fields?: LogFields) => write('warn', msg, fields),
  error: (msg: string, fields?: LogFields) => write('error', msg, fields),
};

const URL_PATTERN = /\b[a-z][a-z0-9+.-]*:\/\/\S+/gi;
const SECRET_PATTERN =
  /\b(password|passwd|secret|token|authorization|cookie)(["']?\s*[=:]\s*)("[^"]*"|'[^']*'|\S+)/gi;

/** Masks what may be a credential: URLs (connection strings carry passwords), `password=…`-like pairs, bearer values. */
export function redact(text: string): string {
  return text
    .replace(URL_PATTERN, '<url>')
    .replace(/\bBearer\s+\S+/gi, 'Bearer <redacted>')
    .replace(SECRET_PATTERN, '$1$2<redacted>');
}

/** Name and message of an error, redacted. */
export function describeError(error: unknown): { error: string; message: string } {
  const name = error instanceof Error ? error.name : typeof error;
  const message = error instanceof Error ? error.message : String(error);
  return { error: name, message: redact(message) };
}
