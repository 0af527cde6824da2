import { Module } from '@nestjs/common';
import { DeliveryModule } from '@app/delivery';
import { CallbackAddressesModule } from '../callback-addresses/callback-addresses.module';
import { ContractAgreementsModule } from '../contract-agreements/contract-agreements.module';
import { EventGateModule } from '../event-gate/event-gate.module';
import { StateStoreModule } from '../state-store/state-store.module';
import { QueryModule } from '../query/query.module';
import { ContractNegotiationsController } from './contract-negotiations.controller';
import { ContractNegotiationsService } from './contract-negotiations.service';

@Module({
  imports: [StateStoreModule, CallbackAddressesModule, QueryModule, EventGateModule, ContractAgreementsModule, DeliveryModule],
  controllers: [ContractNegotiationsController],
  providers: [ContractNegotiationsService],
  exports: [ContractNegotiationsService],
})
export class ContractNegotiationsModule {}
