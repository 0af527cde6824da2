import { Module } from '@nestjs/common';
import { CallbackSender } from './callback-sender.service';
import { DeliveryLog } from './delivery-log/delivery-log.service';
import { DeliveryQueues } from './delivery-queues';
import { EventBodyStore } from './event-body-store';
import { DeliveryLanes } from './lanes/delivery-lanes';
import { SecretResolver } from './secret-resolver.service';
import { DeliverySigner } from './signing';

/** Sending callbacks and recording them; needs ConfigModule and RedisModule (both global). */
@Module({
  providers: [CallbackSender, SecretResolver, DeliverySigner, DeliveryLog, EventBodyStore, DeliveryQueues, DeliveryLanes],
  exports: [CallbackSender, SecretResolver, DeliverySigner, DeliveryLog, EventBodyStore, DeliveryQueues, DeliveryLanes],
})
export class DeliveryModule {}
