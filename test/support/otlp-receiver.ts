import http from 'node:http';
import { AddressInfo } from 'node:net';

/** One span as an OTLP/HTTP JSON export carries it, with the service that sent it. */
export interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: Record<string, unknown>;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
}
interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}

/** A local OTLP/HTTP collector (protobuf, the default encoding, or JSON) that keeps every span it is sent. */
export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  /** The content type of each export received, in order. */
  readonly contentTypes: string[] = [];
  private constructor(private readonly server: http.Server) {}

  static async start(): Promise<OtlpReceiver> {
    const server = http.createServer();
    const receiver = new OtlpReceiver(server);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const type = req.headers['content-type'] ?? '';
        if (req.url === '/v1/traces') receiver.contentTypes.push(type);
        if (req.url === '/v1/traces' && type.startsWith('application/json')) receiver.record(JSON.parse(body.toString('utf8')));
        if (req.url === '/v1/traces' && type.startsWith('application/x-protobuf')) receiver.record(decodeTraceRequest(body));
        res.writeHead(200, { 'content-type': type }).end(type.startsWith('application/json') ? '{}' : '');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  inTrace(traceId: string): ReceivedSpan[] {
    return this.spans.filter((s) => s.traceId === traceId);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the OTLP JSON export, read as the spec lays it out
  private record(exported: any): void {
    for (const { resource, scopeSpans } of exported.resourceSpans ?? []) {
      const attrs = attributes(resource?.attributes);
      for (const { spans } of scopeSpans ?? [])
        for (const span of spans ?? [])
          this.spans.push({
            service: String(attrs['service.name']),
            traceId: span.traceId,
            spanId: span.spanId,
            parentSpanId: span.parentSpanId || undefined,
            name: span.name,
            attributes: attributes(span.attributes),
          });
    }
  }
}

function attributes(list: OtlpAttribute[] = []): Record<string, unknown> {
  return Object.fromEntries(
    list.map(({ key, value }) => [key, value.stringValue ?? value.intValue ?? value.boolValue ?? value.doubleValue]),
  );
}

/**
 * An ExportTraceServiceRequest in protobuf, read into the shape of its JSON encoding (only the
 * fields `record` reads): resource_spans 1 { resource 1 { attributes 1 }, scope_spans 2 { spans 2 {
 * trace_id 1, span_id 2, parent_span_id 4, name 5, attributes 9 } } }.
 */
function decodeTraceRequest(buffer: Buffer): unknown {
  return {
    resourceSpans: fieldsOf(buffer, 1).map((resourceSpans) => ({
      resource: { attributes: fieldsOf(fieldsOf(resourceSpans, 1)[0] ?? Buffer.alloc(0), 1).map(keyValueOf) },
      scopeSpans: fieldsOf(resourceSpans, 2).map((scopeSpans) => ({
        spans: fieldsOf(scopeSpans, 2).map((span) => ({
          traceId: fieldsOf(span, 1)[0]?.toString('hex'),
          spanId: fieldsOf(span, 2)[0]?.toString('hex'),
          parentSpanId: fieldsOf(span, 4)[0]?.toString('hex'),
          name: fieldsOf(span, 5)[0]?.toString('utf8'),
          attributes: fieldsOf(span, 9).map(keyValueOf),
        })),
      })),
    })),
  };
}

/** KeyValue { key 1, value 2: AnyValue { string_value 1, bool_value 2, int_value 3, double_value 4 } } */
function keyValueOf(keyValue: Buffer): OtlpAttribute {
  const [value] = readFields(fieldsOf(keyValue, 2)[0] ?? Buffer.alloc(0));
  const key = fieldsOf(keyValue, 1)[0]?.toString('utf8') ?? '';
  if (!value) return { key, value: {} };
  if (value.field === 1) return { key, value: { stringValue: (value.value as Buffer).toString('utf8') } };
  if (value.field === 2) return { key, value: { boolValue: value.value === 1 } };
  if (value.field === 3) return { key, value: { intValue: value.value as number } };
  if (value.field === 4) return { key, value: { doubleValue: (value.value as Buffer).readDoubleLE(0) } };
  return { key, value: {} };
}

/** The length-delimited fields numbered `field` of a message. */
function fieldsOf(message: Buffer, field: number): Buffer[] {
  return readFields(message)
    .filter((f) => f.field === field && Buffer.isBuffer(f.value))
    .map((f) => f.value as Buffer);
}

/** A message's fields in order: varints as numbers, everything else as its bytes. */
function readFields(message: Buffer): { field: number; value: number | Buffer }[] {
  const fields: { field: number; value: number | Buffer }[] = [];
  let at = 0;
  const varint = (): number => {
    let value = 0;
    for (let scale = 1; ; scale *= 128) {
      const byte = message[at++];
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
    }
  };
  while (at < message.length) {
    const tag = varint();
    const wireType = tag & 7;
    const field = Math.floor(tag / 8);
    const size = wireType === 1 ? 8 : wireType === 5 ? 4 : wireType === 2 ? varint() : 0;
    if (wireType === 0) fields.push({ field, value: varint() });
    else if (size > 0 || wireType === 2) fields.push({ field, value: message.subarray(at, (at += size)) });
    else throw new Error(`protobuf wire type ${wireType} not expected in an OTLP export`);
  }
  return fields;
}
