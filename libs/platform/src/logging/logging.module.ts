import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig } from '../config/app-config';
import { gatheredLines } from './gathered-lines';

/**
 * Structured logs with pino: JSON lines (`LOG_FORMAT=json`, the default), written in batches
 * (`gatheredLines`), or one readable line each (`pretty`, which `npm start` uses), at `LOG_LEVEL`. Request lines never carry auth
 * headers, cookies or query strings, and an inbound callback URL's state is masked: the state
 * is what lets a caller in. Health and metrics scrapes are not logged.
 *
 * nestjs-pino provides the logger that Nest's `Logger` writes through; its per-request
 * middleware (pino-http, a child logger per request and an AsyncLocalStorage scope around it,
 * which puts a hook on every promise the process makes) is left out: it was about a quarter of
 * the CPU of a create (docs/performance.md, "The api's create path"). `registerRequestLog`
 * writes the same "request completed" / "request errored" line from the root logger instead.
 */
export function loggingModule(config: AppConfig): DynamicModule {
  return {
    module: RequestLogModule,
    imports: [
      LoggerModule.forRoot({
        // No routes: the root logger only (see registerRequestLog for the request lines).
        forRoutes: [],
        pinoHttp: {
          level: config.logLevel,
          ...(config.logFormat === 'pretty'
            ? { transport: { target: 'pino-pretty', options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l' } } }
            : { stream: gatheredLines() }),
          // Request lines are built from plain objects (method and masked path, status), never
          // from req and res themselves, so no header can reach a line: no redaction paths,
          // which cloned the req and res of every request line to look for headers.
          wrapSerializers: false,
        },
      }),
    ],
  };
}

@Module({})
class RequestLogModule {}
