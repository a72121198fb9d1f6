import { AsyncLocalStorage } from 'node:async_hooks';
import type * as OtelApi from '@opentelemetry/api';
import { getConfig } from '@/features/core/config/config';
import { logger } from '@/features/core/logger/logger';

// OpenTelemetry traces (issue 24), off unless OTEL_EXPORTER_OTLP_ENDPOINT is set. Off, nothing of OpenTelemetry
// is even loaded: every function here is a check of one variable and a direct call. On, the SDK is imported once
// at start-up (startTracing) and spans are made explicitly — no auto-instrumentation (it patches `require`,
// which a bundled server never calls):
//   - one span per request, named by the operation (the contract's operationId, as in the metrics), child of
//     the caller's W3C `traceparent` when it sends one (features/core/http/lifecycle.ts);
//   - children for database statements (features/core/database/client.ts) and heavy work (admission queues,
//     the feed's learner), parented through the request's context below.
// The provider is NOT registered globally: Next's built-in tracing looks for a global one, and would add its own
// spans on one host and not the other. Both bundles of our own server (ours and Next's) share one state on
// globalThis, like the metrics registry.

type Api = typeof OtelApi;
export type SpanAttributes = OtelApi.Attributes;

interface TracingState {
  api: Api;
  tracer: OtelApi.Tracer;
  propagator: OtelApi.TextMapPropagator;
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

interface TracingStore {
  state?: TracingState;
  starting?: Promise<void>;
  /** The span context of the request being handled: children started anywhere inside it nest under it. */
  active: AsyncLocalStorage<OtelApi.Context>;
}

const KEY = Symbol.for('stylipp.tracing');
const holder = globalThis as typeof globalThis & { [KEY]?: TracingStore };
holder[KEY] ??= { active: new AsyncLocalStorage<OtelApi.Context>() };
const store = holder[KEY];

/** True once startTracing has loaded the SDK (OTEL_EXPORTER_OTLP_ENDPOINT set). */
export function tracingOn(): boolean {
  return store.state !== undefined;
}

/**
 * Loads the SDK and the OTLP/HTTP (JSON) exporter when OTEL_EXPORTER_OTLP_ENDPOINT is set; a no-op otherwise.
 * Called by the start-up of both hosts before the database opens; idempotent.
 */
export function startTracing(): Promise<void> {
  const { endpoint, serviceName, batchDelayMs, sampleRatio } = getConfig().tracing;
  if (endpoint === undefined) return Promise.resolve();
  store.starting ??= loadSdk({ endpoint, serviceName, batchDelayMs, sampleRatio });
  return store.starting;
}

async function loadSdk(config: {
  endpoint: string;
  serviceName: string;
  batchDelayMs: number;
  sampleRatio: number;
}): Promise<void> {
  const [api, sdk, core, resources, otlp] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/core'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/exporter-trace-otlp-http'),
  ]);
  // OTLP's rule for OTEL_EXPORTER_OTLP_ENDPOINT: the base URL, traces posted to <base>/v1/traces. Headers
  // (OTEL_EXPORTER_OTLP_HEADERS, where a collector's API key goes) are read by the exporter itself.
  const url = `${config.endpoint.replace(/\/+$/, '')}/v1/traces`;
  const provider = new sdk.TracerProvider({
    resource: resources.resourceFromAttributes({ 'service.name': config.serviceName }),
    // A request with a caller's `traceparent` follows the caller's decision; any other is traced at this ratio
    // (OTEL_TRACES_SAMPLER_ARG, default 1: every request). A request not sampled still has a trace id for its
    // log lines, and its spans cost next to nothing (they record nothing and are never exported).
    sampler: new sdk.ParentBasedSampler({ root: new sdk.TraceIdRatioBasedSampler(config.sampleRatio) }),
    spanProcessors: [
      new sdk.BatchSpanProcessor({
        exporter: new otlp.OTLPTraceExporter({ url }),
        scheduledDelayMillis: config.batchDelayMs,
      }),
    ],
  });
  store.state = {
    api,
    tracer: provider.getTracer('stylipp-api'),
    propagator: new core.W3CTraceContextPropagator(),
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
  logger.info('tracing on', {
    serviceName: config.serviceName,
    batchDelayMs: config.batchDelayMs,
    sampleRatio: config.sampleRatio,
  }); // never the URL
}

