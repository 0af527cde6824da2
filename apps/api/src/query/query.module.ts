import { Module } from '@nestjs/common';
import { StateStoreModule } from '../state-store/state-store.module';
import { QueryService } from './query.service';

@Module({
  imports: [StateStoreModule],
  providers: [QueryService],
  exports: [QueryService],
})
export class QueryModule {}
