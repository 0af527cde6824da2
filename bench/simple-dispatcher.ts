import http from 'node:http';
import axios from 'axios';
import { Worker } from 'bullmq';
import Redis from 'ioredis';

/**
 * The simple dispatcher of issue 11, written as a user would who needs webhooks and has BullMQ:
 * a worker, 50 jobs at a time, POSTing each job's body to the job's URL through axios with a
 * keep-alive agent. Nothing else: no signing, no delivery log, no bulkheads, no retry policy of
 * its own. It is the bar the product must beat while doing all of that. Run it with REDIS_URL,
 * QUEUE and QUEUE_PREFIX set.
 */

const connection = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
const client = axios.create({ httpAgent: new http.Agent({ keepAlive: true }), timeout: 10_000 });

const worker = new Worker<{ url: string; id: string; body: string }>(
  process.env.QUEUE ?? 'webhooks',
  async (job) => {
    await client.post(job.data.url, job.data.body, { headers: { 'content-type': 'application/json', 'webhook-id': job.data.id } });
  },
  { connection, prefix: process.env.QUEUE_PREFIX ?? 'bull', concurrency: 50 },
);
worker.on('failed', (job, err) => console.error(`webhook ${job?.data.id} failed: ${err.message}`));

process.on('SIGTERM', async () => {
  await worker.close();
  connection.disconnect();
  process.exit(0);
});
