import 'reflect-metadata';
import { AddressInfo } from 'node:net';
import { assertRedisReachable, LISTEN_HOST, loadConfig, runMain, startTracing } from '@app/platform';
import { createDispatcherApp } from './create-dispatcher-app';
import { limitHeapGrowth } from './heap-growth';

limitHeapGrowth();

runMain('dispatcher', 'DISPATCHER_PORT', async () => {
  const config = loadConfig();
  // Before the app is made: its spans need the provider (off unless OTEL_EXPORTER_OTLP_ENDPOINT is set).
  startTracing('callback-service-dispatcher');
  await assertRedisReachable(config.redisUrl);
  const app = await createDispatcherApp(config);
  await app.listen(config.dispatcherPort, LISTEN_HOST);
  const port = (app.getHttpServer().address() as AddressInfo).port;
  const banner =
    `dispatcher listening on http://localhost:${port}/health ` +
    `(concurrency ${config.dispatch.concurrency}, ${config.staticCallbacks.length} static callback(s))`;
  return { app, graceMs: config.shutdownGraceMs, banner };
});
