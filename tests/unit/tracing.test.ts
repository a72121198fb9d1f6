import { expect, test } from '@playwright/test';
import { MAX_STATEMENT_CHARS, statementSpan, tracedClient } from '@/features/core/database/traced-client';
import { formatLogLine } from '@/features/core/logger/logger';
import { errorType, inSpan, inSpanSync, startRequestSpan, tracingOn } from '@/features/core/tracing/tracing';

// Traces (features/core/tracing): what a database statement's span says, and that with tracing off (no
// OTEL_EXPORTER_OTLP_ENDPOINT, as in these tests) every hook is the plain call.

test('a statement span is named by operation and table, with the text only, cut to the limit', () => {
  expect(statementSpan('select "id", "email" from "users" where "users"."email" = $1')).toEqual({
    name: 'SELECT users',
    attributes: {
      'db.system.name': 'postgresql',
      'db.system': 'postgresql',
      'db.operation.name': 'SELECT',
      'db.collection.name': 'users',
      'db.query.text': 'select "id", "email" from "users" where "users"."email" = $1',
    },
  });
  expect(statementSpan('insert into "interactions" ("id") values ($1)').name).toBe('INSERT interactions');
  expect(statementSpan('update "style_profiles" set "version" = $1').name).toBe('UPDATE style_profiles');
  expect(statementSpan('delete from "rate_limits" where "expires_at" < now()').name).toBe(
    'DELETE rate_limits',
  );
  expect(statementSpan('select created_at from drizzle.__drizzle_migrations').name).toBe(
    'SELECT drizzle.__drizzle_migrations',
  );
  expect(statementSpan('with moved as (update "x" set a = 1) select 1').name).toBe('WITH');
  expect(statementSpan('begin').name).toBe('BEGIN');
  expect(statementSpan('select 1').name).toBe('SELECT');
  expect(statementSpan('').name).toBe('QUERY');
  const long = `select ${'"a", '.repeat(1000)}"b" from "t"`;
  const text = statementSpan(long).attributes['db.query.text'] as string;
  expect(text.length).toBe(MAX_STATEMENT_CHARS + 1);
  expect(text.endsWith('…')).toBe(true);
});

test('a failed span names the error by code or class, never by its message', () => {
  expect(
    errorType(Object.assign(new Error('invalid input syntax for type uuid: "secret"'), { code: '22P02' })),
  ).toBe('22P02');
  expect(errorType(new TypeError('x'))).toBe('TypeError');
  expect(errorType('text')).toBe('string');
});

test('tracing off: no request span, children are the plain call, and a traced client passes everything through', async () => {
  expect(tracingOn()).toBe(false);
  expect(
    startRequestSpan('getHealth', { method: 'GET', headers: new Headers() }, '/api/health'),
  ).toBeUndefined();
  expect(await inSpan('x', {}, async () => 42)).toBe(42);
  await expect(inSpan('x', {}, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  expect(inSpanSync('x', {}, () => 7)).toBe(7);

  class Pool {
    connected = 0;
    async query(text: string, values: unknown[]) {
      return { rows: [{ text, values }] };
    }
    async connect() {
      this.connected += 1;
      return { query: async (q: { text: string }) => ({ rows: [q.text] }), release: () => {} };
    }
  }
  const pool = new Pool();
  const traced = tracedClient(pool, 'pg');
  expect(traced instanceof Pool).toBe(true); // Drizzle tells a pool from a client this way
  expect(await traced.query('select $1', ['v'])).toEqual({ rows: [{ text: 'select $1', values: ['v'] }] });
  const client = await traced.connect();
  expect(await client.query({ text: 'begin' })).toEqual({ rows: ['begin'] });
  expect(traced.connected).toBe(1);
});

test('a log line carries the fields it is given, the trace id among them', () => {
  const line = JSON.parse(formatLogLine('info', 'request', { requestId: 'r1', traceId: 'abc' }));
  expect(line).toMatchObject({ msg: 'request', requestId: 'r1', traceId: 'abc' });
});
