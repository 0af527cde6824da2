import { Module } from '@nestjs/common';
import { DeliveryAttemptsModule } from '../delivery/delivery-attempts.module';
import { EndpointMatcher } from './endpoint-matcher.service';
import { EventBodySweeper } from './event-body-sweeper';
import { DeliverySettler } from './delivery-settler';
import { EventDispatcher } from './event-dispatcher.service';

@Module({
  imports: [DeliveryAttemptsModule],
  providers: [EndpointMatcher, DeliverySettler, EventDispatcher, EventBodySweeper],
})
export class EventStreamModule {}
