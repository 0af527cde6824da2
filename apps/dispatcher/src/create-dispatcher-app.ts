import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { AppConfig, StartupQuietLogger } from '@app/platform';
import { DispatcherModule } from './dispatcher.module';

/** The dispatcher: its workers start with the app; its HTTP port serves health and metrics. */
export async function createDispatcherApp(config: AppConfig): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(DispatcherModule.forRoot(config), new FastifyAdapter({ logger: false }), {
    bufferLogs: true,
  });
  app.useLogger(new StartupQuietLogger(app.get(Logger)));
  return app;
}
