import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { AppConfig, registerRequestLog, StartupQuietLogger } from '@app/platform';
import { guardAdminWrites, serveBoardOffline } from './admin/admin-hooks';
import { BULL_BOARD_ROUTE } from './admin/admin.module';
import { ApiModule } from './api.module';
import { apiKeyHook } from './http/api-key.hook';
import { registerBodyParsing } from './http/body-parsing';
import { EdcValidationPipe } from './http/edc-validation.pipe';
import { fastifyOptions } from './http/fastify-options';
import { addContextDocuments } from './json-ld/context-documents';
import { registerRequestTracing } from './http/request-tracing';
import { serveOpenApi } from './openapi/openapi';

/**
 * The api on Fastify (about a tenth less CPU per create than Express: docs/performance.md),
 * configured but not listening: main.ts listens, tests use it through supertest.
 */
export async function createApiApp(config: AppConfig): Promise<NestFastifyApplication> {
  addContextDocuments(config.jsonLdDocuments);
  const app = await NestFactory.create<NestFastifyApplication>(ApiModule.forRoot(config), new FastifyAdapter(fastifyOptions), {
    bodyParser: false,
    bufferLogs: true,
  });
  app.useLogger(new StartupQuietLogger(app.get(Logger)));
  const fastify = app.getHttpAdapter().getInstance();
  // The key is checked before a body is read; then bodies are parsed with the size limit.
  fastify.addHook('onRequest', apiKeyHook(config.apiKey));
  guardAdminWrites(fastify);
  serveBoardOffline(fastify, BULL_BOARD_ROUTE);
  registerBodyParsing(fastify, config.apiBodyLimit);
  registerRequestTracing(fastify);
  registerRequestLog(fastify);
  app.useGlobalPipes(new EdcValidationPipe());
  serveOpenApi(app);
  return app;
}
