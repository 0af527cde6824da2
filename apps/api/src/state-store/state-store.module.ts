import { Module } from '@nestjs/common';
import { DeliveryModule } from '@app/delivery';
import { EqualityIndexMigration } from './equality-index-migration';
import { EventStreamGroups } from './event-stream-groups';
import { StateIndex } from './state-index';
import { StateStore } from './state-store.service';

@Module({
  imports: [DeliveryModule],
  providers: [StateStore, StateIndex, EventStreamGroups, EqualityIndexMigration],
  exports: [StateStore, StateIndex],
})
export class StateStoreModule {}
