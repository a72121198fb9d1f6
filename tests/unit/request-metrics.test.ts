import { expect, test } from '@playwright/test';
import { z } from 'zod';
import { defineRoute } from '@/features/core/http/define-route';
import { serveNotFound, serveOperation } from '@/features/core/http/lifecycle';
import { createOperationTable } from '@/features/core/http/operation-table';
import { renderMetrics } from '@/features/core/metrics/metrics';

// The per-request hook of the lifecycle (features/core/http/lifecycle.ts), in process: every reply is counted
// once under the contract's operation (or what the lifecycle answers in its place), the in-flight gauge is
// released however the request ends.

const echo = defineRoute({
  method: 'GET',
  path: '/api/metrics-test/echo',
  operationId: 'metricsTestEcho',
  summary: 'test',
  tags: ['test'],
  responses: { 200: { description: 'ok', schema: z.object({ ok: z.boolean() }) } },
}).handle(() => ({ status: 200, body: { ok: true } }));
const entry = createOperationTable([echo]).get('/api/metrics-test/echo');
const url = 'http://localhost/api/metrics-test/echo';
const writer = { write: (reply: { status: number }) => reply.status };

async function count(operation: string, statusClass: string): Promise<number> {
  const { body } = await renderMetrics();
  const line = body
    .split('\n')
    .find(
      (text) =>
        text.startsWith('stylipp_http_requests_total{') &&
        text.includes(`operation="${operation}"`) &&
        text.includes(`status_class="${statusClass}"`),
    );
  return line ? Number(line.split(' ').at(-1)) : 0;
}

async function inFlight(): Promise<number> {
  const { body } = await renderMetrics();
  const line = body.split('\n').find((text) => text.startsWith('stylipp_http_requests_in_flight'));
  return Number(line?.split(' ').at(-1));
}

test('each reply counts once, by operationId, preflight, methodNotAllowed or notFound', async () => {
  const before = {
    echo: await count('metricsTestEcho', '2xx'),
    preflight: await count('preflight', '2xx'),
    notAllowed: await count('methodNotAllowed', '4xx'),
    notFound: await count('notFound', '4xx'),
  };
  expect(await serveOperation(new Request(url), entry, undefined, writer)).toBe(200);
  expect(await serveOperation(new Request(url, { method: 'HEAD' }), entry, undefined, writer)).toBe(200);
  expect(await serveOperation(new Request(url, { method: 'OPTIONS' }), entry, undefined, writer)).toBe(204);
  expect(await serveOperation(new Request(url, { method: 'DELETE' }), entry, undefined, writer)).toBe(405);
  expect(await serveNotFound(new Request('http://localhost/api/none'), writer)).toBe(404);
  expect(await count('metricsTestEcho', '2xx')).toBe(before.echo + 2);
  expect(await count('preflight', '2xx')).toBe(before.preflight + 1);
  expect(await count('methodNotAllowed', '4xx')).toBe(before.notAllowed + 1);
  expect(await count('notFound', '4xx')).toBe(before.notFound + 1);
  expect(await inFlight()).toBe(0);
});

test('a writer that throws still leaves the in-flight gauge, counted once', async () => {
  const before = await count('metricsTestEcho', '2xx');
  const throwing = {
    write: () => {
      throw new Error('socket gone');
    },
  };
  await expect(serveOperation(new Request(url), entry, undefined, throwing)).rejects.toThrow('socket gone');
  expect(await inFlight()).toBe(0);
  expect(await count('metricsTestEcho', '2xx')).toBe(before + 1);
});
