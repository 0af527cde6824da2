import { ApiBody, ApiTags } from '@nestjs/swagger';
import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { UnvalidatedBody } from '../http/unvalidated-body.decorator';
import { QuerySpecDto } from '../query/query-spec.dto';
import { QueryPlan } from '../query/query-plan';
import { QueryPlanPipe } from '../query/query-plan.pipe';
import { toContractAgreementResponse, toContractNegotiationResponse } from '../contract-negotiations/contract-negotiation.response';
import { AGREEMENT_QUERY } from './contract-agreement.query';
import { ContractAgreementsService } from './contract-agreements.service';

/** EDC's `ContractAgreementApiV3Controller`. */
@ApiTags('Contract agreements')
@Controller('management/v3/contractagreements')
export class ContractAgreementsController {
  constructor(private readonly agreements: ContractAgreementsService) {}

  @Post('request')
  @HttpCode(200)
  @ApiBody({ type: QuerySpecDto })
  async query(@UnvalidatedBody(new QueryPlanPipe(AGREEMENT_QUERY)) plan: QueryPlan) {
    return Promise.all((await this.agreements.query(plan)).map(toContractAgreementResponse));
  }

  @Get(':id')
  async get(@Param('id') id: string) {
    return toContractAgreementResponse(await this.agreements.get(id));
  }

  @Get(':id/negotiation')
  async negotiation(@Param('id') id: string) {
    return toContractNegotiationResponse(await this.agreements.negotiation(id));
  }
}
