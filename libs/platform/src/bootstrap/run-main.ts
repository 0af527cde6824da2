import { INestApplicationContext } from '@nestjs/common';
import { ConfigError } from '../config/config-error';
import { RedisUnavailableError } from '../redis/redis-connection';
import { stopTracing } from '../tracing/tracing';

/**
 * Where both apps listen: every interface, as Express did. Fastify given no host takes only
 * localhost, which nothing outside a container can reach.
 */
export const LISTEN_HOST = '0.0.0.0';

/**
 * Runs an app's start-up; a configuration or Redis problem ends the process with one clear
 * message and a non-zero exit code instead of a stack trace. Once started, SIGTERM or SIGINT
 * closes the app (workers stop taking jobs and finish the ones in flight, connections close)
 * and the process exits 0; if closing takes longer than `graceMs` it exits 1. (Nest's own
 * shutdown hooks re-raise the signal, which ends the process with 143, not 0.)
 */
export function runMain(
  name: string,
  portVariable: string,
  start: () => Promise<{ app: INestApplicationContext; graceMs: number; banner: string }>,
): void {
  // Installed before start-up, so a signal that comes right after the banner is handled too.
  let running: { app: INestApplicationContext; graceMs: number } | undefined;
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    if (!running) process.exit(0);
    console.log(`${name}: ${signal} received, finishing what is in flight`);
    setTimeout(() => {
      console.error(`${name}: still stopping after ${running!.graceMs} ms (SHUTDOWN_GRACE_MS); exiting`);
      process.exit(1);
    }, running.graceMs).unref();
    running.app
      .close()
      // The spans still buffered go out before the process ends.
      .then(() => stopTracing().catch(() => undefined))
      .then(
        () => process.exit(0),
        (err) => {
          console.error(`${name}: failed to stop cleanly:`, err);
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // While closing, connections drop under commands still queued on them (ioredis rejects
  // those with "Connection is closed"): expected, not a reason to exit 1. At any other
  // time an unhandled rejection is a bug and ends the process, as Node's default does.
  process.on('unhandledRejection', (reason) => {
    if (stopping) return;
    console.error(`${name}: unhandled rejection:`, reason);
    process.exit(1);
  });

  start()
    .then((started) => {
      running = started;
      // Printed only now: whoever waits for "listening on" may signal at once.
      console.log(started.banner);
    })
    .catch((err) => {
      if (err instanceof ConfigError || err instanceof RedisUnavailableError) console.error(`${name}: ${err.message}`);
      else if (err?.code === 'EADDRINUSE')
        console.error(`${name}: port ${err.port} is already in use: stop what listens there or set ${portVariable}.`);
      else console.error(`${name}: failed to start:`, err);
      process.exit(1);
    });
}
