import { DynamicModule } from '@nestjs/common';
import { IncomingMessage } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig } from '../config/app-config';

/**
 * Structured logs with pino: JSON lines (`LOG_FORMAT=json`, the default) or one readable line
 * each (`pretty`, which `npm start` uses), at `LOG_LEVEL`. Request lines never carry auth
 * headers, cookies or query strings, and an inbound callback URL's state is masked: the state
 * is what lets a caller in. Health and metrics scrapes are not logged.
 */
export function loggingModule(config: AppConfig): DynamicModule {
  return LoggerModule.forRoot({
    pinoHttp: {
      level: config.logLevel,
      ...(config.logFormat === 'pretty' ? { transport: { target: 'pino-pretty', options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l' } } } : {}),
      autoLogging: { ignore: (req: IncomingMessage) => /^\/(health|metrics)\b/.test(req.url ?? '') },
      serializers: {
        req: (req: { method: string; url: string }) => ({ method: req.method, url: maskUrl(req.url) }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      redact: { paths: ['req.headers', 'res.headers'], remove: true },
    },
  });
}

/** The path without its query, and with an inbound callback's state masked. */
function maskUrl(url: string): string {
  return url.split('?')[0].replace(/^\/cb\/[^/]+/, '/cb/[state]');
}
