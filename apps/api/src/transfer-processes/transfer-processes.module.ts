import { Module } from '@nestjs/common';
import { CallbackAddressesModule } from '../callback-addresses/callback-addresses.module';
import { ContractAgreementsModule } from '../contract-agreements/contract-agreements.module';
import { EventGateModule } from '../event-gate/event-gate.module';
import { StateStoreModule } from '../state-store/state-store.module';
import { QueryModule } from '../query/query.module';
import { TransferProcessesController } from './transfer-processes.controller';
import { TransferProcessesService } from './transfer-processes.service';

@Module({
  imports: [StateStoreModule, CallbackAddressesModule, QueryModule, EventGateModule, ContractAgreementsModule],
  controllers: [TransferProcessesController],
  providers: [TransferProcessesService],
  exports: [TransferProcessesService],
})
export class TransferProcessesModule {}
