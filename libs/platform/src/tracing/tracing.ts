import { AsyncLocalStorage } from 'node:async_hooks';
import type { Attributes, Context, Span, SpanKind, Tracer } from '@opentelemetry/api';
import type { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { newTraceContext, TraceContext } from './trace-context';

/**
 * Tracing with OpenTelemetry, on only when `OTEL_EXPORTER_OTLP_ENDPOINT` (or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set: spans exported over OTLP/HTTP, the standard
 * `OTEL_*` variables read by the SDK (service name, resource attributes, sampler, batch sizes,
 * headers). Off, the SDK is never loaded and every helper here is a plain call: the only work
 * left is carrying a caller's `traceparent` to the deliveries (docs/operations.md, "Tracing").
 */
let on: { api: typeof import('@opentelemetry/api'); tracer: Tracer; provider: BasicTracerProvider } | undefined;

/** A caller's trace while tracing is off: what the commit stamps on its event. */
const passedThrough = new AsyncLocalStorage<TraceContext>();

export function tracingEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const disabled = env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true';
  return !disabled && !!(env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim());
}

/** Starts the SDK when tracing is enabled; `service` names the process unless `OTEL_SERVICE_NAME` does. */
export function startTracing(service: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (on || !tracingEnabled(env)) return !!on;
  /* eslint-disable @typescript-eslint/no-require-imports -- loaded only when tracing is on */
  const api = require('@opentelemetry/api') as typeof import('@opentelemetry/api');
  const { AsyncLocalStorageContextManager } =
    require('@opentelemetry/context-async-hooks') as typeof import('@opentelemetry/context-async-hooks');
  const { W3CTraceContextPropagator } = require('@opentelemetry/core') as typeof import('@opentelemetry/core');
  const { BasicTracerProvider, BatchSpanProcessor } =
    require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');
  const { OTLPTraceExporter } =
    require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
  const resources = require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const resource = resources
    .defaultResource()
    .merge(resources.resourceFromAttributes({ 'service.name': service }))
    .merge(resources.detectResources({ detectors: [resources.envDetector] }));
  const provider = new BasicTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())] });
  api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  api.propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  api.trace.setGlobalTracerProvider(provider);
  on = { api, tracer: api.trace.getTracer('callback-service'), provider };
  return true;
}

/** Sends the spans still buffered and stops (at shutdown). */
export async function stopTracing(): Promise<void> {
  await on?.provider.shutdown();
}

export function tracingOn(): boolean {
  return on !== undefined;
}

/** Runs `fn` inside a span (a child of the active one); off, it just runs `fn`. */
export function withSpan<T>(name: string, attributes: Attributes, fn: () => Promise<T>): Promise<T> {
  if (!on) return fn();
  const { api, tracer } = on;
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn();
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: api.SpanStatusCode.ERROR, message: (err as Error).message });
      throw err;
    } finally {
      span.end();
    }
  });
}

/**
 * Runs `fn` in the trace `trace` (a request's, a stored event's): on, as the active context
 * (its spans are children of it); off, remembered for `eventTrace`.
 */
export function withTraceContext<T>(trace: TraceContext | undefined, fn: () => T): T {
  if (!trace) return fn();
  if (!on) return passedThrough.run(trace, fn);
  return on.api.context.with(contextOf(trace), fn);
}

/**
 * The trace context to commit with an event made now: on, the active span's (a commit span's);
 * off, the caller's as it came; else a new trace, so every delivery carries a `traceparent`.
 */
export function eventTrace(): TraceContext {
  if (on) {
    const carried = inject(on.api.context.active());
    if (carried) return carried;
  } else {
    const caller = passedThrough.getStore();
    if (caller) return caller;
  }
  return newTraceContext();
}

export interface SpanHandle {
  /** The span's own context, for the `traceparent` it hands on. */
  trace: TraceContext;
  setAttributes(attributes: Attributes): void;
  end(error?: string): void;
}

/**
 * Starts a span whose parent is `parent` (a stored trace context), not the active one: the
 * dispatcher's work for an event is not inside any request. Undefined when tracing is off.
 */
export function startSpan(
  name: string,
  parent: TraceContext | undefined,
  attributes: Attributes,
  kind?: 'client' | 'server' | 'consumer',
): SpanHandle | undefined {
  if (!on) return undefined;
  const { api, tracer } = on;
  const parentContext = parent ? contextOf(parent) : api.ROOT_CONTEXT;
  const span: Span = tracer.startSpan(name, { attributes, kind: kind ? spanKind(api, kind) : undefined }, parentContext);
  return {
    trace: inject(api.trace.setSpan(parentContext, span)) ?? newTraceContext(),
    setAttributes: (more) => span.setAttributes(more),
    end(error) {
      if (error) span.setStatus({ code: api.SpanStatusCode.ERROR, message: error });
      span.end();
    },
  };
}

/**
 * Starts a span for a request continuing the caller's trace (when sent), to be made active with
 * `activate`: for the api's and the inbound URLs' HTTP requests.
 */
export function startServerSpan(
  name: string,
  caller: TraceContext | undefined,
  attributes: Attributes,
): (SpanHandle & { activate<T>(fn: () => T): T }) | undefined {
  if (!on) return undefined;
  const { api, tracer } = on;
  const parentContext = caller ? contextOf(caller) : api.ROOT_CONTEXT;
  const span = tracer.startSpan(name, { attributes, kind: api.SpanKind.SERVER }, parentContext);
  const active = api.trace.setSpan(parentContext, span);
  return {
    trace: inject(active) ?? newTraceContext(),
    setAttributes: (more) => span.setAttributes(more),
    end(error) {
      if (error) span.setStatus({ code: api.SpanStatusCode.ERROR, message: error });
      span.end();
    },
    activate: (fn) => api.context.with(active, fn),
  };
}

function spanKind(api: typeof import('@opentelemetry/api'), kind: 'client' | 'server' | 'consumer'): SpanKind {
  return kind === 'client' ? api.SpanKind.CLIENT : kind === 'server' ? api.SpanKind.SERVER : api.SpanKind.CONSUMER;
}

function contextOf(trace: TraceContext): Context {
  const { api } = on!;
  return api.propagation.extract(api.ROOT_CONTEXT, trace);
}

function inject(context: Context): TraceContext | undefined {
  const { api } = on!;
  if (!api.trace.getSpanContext(context)) return undefined;
  const carrier: Record<string, string> = {};
  api.propagation.inject(context, carrier);
  return carrier.traceparent
    ? { traceparent: carrier.traceparent, ...(carrier.tracestate ? { tracestate: carrier.tracestate } : {}) }
    : undefined;
}
