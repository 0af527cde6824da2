// Run as a process of its own (OpenTelemetry's exporter loads its HTTP agent with a dynamic
// import, which jest's module sandbox refuses): starts tracing from the environment, ends one
// span named by argv[2], and exports it at shutdown.
import { startSpan, startTracing, stopTracing } from '@app/platform';

if (!startTracing('protocol-test')) throw new Error('tracing did not start: set OTEL_EXPORTER_OTLP_ENDPOINT');
startSpan('one span', undefined, { 'test.case': process.argv[2] })!.end();
void stopTracing();
