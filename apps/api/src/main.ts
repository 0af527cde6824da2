import 'reflect-metadata';
import { AddressInfo } from 'node:net';
import { assertRedisReachable, loadConfig, runMain } from '@app/platform';
import { createApiApp } from './create-api-app';

runMain('api', async () => {
  const config = loadConfig();
  await assertRedisReachable(config.redisUrl);
  const app = await createApiApp(config);
  await app.listen(config.apiPort);
  const base = `http://localhost:${(app.getHttpServer().address() as AddressInfo).port}`;
  console.log(
    [
      `api listening on ${base} (Redis ${config.redisUrl}, counterparty mode ${config.counterpartyMode})`,
      `  Management API  ${base}/management/v3`,
      `  API key         ${config.apiKey}` + (config.apiKeyGenerated ? '   (generated: set MANAGEMENT_API_KEY to keep one)' : ''),
    ].join('\n'),
  );
});
