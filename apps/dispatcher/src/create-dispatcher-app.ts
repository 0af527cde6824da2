import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { NestExpressApplication } from '@nestjs/platform-express';
import { AppConfig } from '@app/platform';
import { DispatcherModule } from './dispatcher.module';

/** The dispatcher: its workers start with the app; its HTTP port serves health only. */
export async function createDispatcherApp(config: AppConfig): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(DispatcherModule.forRoot(config), {
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  return app;
}
