import { ApiBody, ApiTags } from '@nestjs/swagger';
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { idResponse, withContext } from '../json-ld/edc-response';
import { StateChangeDto } from '../lifecycle/state-change.dto';
import { QuerySpecDto } from '../query/query-spec.dto';
import { ContractRequestDto } from './contract-request.dto';
import { UnvalidatedBody } from '../http/unvalidated-body.decorator';
import { QueryPlan } from '../query/query-plan';
import { QueryPlanPipe } from '../query/query-plan.pipe';
import { QueryService } from '../query/query.service';
import { ContractNegotiation } from './contract-negotiation';
import { NEGOTIATION_QUERY } from './contract-negotiation.query';
import { toContractAgreementResponse, toContractNegotiationResponse } from './contract-negotiation.response';
import { ContractNegotiationsService } from './contract-negotiations.service';

@ApiTags('Contract negotiations')
@Controller('management/v3/contractnegotiations')
export class ContractNegotiationsController {
  constructor(
    private readonly negotiations: ContractNegotiationsService,
    private readonly queries: QueryService,
  ) {}

  /** `?callbackURL=` (Metamug's form) adds one callback address for all of its events. */
  @Post()
  @HttpCode(200)
  @ApiBody({ type: ContractRequestDto })
  async create(@UnvalidatedBody() request: unknown, @Query('callbackURL') callbackUrl?: unknown) {
    const cn = await this.negotiations.create(request, callbackUrl);
    return idResponse(cn.id, cn.createdAt);
  }

  @Post('request')
  @HttpCode(200)
  @ApiBody({ type: QuerySpecDto })
  async query(@UnvalidatedBody(new QueryPlanPipe(NEGOTIATION_QUERY)) plan: QueryPlan) {
    const found = await this.queries.query<ContractNegotiation>(NEGOTIATION_QUERY, plan);
    return found.map(toContractNegotiationResponse);
  }

  @Get(':id')
  async get(@Param('id') id: string) {
    return toContractNegotiationResponse(await this.negotiations.get(id));
  }

  @Get(':id/state')
  async state(@Param('id') id: string) {
    return withContext({ '@type': 'NegotiationState', state: (await this.negotiations.get(id)).state });
  }

  @Get(':id/agreement')
  async agreement(@Param('id') id: string) {
    return toContractAgreementResponse(await this.negotiations.agreement(id));
  }

  /** EDC's delete: 204 for a TERMINATED negotiation, 409 for any other, 404 for an unknown id. */
  @Delete(':id')
  @HttpCode(204)
  async delete(@Param('id') id: string): Promise<void> {
    await this.negotiations.delete(id);
  }

  @Post(':id/terminate')
  @HttpCode(204)
  async terminate(@Param('id') id: string, @Body() body: StateChangeDto): Promise<void> {
    await this.negotiations.transition(id, 'TERMINATED', { reason: body.reason });
  }
}
