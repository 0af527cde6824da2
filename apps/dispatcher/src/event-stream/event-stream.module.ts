import { Module } from '@nestjs/common';
import { DeliveryModule } from '../delivery/delivery.module';
import { EndpointMatcher } from './endpoint-matcher.service';
import { EventBodySweeper } from './event-body-sweeper';
import { EventDispatcher } from './event-dispatcher.service';

@Module({
  imports: [DeliveryModule],
  providers: [EndpointMatcher, EventDispatcher, EventBodySweeper],
})
export class EventStreamModule {}
