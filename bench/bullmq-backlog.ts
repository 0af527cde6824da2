import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { initiatedEnvelope } from './envelope';
import { REDIS_URL } from './settings';

/**
 * The plain-BullMQ backlog that baselines (ii) and (iii) drain: jobs with BullMQ's default
 * options, each holding an envelope-shaped body and the URL to post it to, on a queue under a
 * prefix of its own (removed with `obliterate`, BullMQ's own way to drop a queue).
 */

export interface DeliveryJob {
  url: string;
  id: string;
  body: string;
}

/** A connection as BullMQ workers need it (blocking commands must not give up). */
export const bullConnection = () => new Redis(REDIS_URL, { maxRetriesPerRequest: null });

export async function fillQueue(queue: Queue<DeliveryJob>, n: number, url: string): Promise<void> {
  for (let i = 0; i < n; i += 1000) {
    const batch = Array.from({ length: Math.min(1000, n - i) }, () => {
      const envelope = initiatedEnvelope(url);
      return { name: envelope.type, data: { url, id: envelope.id, body: JSON.stringify(envelope) } };
    });
    await queue.addBulk(batch);
  }
}
