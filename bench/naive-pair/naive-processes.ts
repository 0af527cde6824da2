import path from 'node:path';
import { AppProcess, peerEnv, startProcess } from '../product-processes';
import { API_KEY } from '../settings';

/**
 * The naive pair as processes, as the product's apps are: each its own node, through ts-node's
 * transpile-only hook (it compiles the few files at start-up; nothing of it runs per request).
 * Its BullMQ keys go under the scenario's `{<prefix>}` tag, so the run drops them with the rest.
 */

const tsNode = (file: string) => ['-r', 'ts-node/register/transpile-only', path.join(__dirname, file)];

export function startNaiveApi(redisPrefix: string): Promise<AppProcess> {
  return startProcess(
    'naive api',
    tsNode('naive-api.ts'),
    peerEnv({ QUEUE_PREFIX: `{${redisPrefix}}`, MANAGEMENT_API_KEY: API_KEY, API_PORT: '0' }),
    'listening on',
  );
}

export function startNaiveWorker(redisPrefix: string): Promise<AppProcess> {
  return startProcess('naive worker', tsNode('naive-worker.ts'), peerEnv({ QUEUE_PREFIX: `{${redisPrefix}}` }), 'naive worker ready');
}
