import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { InjectQueue, BullModule } from '@nestjs/bullmq';
import {
  Body,
  CanActivate,
  Controller,
  ExecutionContext,
  HttpCode,
  Injectable,
  Module,
  Post,
  UnauthorizedException,
  UseGuards,
  ValidationPipe,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { IncomingMessage } from 'node:http';
import { Queue } from 'bullmq';
import { TransferRequestDto } from './transfer-request.dto';
import { bullRoot, Envelope, WEBHOOK_QUEUE, WebhookJob } from './webhook-job';

/**
 * The naive api of issue 26: what a competent engineer builds in an afternoon from the design
 * card, as the bench's peer. NestJS on its default platform (Express), class-validator DTOs, and
 * one BullMQ job per matching callback address, retried 8 times with exponential backoff. It keeps
 * no state: no stored transfer, no outbox (the job is added after the answer is decided, and a
 * crash between loses it), no delivery log, no ordering, no signature, no address policy.
 * Run with REDIS_URL, QUEUE_PREFIX, MANAGEMENT_API_KEY and API_PORT (0 for any).
 */

@Injectable()
class ApiKeyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (context.switchToHttp().getRequest<IncomingMessage>().headers['x-api-key'] !== process.env.MANAGEMENT_API_KEY)
      throw new UnauthorizedException();
    return true;
  }
}

@Controller('management/v3/transferprocesses')
@UseGuards(ApiKeyGuard)
class TransferProcessesController {
  constructor(@InjectQueue(WEBHOOK_QUEUE) private readonly webhooks: Queue<WebhookJob>) {}

  @Post()
  @HttpCode(200)
  async create(@Body() request: TransferRequestDto) {
    const id = randomUUID();
    const envelope: Envelope = {
      id: randomUUID(),
      at: Date.now(),
      type: 'TransferProcessInitiated',
      payload: {
        transferProcessId: id,
        contractId: request.contractId,
        assetId: request.assetId,
        type: 'CONSUMER',
        protocol: request.protocol,
        callbackAddresses: request.callbackAddresses ?? [],
      },
    };
    for (const address of request.callbackAddresses ?? []) {
      if (!address.events.some((filter) => 'transfer.process.initiated'.startsWith(filter))) continue;
      await this.webhooks.add(
        'deliver',
        { url: address.uri, envelope },
        { attempts: 8, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: true },
      );
    }
    return { '@type': 'IdResponse', '@id': id, createdAt: envelope.at };
  }
}

@Module({
  imports: [BullModule.forRoot(bullRoot()), BullModule.registerQueue({ name: WEBHOOK_QUEUE })],
  controllers: [TransferProcessesController],
  providers: [ApiKeyGuard],
})
class NaiveApiModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create(NaiveApiModule);
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, transform: true }));
  app.enableShutdownHooks();
  await app.listen(Number(process.env.API_PORT ?? 8181), '127.0.0.1');
  console.log(`naive api listening on http://localhost:${new URL(await app.getUrl()).port}`);
}

void main();
