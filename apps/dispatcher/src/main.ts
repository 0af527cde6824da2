import { assertRedisReachable, loadConfig, runMain } from '@app/platform';
import { createDispatcherApp } from './create-dispatcher-app';

runMain('dispatcher', async () => {
  const config = loadConfig();
  await assertRedisReachable(config.redisUrl);
  const app = await createDispatcherApp(config);
  await app.listen(config.dispatcherPort);
  console.log(
    `dispatcher listening on http://localhost:${config.dispatcherPort}/health ` +
      `(concurrency ${config.dispatch.concurrency}, ${config.staticCallbacks.length} static callback(s))`,
  );
});
