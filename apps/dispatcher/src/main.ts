import 'reflect-metadata';
import { AddressInfo } from 'node:net';
import { assertRedisReachable, loadConfig, runMain } from '@app/platform';
import { createDispatcherApp } from './create-dispatcher-app';
import { limitHeapGrowth } from './heap-growth';

limitHeapGrowth();

runMain('dispatcher', 'DISPATCHER_PORT', async () => {
  const config = loadConfig();
  await assertRedisReachable(config.redisUrl);
  const app = await createDispatcherApp(config);
  // Every interface, as Express did (Fastify alone would take only localhost: unreachable in a container).
  await app.listen(config.dispatcherPort, '0.0.0.0');
  const port = (app.getHttpServer().address() as AddressInfo).port;
  const banner =
    `dispatcher listening on http://localhost:${port}/health ` +
    `(concurrency ${config.dispatch.concurrency}, ${config.staticCallbacks.length} static callback(s))`;
  return { app, graceMs: config.shutdownGraceMs, banner };
});
