/**
 * An event's W3C trace context, committed with it (the event stream entry, each delivery job),
 * so every delivery of the event, and every retry after a crash or a replay, carries the trace
 * of the request that made it (`traceparent`, and `tracestate` when the caller sent one).
 */
export interface TraceContext {
  traceparent: string;
  tracestate?: string;
}
