import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { TransferRequestDto } from '@app/events';
import { toTransferProcessResponse } from './transfer-process.response';
import { TransferProcessesService } from './transfer-processes.service';

@Controller('management/v3/transferprocesses')
export class TransferProcessesController {
  constructor(private readonly transfers: TransferProcessesService) {}

  @Post()
  @HttpCode(200)
  async create(@Body() request: TransferRequestDto) {
    const tp = await this.transfers.create(request);
    return { '@type': 'IdResponse', '@id': tp.id, createdAt: tp.createdAt };
  }

  @Get(':id')
  async get(@Param('id') id: string) {
    return toTransferProcessResponse(await this.transfers.get(id));
  }

  @Get(':id/state')
  async state(@Param('id') id: string) {
    return { '@type': 'TransferState', state: (await this.transfers.get(id)).state };
  }
}
