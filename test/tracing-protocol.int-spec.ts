import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { OtlpReceiver } from './support/otlp-receiver';

const ROOT = path.resolve(__dirname, '..');

// The OTLP encoding: protobuf by default (OTLP/HTTP's default), JSON when an operator's
// collector asks for it with the standard variables.
describe('the OTLP export protocol', () => {
  let collector: OtlpReceiver;

  beforeEach(async () => {
    collector = await OtlpReceiver.start();
  });

  afterEach(async () => {
    await collector.close();
  });

  const exportOneSpan = (name: string, env: Record<string, string>) =>
    promisify(execFile)(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'test/support/export-one-span.ts', name],
      { cwd: ROOT, env: { ...process.env, TS_NODE_PROJECT: 'tsconfig.json', OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, ...env } },
    );

  it('exports protobuf when no protocol is named', async () => {
    await exportOneSpan('default', {});
    expect(collector.contentTypes).toEqual(['application/x-protobuf']);
    expect(collector.spans).toMatchObject([{ service: 'protocol-test', name: 'one span', attributes: { 'test.case': 'default' } }]);
  });

  it.each(['OTEL_EXPORTER_OTLP_PROTOCOL', 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'])('exports JSON with %s=http/json', async (name) => {
    await exportOneSpan(name, { [name]: 'http/json' });
    expect(collector.contentTypes).toEqual(['application/json']);
    expect(collector.spans).toMatchObject([{ service: 'protocol-test', name: 'one span', attributes: { 'test.case': name } }]);
  });
});
