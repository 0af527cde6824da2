/** What the naive api puts on the queue for each callback address, and the naive worker POSTs. */
export const WEBHOOK_QUEUE = 'webhooks';

export interface Envelope {
  id: string;
  at: number;
  type: string;
  payload: Record<string, unknown>;
}

export interface WebhookJob {
  url: string;
  envelope: Envelope;
}

/** BullMQ's connection and key prefix, from the same variables the product reads. */
export function bullRoot(): { connection: { host: string; port: number }; prefix: string } {
  const url = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  return { connection: { host: url.hostname, port: Number(url.port || 6379) }, prefix: process.env.QUEUE_PREFIX ?? 'bull' };
}
