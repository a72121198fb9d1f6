// Errors that mean "the database is not answering" rather than "this query is wrong": the kernel answers
// them 503 (retry later) instead of 500. Drivers wrap causes differently, so the whole cause chain is read.

const UNAVAILABLE_SQLSTATE = /^(08|57P0[1-4]|53300|57014|55P03)/; // connection, shutdown, too many conns, timeouts, lock timeout
const UNAVAILABLE_ERRNO = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
]);
const UNAVAILABLE_MESSAGE =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connect ECONNREFUSED|WebSocket|Query read timeout|Connection ended/i;

export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 6; depth++) {
    const candidate = current as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
    if (typeof candidate.code === 'string') {
      if (UNAVAILABLE_ERRNO.has(candidate.code) || UNAVAILABLE_SQLSTATE.test(candidate.code)) return true;
    }
    if (typeof candidate.message === 'string' && UNAVAILABLE_MESSAGE.test(candidate.message)) return true;
    // AggregateError (e.g. connect to both ::1 and 127.0.0.1 refused)
    if (Array.isArray(candidate.errors) && candidate.errors.some((inner) => isDatabaseUnavailable(inner)))
      return true;
    current = candidate.cause;
  }
  return false;
}

/** A unique constraint refused the write (SQLSTATE 23505), through any driver's wrapping. */
export function isUniqueViolation(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 6; depth++) {
    if ((current as { code?: unknown }).code === '23505') return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** A foreign key refused the write (SQLSTATE 23503): the referenced row — say, the user — is gone. */
export function isForeignKeyViolation(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 6; depth++) {
    if ((current as { code?: unknown }).code === '23503') return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
