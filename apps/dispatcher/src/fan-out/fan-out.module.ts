import { Module } from '@nestjs/common';
import { DeliveryModule } from '../delivery/delivery.module';
import { EndpointMatcher } from './endpoint-matcher.service';
import { FanOutWorker } from './fan-out.worker';

@Module({
  imports: [DeliveryModule],
  providers: [EndpointMatcher, FanOutWorker],
})
export class FanOutModule {}
