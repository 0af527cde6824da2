import { DynamicModule, MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule, PinoLogger } from 'nestjs-pino';
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
 * the CPU of a create (docs/performance.md, "The api's create path"). `requestLogMiddleware`
 * writes the same "request completed" / "request errored" line from the root logger instead.
 */
export function loggingModule(config: AppConfig): DynamicModule {
  return {
    module: RequestLogModule,
    imports: [
      LoggerModule.forRoot({
        // No routes: the root logger only (see requestLogMiddleware for the request lines).
        forRoutes: [],
        pinoHttp: {
          level: config.logLevel,
          ...(config.logFormat === 'pretty'
            ? { transport: { target: 'pino-pretty', options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l' } } }
            : { stream: gatheredLines() }),
          // Request lines are built from plain objects (below), not from req and res themselves.
          wrapSerializers: false,
          redact: { paths: ['req.headers', 'res.headers'], remove: true },
        },
      }),
    ],
  };
}

@Module({})
class RequestLogModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(requestLogMiddleware()).forRoutes({ path: '{/*splat}', method: RequestMethod.ALL });
  }
}

const NOT_LOGGED = /^\/(health|metrics)\b/;

/**
 * One line per request once its response is done, as pino-http wrote it: `req` (method and
 * masked path), `res` (status code), `responseTime` (ms) and "request completed", or with `err`
 * and "request errored" for a 5xx. Nothing per request beyond one `close` listener, and not
 * even that when info lines are off.
 */
export function requestLogMiddleware() {
  return (req: IncomingMessage & { originalUrl?: string }, res: ServerResponse, next: () => void): void => {
    const logger = PinoLogger.root;
    if (!logger?.isLevelEnabled('info') || NOT_LOGGED.test(req.originalUrl ?? req.url ?? '')) return next();
    const startedAt = Date.now();
    // `close` follows `finish` for every response, and also comes alone when the client went away.
    res.once('close', () => {
      const line = {
        req: { method: req.method, url: maskUrl(req.originalUrl ?? req.url ?? '') },
        res: { statusCode: res.statusCode },
        responseTime: Date.now() - startedAt,
      };
      if (res.statusCode >= 500) logger.info({ ...line, err: new Error(`failed with status code ${res.statusCode}`) }, 'request errored');
      else logger.info(line, 'request completed');
    });
    next();
  };
}

/** The path without its query, and with an inbound callback's state masked. */
export function maskUrl(url: string): string {
  return url.split('?')[0].replace(/^\/cb\/[^/]+/, '/cb/[state]');
}
