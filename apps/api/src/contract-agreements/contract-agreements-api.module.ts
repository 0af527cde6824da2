import { Module } from '@nestjs/common';
import { ContractNegotiationsModule } from '../contract-negotiations/contract-negotiations.module';
import { QueryModule } from '../query/query.module';
import { ContractAgreementsModule } from './contract-agreements.module';
import { ContractAgreementsController } from './contract-agreements.controller';
import { ContractAgreementsService } from './contract-agreements.service';

/** The Management API of agreements; apart from `ContractAgreementsModule`, which negotiations and transfers use. */
@Module({
  imports: [ContractAgreementsModule, ContractNegotiationsModule, QueryModule],
  controllers: [ContractAgreementsController],
  providers: [ContractAgreementsService],
})
export class ContractAgreementsApiModule {}
