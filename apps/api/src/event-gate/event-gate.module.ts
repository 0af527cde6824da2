import { Module } from '@nestjs/common';
import { DeliveryModule } from '@app/delivery';
import { EventGate } from './event-gate.service';

@Module({
  imports: [DeliveryModule],
  providers: [EventGate],
  exports: [EventGate],
})
export class EventGateModule {}
