import 'reflect-metadata';
import http from 'node:http';
import https from 'node:https';
import { BullModule, Processor, WorkerHost } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import axios from 'axios';
import { Job } from 'bullmq';
import { bullRoot, WEBHOOK_QUEUE, WebhookJob } from './webhook-job';

/**
 * The naive worker of issue 26, the naive api's other half: a NestJS BullMQ processor, 50 jobs
 * at a time, POSTing each job's envelope to its URL with axios over keep-alive agents. A throw
 * (any non-2xx, a timeout) lets BullMQ retry the job as the api asked. Run with REDIS_URL and
 * QUEUE_PREFIX.
 */

@Processor(WEBHOOK_QUEUE, { concurrency: 50 })
class WebhookProcessor extends WorkerHost {
  private readonly client = axios.create({
    httpAgent: new http.Agent({ keepAlive: true }),
    httpsAgent: new https.Agent({ keepAlive: true }),
    timeout: 10_000,
  });

  async process(job: Job<WebhookJob>): Promise<void> {
    const { url, envelope } = job.data;
    await this.client.post(url, envelope, {
      headers: { 'webhook-id': envelope.id, 'webhook-timestamp': String(Math.floor(envelope.at / 1000)) },
    });
  }
}

@Module({
  imports: [BullModule.forRoot(bullRoot()), BullModule.registerQueue({ name: WEBHOOK_QUEUE })],
  providers: [WebhookProcessor],
})
class NaiveWorkerModule {}

async function main(): Promise<void> {
  const app = await NestFactory.createApplicationContext(NaiveWorkerModule);
  app.enableShutdownHooks();
  console.log('naive worker ready');
}

void main();
