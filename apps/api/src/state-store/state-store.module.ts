import { Module } from '@nestjs/common';
import { EventStreamGroups } from './event-stream-groups';
import { StateIndex } from './state-index';
import { StateStore } from './state-store.service';

@Module({
  providers: [StateStore, StateIndex, EventStreamGroups],
  exports: [StateStore, StateIndex],
})
export class StateStoreModule {}
