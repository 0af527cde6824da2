import { Module } from '@nestjs/common';
import { ContractAgreementStore } from './contract-agreement.store';

@Module({
  providers: [ContractAgreementStore],
  exports: [ContractAgreementStore],
})
export class ContractAgreementsModule {}
