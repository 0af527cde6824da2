import 'reflect-metadata';
import { AddressInfo } from 'node:net';
import { assertRedisReachable, LISTEN_HOST, loadConfig, runMain, startTracing } from '@app/platform';
import { BULL_BOARD_ROUTE } from './admin/admin.module';
import { CONSOLE_ROUTE } from './admin/console/console-views';
import { createApiApp } from './create-api-app';
import { OPENAPI_JSON_PATH, SWAGGER_UI_PATH } from './openapi/openapi';

runMain('api', 'API_PORT', async () => {
  const config = loadConfig();
  // Before the app is made: its spans need the provider (off unless OTEL_EXPORTER_OTLP_ENDPOINT is set).
  startTracing('callback-service-api');
  await assertRedisReachable(config.redisUrl);
  const app = await createApiApp(config);
  await app.listen(config.apiPort, LISTEN_HOST);
  const base = `http://localhost:${(app.getHttpServer().address() as AddressInfo).port}`;
  const banner = [
    `api listening on ${base} (Redis ${config.redisUrl}, counterparty mode ${config.counterpartyMode})`,
    `  Management API  ${base}/management/v3   (OpenAPI: ${base}/${OPENAPI_JSON_PATH}, docs: ${base}/${SWAGGER_UI_PATH})`,
    `  Bull Board      ${base}${BULL_BOARD_ROUTE}   (user any, password = the API key)`,
    `  Deliveries      ${base}${CONSOLE_ROUTE}   (failed and held deliveries: find, retry, skip, recover; same login)`,
    `  Health          ${base}/health`,
    `  API key         ${config.apiKey}` + (config.apiKeyGenerated ? '   (generated: set MANAGEMENT_API_KEY to keep one)' : ''),
  ].join('\n');
  return { app, graceMs: config.shutdownGraceMs, banner };
});
