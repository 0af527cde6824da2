import { ConfigError } from '../config/config-error';
import { RedisUnavailableError } from '../redis/redis-connection';

/**
 * Runs an app's start-up; a configuration or Redis problem ends the process with one clear
 * message and a non-zero exit code instead of a stack trace.
 */
export function runMain(app: string, portVariable: string, start: () => Promise<void>): void {
  start().catch((err) => {
    if (err instanceof ConfigError || err instanceof RedisUnavailableError) console.error(`${app}: ${err.message}`);
    else if (err?.code === 'EADDRINUSE')
      console.error(`${app}: port ${err.port} is already in use: stop what listens there or set ${portVariable}.`);
    else console.error(`${app}: failed to start:`, err);
    process.exit(1);
  });
}
