import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { raw } from 'express';
import { NestExpressApplication } from '@nestjs/platform-express';
import { AppConfig } from '@app/platform';
import { ApiModule } from './api.module';
import { apiKeyMiddleware } from './http/api-key.middleware';
import { bodyParsingErrorHandler, jsonBodyParser, jsonDepthGuard } from './http/body-parsing';
import { EdcValidationPipe } from './http/edc-validation.pipe';
import { serveOpenApi } from './openapi/openapi';

/** The api, configured but not listening: main.ts listens, tests use it through supertest. */
export async function createApiApp(config: AppConfig): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(ApiModule.forRoot(config), {
    bodyParser: false,
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  // Order matters: authenticate before reading a body, then parse with the size limit.
  app.use(['/management', '/signaling', '/admin'], apiKeyMiddleware(config.apiKey));
  // Inbound callback URLs keep bodies of any type as they came; everything else reads JSON.
  app.use(['/cb', '/cbq'], raw({ type: () => true, limit: config.apiBodyLimit }));
  app.use(jsonBodyParser(config.apiBodyLimit), bodyParsingErrorHandler(config.apiBodyLimit), jsonDepthGuard());
  app.useGlobalPipes(new EdcValidationPipe());
  serveOpenApi(app);
  return app;
}
