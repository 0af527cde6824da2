import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { AppConfig } from '@app/platform';
import { DispatcherModule } from './dispatcher.module';

/** The dispatcher: its workers start with the app; its HTTP port serves health only. */
export async function createDispatcherApp(config: AppConfig): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(DispatcherModule.forRoot(config), {
    logger: ['error', 'warn'],
  });
  app.disable('x-powered-by');
  return app;
}