/** Sends the spans still batched (graceful shutdown). */
export async function stopTracing(): Promise<void> {
  await store.state?.shutdown();
}

/** A request's span: its trace id (for the log lines), a scope its children nest in, and its end. */
export interface RequestSpan {
  readonly traceId: string;
  run<T>(work: () => T): T;
  end(status: number): void;
}

const headerGetter: OtelApi.TextMapGetter<Headers> = {
  keys: (headers) => [...headers.keys()],
  get: (headers, key) => headers.get(key) ?? undefined,
};

/**
 * The span of one request, or undefined when tracing is off. `operation` names it (never the raw path: a span
 * name is a low-cardinality key); the caller's `traceparent` / `tracestate` make it a child of the caller's span.
 */
export function startRequestSpan(
  operation: string,
  request: { method: string; headers: Headers },
  route: string | undefined,
): RequestSpan | undefined {
  const state = store.state;
  if (!state) return undefined;
  const { api, tracer, propagator } = state;
  const parent = request.headers.has('traceparent')
    ? propagator.extract(api.ROOT_CONTEXT, request.headers, headerGetter)
    : api.ROOT_CONTEXT;
  const attributes: SpanAttributes = { 'http.request.method': request.method };
  if (route !== undefined) attributes['http.route'] = route;
  const span = tracer.startSpan(operation, { kind: api.SpanKind.SERVER, attributes }, parent);
  const context = api.trace.setSpan(parent, span);
  return {
    traceId: span.spanContext().traceId,
    run: (work) => store.active.run(context, work),
    end(status) {
      span.setAttribute('http.response.status_code', status);
      // Server spans: only 5xx is the server's error (a 4xx is the client's).
      if (status >= 500) span.setStatus({ code: api.SpanStatusCode.ERROR });
      span.end();
    },
  };
}

/**
 * Runs `work` inside a child span of the request being handled. Off, or outside any request (a background job),
 * it is `work()` and nothing else. `failure` names an error for the span's `error.type` — never its message,
 * which may quote a value (a database's "invalid input syntax … \"<value>\"").
 */
export function inSpan<T>(
  name: string,
  attributes: SpanAttributes,
  work: () => Promise<T>,
  failure: (error: unknown) => string = errorType,
): Promise<T> {
  const child = startChildSpan(name, attributes);
  if (!child) return work();
  let result: Promise<T>;
  try {
    result = child.run(work);
  } catch (error) {
    result = Promise.reject(error);
  }
  return result.then(
    (value) => {
      child.end();
      return value;
    },
    (error: unknown) => {
      child.end(failure(error));
      throw error;
    },
  );
}

/** `inSpan` for synchronous work (CPU-bound: the feed's learner). */
export function inSpanSync<T>(name: string, attributes: SpanAttributes, work: () => T): T {
  const child = startChildSpan(name, attributes);
  if (!child) return work();
  try {
    const value = child.run(work);
    child.end();
    return value;
  } catch (error) {
    child.end(errorType(error));
    throw error;
  }
}

/** A child of the span in scope, or undefined when tracing is off or no span is in scope (a background job). */
function startChildSpan(name: string, attributes: SpanAttributes) {
  const state = store.state;
  const parent = store.active.getStore();
  if (!state || !parent) return undefined;
  const { api, tracer } = state;
  const span = tracer.startSpan(name, { kind: api.SpanKind.INTERNAL, attributes }, parent);
  const context = api.trace.setSpan(parent, span);
  return {
    run: <T>(work: () => T): T => store.active.run(context, work),
    /** Ends the span; with `failure` (an error's type, never its message) as an error. */
    end(failure?: string) {
      if (failure !== undefined) {
        span.setAttribute('error.type', failure);
        span.setStatus({ code: api.SpanStatusCode.ERROR });
      }
      span.end();
    },
  };
}

/** A failed span's `error.type`: the error's code (a SQLSTATE, a DomainError's code) or its class name. */
export function errorType(error: unknown): string {
  if (error && typeof error === 'object' && 'code' in error && typeof error.code === 'string')
    return error.code;
  return error instanceof Error ? error.name : typeof error;
}
