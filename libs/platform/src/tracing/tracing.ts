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
 *
 * On, every span is started with its parent given (a request's context, a stored event's trace),
 * so no OpenTelemetry context manager is installed: the dispatcher, whose spans all have a stored
 * parent, never runs an `AsyncLocalStorage` (on Node 20 the first run turns on promise hooks for
 * the whole process), and the api runs one store per request, as it does with tracing off.
 */
let on: { api: typeof import('@opentelemetry/api'); tracer: Tracer; provider: BasicTracerProvider } | undefined;

/** A caller's trace while tracing is off: what the commit stamps on its event. */
const passedThrough = new AsyncLocalStorage<TraceContext>();
/** The active span's context while tracing is on: the parent of the spans started under it. */
const activeSpan = new AsyncLocalStorage<Context>();

export function tracingEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const disabled = env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true';
  return !disabled && !!(env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim());
}

/** Starts the SDK when tracing is enabled; `service` names the process unless `OTEL_SERVICE_NAME` does. */
export function startTracing(service: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (on || !tracingEnabled(env)) return !!on;
  /* eslint-disable @typescript-eslint/no-require-imports -- loaded only when tracing is on */
  const api = require('@opentelemetry/api') as typeof import('@opentelemetry/api');
  const { BasicTracerProvider, BatchSpanProcessor } =
    require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');
  // Protobuf unless JSON is asked for (OTLP's default encoding): fewer bytes, and less CPU to
  // serialise a batch than JSON (docs/performance.md, "Tracing").
  const { OTLPTraceExporter } = (
    otlpProtocol(env) === 'http/json'
      ? require('@opentelemetry/exporter-trace-otlp-http')
      : require('@opentelemetry/exporter-trace-otlp-proto')
  ) as typeof import('@opentelemetry/exporter-trace-otlp-proto');
  const resources = require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const resource = resources
    .defaultResource()
    .merge(resources.resourceFromAttributes({ 'service.name': service }))
    .merge(resources.detectResources({ detectors: [resources.envDetector] }));
  const provider = new BasicTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())] });
  on = { api, tracer: provider.getTracer('callback-service'), provider };
  return true;
}

/** `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL` or `OTEL_EXPORTER_OTLP_PROTOCOL`: `http/json`, or `http/protobuf` (also for anything else). */
function otlpProtocol(env: NodeJS.ProcessEnv): string {
  return (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL?.trim() || env.OTEL_EXPORTER_OTLP_PROTOCOL?.trim() || 'http/protobuf').toLowerCase();
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
  const parent = activeSpan.getStore() ?? api.ROOT_CONTEXT;
  const span = tracer.startSpan(name, { attributes }, parent);
  return activeSpan.run(api.trace.setSpan(parent, span), async () => {
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
  return activeSpan.run(contextOf(trace), fn);
}

/**
 * The trace context to commit with an event made now: on, the active span's (a commit span's);
 * off, the caller's as it came; else a new trace, so every delivery carries a `traceparent`.
 */
export function eventTrace(): TraceContext {
  if (on) {
    const active = activeSpan.getStore();
    const span = active && on.api.trace.getSpan(active);
    if (span) return traceOf(span);
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
  const span: Span = tracer.startSpan(
    name,
    { attributes, kind: kind ? spanKind(api, kind) : undefined },
    parent ? contextOf(parent) : api.ROOT_CONTEXT,
  );
  return handleOf(span);
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
  return Object.assign(handleOf(span), { activate: <T>(fn: () => T) => activeSpan.run(active, fn) });
}

function handleOf(span: Span): SpanHandle {
  const { api } = on!;
  return {
    trace: traceOf(span),
    setAttributes: (more) => span.setAttributes(more),
    end(error) {
      if (error) span.setStatus({ code: api.SpanStatusCode.ERROR, message: error });
      span.end();
    },
  };
}

function spanKind(api: typeof import('@opentelemetry/api'), kind: 'client' | 'server' | 'consumer'): SpanKind {
  return kind === 'client' ? api.SpanKind.CLIENT : kind === 'server' ? api.SpanKind.SERVER : api.SpanKind.CONSUMER;
}

/**
 * A context whose span is the remote one `trace` names. Its `traceparent` was checked when it
 * came in (`traceContextOf`) or made here, so it is read by position, not parsed again.
 */
function contextOf(trace: TraceContext): Context {
  const { api } = on!;
  const { traceparent, tracestate } = trace;
  return api.trace.setSpanContext(api.ROOT_CONTEXT, {
    traceId: traceparent.slice(3, 35),
    spanId: traceparent.slice(36, 52),
    traceFlags: parseInt(traceparent.slice(53, 55), 16),
    isRemote: true,
    ...(tracestate ? { traceState: api.createTraceState(tracestate) } : {}),
  });
}

/** The W3C trace context a span hands on (what the propagator would inject). */
function traceOf(span: Span): TraceContext {
  const { traceId, spanId, traceFlags, traceState } = span.spanContext();
  const traceparent = `00-${traceId}-${spanId}-0${(traceFlags & 1).toString(16)}`;
  const tracestate = traceState?.serialize();
  return tracestate ? { traceparent, tracestate } : { traceparent };
}
