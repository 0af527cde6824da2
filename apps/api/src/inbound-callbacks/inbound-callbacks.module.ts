import { Module } from '@nestjs/common';
import { DeliveryModule } from '@app/delivery';
import { CallbackAddressesModule } from '../callback-addresses/callback-addresses.module';
import { EventGateModule } from '../event-gate/event-gate.module';
import { StateStoreModule } from '../state-store/state-store.module';
import { SignalingModule } from '../signaling/signaling.module';
import { BodySchemas } from './body-schema';
import { CallbackEndpointController } from './callback-endpoint.controller';
import { InboundCallbackStore } from './inbound-callback.store';
import { InboundCallbacksController } from './inbound-callbacks.controller';
import { InboundCallbacksService } from './inbound-callbacks.service';

@Module({
  imports: [DeliveryModule, StateStoreModule, EventGateModule, CallbackAddressesModule, SignalingModule],
  controllers: [InboundCallbacksController, CallbackEndpointController],
  providers: [InboundCallbacksService, InboundCallbackStore, BodySchemas],
})
export class InboundCallbacksModule {}
