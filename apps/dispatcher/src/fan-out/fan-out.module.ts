import { Module } from '@nestjs/common';
import { AttemptsModule } from '../attempts/attempts.module';
import { EndpointMatcher } from './endpoint-matcher.service';
import { EventBodySweeper } from './event-body-sweeper';
import { DeliverySettler } from './delivery-settler';
import { EventDispatcher } from './event-dispatcher.service';

@Module({
  imports: [AttemptsModule],
  providers: [EndpointMatcher, DeliverySettler, EventDispatcher, EventBodySweeper],
})
export class FanOutModule {}
