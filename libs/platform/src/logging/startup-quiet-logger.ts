import { LoggerService } from '@nestjs/common';

/** Nest's own start-up lines: a line per module and per route (87 for the api). */
const START_UP_CONTEXTS = new Set(['NestFactory', 'InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestApplication']);

/**
 * The apps' logger as Nest sees it: `logger`, with Nest's start-up lines moved from info to
 * debug. At info they scrolled `npm start`'s banner (URLs, API key) away and filled a pod's log
 * at every start; `LOG_LEVEL=debug` shows them again.
 */
export class StartupQuietLogger implements LoggerService {
  constructor(private readonly logger: Required<Pick<LoggerService, 'log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal'>>) {}

  log(message: unknown, ...optionalParams: unknown[]): void {
    if (START_UP_CONTEXTS.has(optionalParams.at(-1) as string)) this.logger.debug(message, ...optionalParams);
    else this.logger.log(message, ...optionalParams);
  }

  error(message: unknown, ...optionalParams: unknown[]): void {
    this.logger.error(message, ...optionalParams);
  }

  warn(message: unknown, ...optionalParams: unknown[]): void {
    this.logger.warn(message, ...optionalParams);
  }

  debug(message: unknown, ...optionalParams: unknown[]): void {
    this.logger.debug(message, ...optionalParams);
  }

  verbose(message: unknown, ...optionalParams: unknown[]): void {
    this.logger.verbose(message, ...optionalParams);
  }

  fatal(message: unknown, ...optionalParams: unknown[]): void {
    this.logger.fatal(message, ...optionalParams);
  }
}
