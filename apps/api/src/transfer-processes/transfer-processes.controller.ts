import { ApiBody, ApiTags } from '@nestjs/swagger';
import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { StateChangeDto } from '../lifecycle/state-change.dto';
import { QuerySpecDto } from '../query/query-spec.dto';
import { TransferRequestDto } from './transfer-request.dto';
import { UnvalidatedBody } from '../http/unvalidated-body.decorator';
import { idResponse, withContext } from '../json-ld/edc-response';
import { QueryPlan } from '../query/query-plan';
import { QueryPlanPipe } from '../query/query-plan.pipe';
import { QueryService } from '../query/query.service';
import { TransferProcess } from './transfer-process';
import { TRANSFER_QUERY } from './transfer-process.query';
import { toTransferProcessResponse } from './transfer-process.response';
import { TransferProcessesService } from './transfer-processes.service';

@ApiTags('Transfer processes')
@Controller('management/v3/transferprocesses')
export class TransferProcessesController {
  constructor(
    private readonly transfers: TransferProcessesService,
    private readonly queries: QueryService,
  ) {}

  /** `?callbackURL=` (Metamug's form) adds one callback address for all of its events. */
  @Post()
  @HttpCode(200)
  @ApiBody({ type: TransferRequestDto })
  async create(@UnvalidatedBody() request: unknown, @Query('callbackURL') callbackUrl?: unknown) {
    const tp = await this.transfers.create(request, callbackUrl);
    return idResponse(tp.id, tp.createdAt);
  }

  @Post('request')
  @HttpCode(200)
  @ApiBody({ type: QuerySpecDto })
  async query(@UnvalidatedBody(new QueryPlanPipe(TRANSFER_QUERY)) plan: QueryPlan) {
    const found = await this.queries.query<TransferProcess>(TRANSFER_QUERY, plan);
    return found.map(toTransferProcessResponse);
  }

  @Get(':id')
  async get(@Param('id') id: string) {
    return toTransferProcessResponse(await this.transfers.get(id));
  }

  @Get(':id/state')
  async state(@Param('id') id: string) {
    return withContext({ '@type': 'TransferState', state: (await this.transfers.get(id)).state });
  }

  @Post(':id/terminate')
  @HttpCode(204)
  async terminate(@Param('id') id: string, @Body() body: StateChangeDto): Promise<void> {
    await this.transfers.transition(id, 'TERMINATED', { reason: body.reason });
  }

  @Post(':id/suspend')
  @HttpCode(204)
  async suspend(@Param('id') id: string, @Body() body: StateChangeDto): Promise<void> {
    await this.transfers.transition(id, 'SUSPENDED', { reason: body.reason });
  }

  @Post(':id/resume')
  @HttpCode(204)
  async resume(@Param('id') id: string): Promise<void> {
    await this.transfers.transition(id, 'RESUMED');
  }

  @Post(':id/deprovision')
  @HttpCode(204)
  async deprovision(@Param('id') id: string): Promise<void> {
    await this.transfers.transition(id, 'DEPROVISIONED');
  }
}
