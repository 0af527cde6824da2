import { Module } from '@nestjs/common';
import { DeliveryModule } from '../delivery/delivery.module';
import { EndpointMatcher } from './endpoint-matcher.service';
import { EventBodySweeper } from './event-body-sweeper';
import { FanOutWorker } from './fan-out.worker';

@Module({
  imports: [DeliveryModule],
  providers: [EndpointMatcher, FanOutWorker, EventBodySweeper],
})
export class FanOutModule {}
