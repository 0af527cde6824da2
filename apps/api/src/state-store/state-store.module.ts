import { Module } from '@nestjs/common';
import { EventStreamGroups } from './event-stream-groups';
import { StateStore } from './state-store.service';

@Module({
  providers: [StateStore, EventStreamGroups],
  exports: [StateStore],
})
export class StateStoreModule {}
