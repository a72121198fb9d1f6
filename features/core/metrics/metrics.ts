import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { imageProcessing, passwordHashing } from '@/features/core/admission/admission';
import { getConfig } from '@/features/core/config/config';
import { openPoolStats } from '@/features/core/database/client';
import { describeError, logger } from '@/features/core/logger/logger';

// Prometheus metrics (prom-client), served OFF the public surface: our own listener on METRICS_PORT (0 = off),
// on HOST like the API — an operator publishes the API's port and keeps this one for the scraper. A port
// rather than a route with a credential: nothing to leak, nothing a client can reach, and the same answer on
// both hosts (the listener is started by the composition root, under `next start` too).
// Requests are labelled by the contract's operation (operationId), never the raw path (unbounded labels).
// One registry per process on globalThis: with our own server, its bundle and Next's both record into it.

export type StatusClass = '1xx' | '2xx' | '3xx' | '4xx' | '5xx';

interface Metrics {
  registry: Registry;
  requests: Counter<'operation' | 'status_class'>;
  duration: Histogram<'operation'>;
  inFlight: Gauge;
  jobRuns: Counter<'job' | 'outcome'>;
  jobDuration: Histogram<'job'>;
  collectors: Map<string, { gauge: Gauge; read: () => Promise<number | undefined> }>;
  server?: Server;
}

const KEY = Symbol.for('stylipp.metrics');
const store = globalThis as typeof globalThis & { [KEY]?: Metrics };

function metrics(): Metrics {
  if (store[KEY]) return store[KEY];
  const registry = new Registry();
  registry.setDefaultLabels({ service: 'stylipp-api' });
  const admissionGauge = (
    name: string,
    help: string,
    read: (a: ReturnType<typeof passwordHashing>) => number,
  ) =>
    new Gauge({
      name,
      help,
      labelNames: ['queue'],
      registers: [registry],
      collect() {
        this.set({ queue: 'password_hashing' }, read(passwordHashing()));
        this.set({ queue: 'image_processing' }, read(imageProcessing()));
      },
    });
  admissionGauge(
    'stylipp_admission_running',
    'Heavy work running now, per admission queue',
    (a) => a.running,
  );
  admissionGauge(
    'stylipp_admission_waiting',
    'Callers waiting for a slot, per admission queue',
    (a) => a.waiting,
  );
  new Counter({
    name: 'stylipp_admission_refused_total',
    help: 'Heavy work refused at once (503, queue or client share full), per admission queue',
    labelNames: ['queue'],
    registers: [registry],
    collect() {
      // Each queue counts its own refusals (features/core/admission); the counter mirrors them at each scrape.
      this.reset();
      for (const admission of [passwordHashing(), imageProcessing()])
        this.inc({ queue: admission.queue }, admission.refused);
    },
  });
  admissionGauge('stylipp_admission_concurrency', 'Slots of each admission queue', (a) => a.concurrency);
  admissionGauge(
    'stylipp_admission_queue_size',
    'Waiting places of each admission queue (beyond: 503)',
    (a) => a.queueSize,
  );
  new Gauge({
    name: 'stylipp_db_pool_connections',
    help: 'Database pool connections by state (pg and Neon drivers; absent with PGlite)',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const stats = await openPoolStats();
      if (!stats) return;
      this.set({ state: 'total' }, stats.total);
      this.set({ state: 'idle' }, stats.idle);
      this.set({ state: 'waiting' }, stats.waiting);
      this.set({ state: 'max' }, stats.max);
    },
  });
  const created: Metrics = {
    registry,
    requests: new Counter({
      name: 'stylipp_http_requests_total',
      help: 'API requests answered, by operation (the contract’s operationId) and status class',
      labelNames: ['operation', 'status_class'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'stylipp_http_request_duration_seconds',
      help: 'Time to the response (headers and body object, not the bytes sent), by operation',
      labelNames: ['operation'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    inFlight: new Gauge({
      name: 'stylipp_http_requests_in_flight',
      help: 'API requests being handled now',
      registers: [registry],
    }),
    jobRuns: new Counter({
      name: 'stylipp_jobs_runs_total',
      help: 'Background job runs on this instance, by job and outcome (succeeded, failed)',
      labelNames: ['job', 'outcome'],
      registers: [registry],
    }),
    jobDuration: new Histogram({
      name: 'stylipp_jobs_duration_seconds',
      help: 'Background job run time, by job',
      labelNames: ['job'],
      buckets: [0.01, 0.1, 0.5, 1, 5, 15, 60, 300],
      registers: [registry],
    }),
    collectors: new Map(),
  };
  store[KEY] = created;
  return created;
}

const statusClass = (status: number): StatusClass =>
  `${Math.min(5, Math.max(1, Math.floor(status / 100)))}xx` as StatusClass;

/**
 * The request lifecycle's per-request hook (features/core/http/lifecycle.ts): call at the start, and call what
 * it returns with the reply's status. Only its first call counts, so a safety net may call it again.
 */
export function observeRequest(operation: string): (status: number) => void {
  const { requests, duration, inFlight } = metrics();
  const started = performance.now();
  inFlight.inc();
  let recorded = false;
  return (status) => {
    if (recorded) return;
    recorded = true;
    inFlight.dec();
    requests.inc({ operation, status_class: statusClass(status) });
    duration.observe({ operation }, (performance.now() - started) / 1000);
  };
}

export function recordJobRun(job: string, outcome: 'succeeded' | 'failed', seconds: number): void {
  const { jobRuns, jobDuration } = metrics();
  jobRuns.inc({ job, outcome });
  jobDuration.observe({ job }, seconds);
}

/** A counter a feature increments (feed pages served, swipes learned): created once, shared by both bundles. */
export function countEvent(name: string, help: string, by = 1): void {
  const { registry } = metrics();
  const existing = registry.getSingleMetric(name) as Counter | undefined;
  (existing ?? new Counter({ name, help, registers: [registry] })).inc(by);
}

/**
 * A gauge read at scrape time (catalogue size, embedding backlog, learning lag): the composition root wires
 * the features' read functions here (core imports no feature). A failing read leaves the gauge out.
 */
export function registerGauge(name: string, help: string, read: () => Promise<number | undefined>): void {
  const state = metrics();
  if (state.collectors.has(name)) return;
  const gauge = new Gauge({
    name,
    help,
    registers: [state.registry],
    async collect() {
      try {
        const value = await read();
        if (value !== undefined) this.set(value);
      } catch (error) {
        logger.debug('metrics: a gauge could not be read', { gauge: name, ...describeError(error) });
      }
    },
  });
  state.collectors.set(name, { gauge, read });
}

export async function renderMetrics(): Promise<{ contentType: string; body: string }> {
  const { registry } = metrics();
  return { contentType: registry.contentType, body: await registry.metrics() };
}

/** The metrics listener (METRICS_PORT; 0 = none): GET /metrics only. Idempotent; never holds the process. */
export function startMetricsServer(): void {
  const state = metrics();
  const { metricsPort, host } = getConfig();
  if (metricsPort === 0 || state.server) return;
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    renderMetrics().then(
      ({ contentType, body }) => response.writeHead(200, { 'content-type': contentType }).end(body),
      (error) => {
        logger.warn('metrics: rendering failed', describeError(error));
        response.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n');
      },
    );
  });
  state.server = server;
  server.on('error', (error) => logger.error('metrics listener failed', describeError(error)));
  server.listen(metricsPort, host, () => logger.info('metrics listening', { host, port: metricsPort }));
  server.unref();
}
