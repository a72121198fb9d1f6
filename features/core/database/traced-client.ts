import { inSpan, type SpanAttributes } from '@/features/core/tracing/tracing';

// Every statement the app sends passes through its driver client's `query` — pg's and Neon's Pool (and the
// clients a transaction checks out of it), PGlite (and its transaction handle) — so the client Drizzle is given
// is the one place a statement gets its span (features/core/tracing). Wrapped only when tracing is on: off, Drizzle
// holds the driver's own client. Only the statement text is recorded — Drizzle sends values as parameters
// ($1, $2 …), and parameters are never read here — cut to MAX_STATEMENT_CHARS.

export const MAX_STATEMENT_CHARS = 1024;

/** The span name and attributes of one statement (OpenTelemetry's database conventions). */
export function statementSpan(text: string): { name: string; attributes: SpanAttributes } {
  const operation = /^\s*(\w+)/.exec(text)?.[1]?.toUpperCase() ?? 'QUERY';
  const found =
    operation === 'SELECT' || operation === 'DELETE'
      ? /\bfrom\s+((?:"?\w+"?\.)?"?\w+"?)/i.exec(text)?.[1]
      : operation === 'INSERT'
        ? /^\s*insert\s+into\s+((?:"?\w+"?\.)?"?\w+"?)/i.exec(text)?.[1]
        : operation === 'UPDATE'
          ? /^\s*update\s+((?:"?\w+"?\.)?"?\w+"?)/i.exec(text)?.[1]
          : undefined;
  const table = found?.replaceAll('"', '');
  const attributes: SpanAttributes = {
    'db.system.name': 'postgresql',
    'db.system': 'postgresql',
    'db.operation.name': operation,
    'db.query.text': text.length <= MAX_STATEMENT_CHARS ? text : `${text.slice(0, MAX_STATEMENT_CHARS)}…`,
  };
  if (table !== undefined) attributes['db.collection.name'] = table;
  return { name: table === undefined ? operation : `${operation} ${table}`, attributes };
}

function statementText(query: unknown): string {
  if (typeof query === 'string') return query;
  if (query && typeof query === 'object' && 'text' in query && typeof query.text === 'string')
    return query.text;
  return '';
}

/**
 * The driver client with a span around each statement: `query` traced; `connect` (a pool checking out a client
 * for a transaction) and `transaction` (PGlite's handle) hand out clients traced the same way. Everything else,
 * `instanceof` included (Drizzle tells a pool from a client by it), is the client's own.
 */
export function tracedClient<T extends object>(client: T, driver: string): T {
  return new Proxy(client, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      if (property === 'query')
        return (...args: unknown[]) => {
          const { name, attributes } = statementSpan(statementText(args[0]));
          attributes['stylipp.db.driver'] = driver;
          return inSpan(name, attributes, () => value.apply(target, args));
        };
      if (property === 'connect')
        return async (...args: unknown[]) => {
          const connected: unknown = await value.apply(target, args);
          return connected && typeof connected === 'object' ? tracedClient(connected, driver) : connected;
        };
      if (property === 'transaction')
        return (work: (tx: object) => unknown, ...rest: unknown[]) =>
          value.call(target, (tx: object) => work(tracedClient(tx, driver)), ...rest);
      return value.bind(target);
    },
  });
}
