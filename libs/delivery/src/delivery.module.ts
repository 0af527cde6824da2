import { Module } from '@nestjs/common';
import { CallbackSender } from './callback-sender.service';
import { DeliveryLog } from './delivery-log/delivery-log.service';
import { SecretResolver } from './secret-resolver.service';
import { DeliverySigner } from './signing';

/** Sending callbacks and recording them; needs ConfigModule and RedisModule (both global). */
@Module({
  providers: [CallbackSender, SecretResolver, DeliverySigner, DeliveryLog],
  exports: [CallbackSender, SecretResolver, DeliverySigner, DeliveryLog],
})
export class DeliveryModule {}
