import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { expect, test } from '@playwright/test';
import { PASSWORD, uniqueEmail } from '../support/fixtures';
import { freePort } from '../support/ports';
import { type Host, runMigrations, startServer } from '../support/server';

// Traces (OpenTelemetry over OTLP/HTTP JSON), on both hosts: an OTLP receiver in this process gets one request
// as a trace — the request's span, named by the operation, a child of the caller's `traceparent` — with the
// database statements and the admission queue's work as its children, and no secret or parameter in any of it.

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  status?: { code?: number };
  attributes?: { key: string; value: OtlpValue }[];
}
interface OtlpExport {
  resourceSpans: {
    resource?: { attributes?: { key: string; value: OtlpValue }[] };
    scopeSpans: { spans: OtlpSpan[] }[];
  }[];
}

/** A minimal OTLP/HTTP receiver: POST /v1/traces with a JSON body, everything it got kept as text and spans. */
async function startReceiver(): Promise<{
  url: string;
  spans: OtlpSpan[];
  bodies: string[];
  serviceNames: Set<string>;
  close(): Promise<void>;
}> {
  const spans: OtlpSpan[] = [];
  const bodies: string[] = [];
  const serviceNames = new Set<string>();
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.method !== 'POST' || request.url !== '/v1/traces') {
        response.writeHead(404).end();
        return;
      }
      const raw = Buffer.concat(chunks);
      const text = (request.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
      expect(request.headers['content-type']).toContain('application/json');
      bodies.push(text);
      const payload = JSON.parse(text) as OtlpExport;
      for (const resource of payload.resourceSpans) {
        for (const attribute of resource.resource?.attributes ?? [])
          if (attribute.key === 'service.name') serviceNames.add(String(attribute.value.stringValue));
        for (const scope of resource.scopeSpans) spans.push(...scope.spans);
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    bodies,
    serviceNames,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const attribute = (span: OtlpSpan, key: string) => {
  const value = span.attributes?.find((a) => a.key === key)?.value;
  return value?.stringValue ?? (value?.intValue === undefined ? undefined : Number(value.intValue));
};

for (const host of ['own', 'next'] as const satisfies readonly Host[]) {
  test(`${host} host: a request arrives as a trace under the caller's traceparent, with database and heavy-work children`, async () => {
    const receiver = await startReceiver();
    const dataDir = mkdtempSync(join(tmpdir(), `stylipp-traces-${host}-`));
    await runMigrations({ DATA_DIR: dataDir });
    const server = await startServer({
      port: await freePort(),
      host,
      env: {
        DATA_DIR: dataDir,
        LOG_LEVEL: 'info',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_SERVICE_NAME: `stylipp-traces-test-${host}`,
        OTEL_BSP_SCHEDULE_DELAY: '100',
        // No request of its own choosing is traced: the caller's sampled flag decides (below, both ways).
        OTEL_TRACES_SAMPLER_ARG: '0',
        // next start in production needs a trusted proxy in front (it cannot see the client's address otherwise).
        ...(host === 'next' ? { TRUSTED_PROXIES: '1' } : {}),
      },
    });
    try {
      const traceId = randomBytes(16).toString('hex');
      const callerSpanId = randomBytes(8).toString('hex');
      const email = uniqueEmail('traces');
      const response = await fetch(`${server.url}/api/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-${callerSpanId}-01` },
        body: JSON.stringify({ email, password: PASSWORD }),
      });
      expect(response.status).toBe(201);

      // The request's span: named by the operation (as in the metrics), the caller's span as its parent.
      await expect
        .poll(() => receiver.spans.some((span) => span.traceId === traceId && span.name === 'register'), {
          timeout: 15_000,
        })
        .toBe(true);
      const requestSpan = receiver.spans.find((span) => span.traceId === traceId && span.name === 'register');
      if (!requestSpan) throw new Error('no request span');
      expect(requestSpan.parentSpanId).toBe(callerSpanId);
      expect(requestSpan.kind).toBe(2); // SERVER
      expect(attribute(requestSpan, 'http.request.method')).toBe('POST');
      expect(attribute(requestSpan, 'http.route')).toBe('/api/auth/register');
      expect(attribute(requestSpan, 'http.response.status_code')).toBe(201);
      expect(requestSpan.status?.code ?? 0).not.toBe(2); // not an error
      expect(receiver.serviceNames).toContain(`stylipp-traces-test-${host}`);

      // Its children arrive in the same or a later batch: the INSERT of the user, and the password hashing.
      const children = () =>
        receiver.spans.filter((span) => span.traceId === traceId && span.parentSpanId === requestSpan.spanId);
      await expect
        .poll(() => children().some((span) => span.name === 'INSERT users'), { timeout: 10_000 })
        .toBe(true);
      const insert = children().find((span) => span.name === 'INSERT users') as OtlpSpan;
      expect(attribute(insert, 'db.system.name')).toBe('postgresql');
      expect(attribute(insert, 'db.operation.name')).toBe('INSERT');
      expect(attribute(insert, 'db.collection.name')).toBe('users');
      expect(String(attribute(insert, 'db.query.text'))).toMatch(/^insert into "users"/);
      expect(children().some((span) => span.name === 'password_hashing')).toBe(true);

      // Nothing secret leaves in a trace: not the password, not the address (a statement parameter), not the
      // server's secret, not the raw path as a name.
      const everything = receiver.bodies.join('\n');
      expect(everything).not.toContain(PASSWORD);
      expect(everything).not.toContain(email);
      expect(everything).not.toContain(server.env.AUTH_SECRET);
      expect(receiver.spans.every((span) => !span.name.startsWith('/'))).toBe(true);

      // The request's log line carries the trace id beside the request id.
      const line = server
        .output()
        .split('\n')
        .find((l) => l.includes('"msg":"request"') && l.includes('/api/auth/register'));
      expect(line).toBeDefined();
      expect(JSON.parse(line as string)).toMatchObject({ traceId, status: 201 });

      // Sampling: a caller that did not sample (flags 00), and a request with no caller at a ratio of 0, are not
      // exported — though their log lines still carry their trace ids.
      const healthTraces = () =>
        server
          .output()
          .split('\n')
          .filter((l) => l.includes('"msg":"request"') && l.includes('/api/health'))
          .map((l) => (JSON.parse(l) as { traceId?: string }).traceId);
      const before = healthTraces().length; // the start-up check's requests
      const unsampledTrace = randomBytes(16).toString('hex');
      const unsampled = await fetch(`${server.url}/api/health`, {
        headers: { traceparent: `00-${unsampledTrace}-${callerSpanId}-00` },
      });
      expect(unsampled.status).toBe(200);
      expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
      await expect.poll(() => healthTraces().length, { timeout: 5_000 }).toBe(before + 2);
      const unsampledTraces = healthTraces().slice(before);
      expect(unsampledTraces).toContain(unsampledTrace);
      // A later sampled request's spans arrive (the exporter is alive); none of the two unsampled ones did.
      const laterTrace = randomBytes(16).toString('hex');
      await fetch(`${server.url}/api/health`, {
        headers: { traceparent: `00-${laterTrace}-${callerSpanId}-01` },
      });
      await expect
        .poll(() => receiver.spans.some((span) => span.traceId === laterTrace), { timeout: 15_000 })
        .toBe(true);
      for (const id of unsampledTraces)
        expect(receiver.spans.some((span) => span.traceId === id)).toBe(false);
    } finally {
      await server.stop('SIGKILL');
      await receiver.close();
    }
  });
}

test('without OTEL_EXPORTER_OTLP_ENDPOINT nothing is traced and log lines carry no trace id', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'stylipp-traces-off-'));
  await runMigrations({ DATA_DIR: dataDir });
  const server = await startServer({
    port: await freePort(),
    env: { DATA_DIR: dataDir, LOG_LEVEL: 'info', OTEL_EXPORTER_OTLP_ENDPOINT: '' },
  });
  try {
    const response = await fetch(`${server.url}/api/health/ready`, {
      headers: { traceparent: `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01` },
    });
    expect(response.status).toBe(200);
    await expect.poll(() => server.output().includes('"msg":"request"')).toBe(true);
    expect(server.output()).not.toContain('traceId');
    expect(server.output()).not.toContain('tracing on');
  } finally {
    await server.stop('SIGKILL');
  }
});
