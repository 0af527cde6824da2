import { ApiBody, ApiTags } from '@nestjs/swagger';
import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ContractRequestDto, QuerySpecDto, StateChangeDto } from '@app/events';
import { UnvalidatedBody } from '../http/unvalidated-body.decorator';
import { QueryService } from '../query/query.service';
import { ContractNegotiation } from './contract-negotiation';
import { NEGOTIATION_QUERY } from './contract-negotiation.query';
import { toContractNegotiationResponse } from './contract-negotiation.response';
import { ContractNegotiationsService } from './contract-negotiations.service';

@ApiTags('Contract negotiations')
@Controller('management/v3/contractnegotiations')
export class ContractNegotiationsController {
  constructor(
    private readonly negotiations: ContractNegotiationsService,
    private readonly queries: QueryService,
  ) {}

  @Post()
  @HttpCode(200)
  async create(@Body() request: ContractRequestDto) {
    const cn = await this.negotiations.create(request);
    return { '@type': 'IdResponse', '@id': cn.id, createdAt: cn.createdAt };
  }

  @Post('request')
  @HttpCode(200)
  @ApiBody({ type: QuerySpecDto })
  async query(@UnvalidatedBody() spec: unknown) {
    const found = await this.queries.query<ContractNegotiation>(NEGOTIATION_QUERY, spec);
    return found.map(toContractNegotiationResponse);
  }

  @Get(':id')
  async get(@Param('id') id: string) {
    return toContractNegotiationResponse(await this.negotiations.get(id));
  }

  @Get(':id/state')
  async state(@Param('id') id: string) {
    return { '@type': 'NegotiationState', state: (await this.negotiations.get(id)).state };
  }

  @Get(':id/agreement')
  agreement(@Param('id') id: string) {
    return this.negotiations.agreement(id);
  }

  @Post(':id/terminate')
  @HttpCode(204)
  async terminate(@Param('id') id: string, @Body() body: StateChangeDto): Promise<void> {
    await this.negotiations.transition(id, 'TERMINATED', { reason: body.reason });
  }
}
