import { Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CreateInboundCallbackDto } from './create-inbound-callback.dto';
import { UnvalidatedBody } from '../http/unvalidated-body.decorator';
import { PageQueryDto } from './page-query.dto';
import { InboundCallbacksService } from './inbound-callbacks.service';

/** The answer of a create: what to hand out is `callbackUrl`. */
const CREATED = {
  type: 'object',
  required: ['id', 'state', 'callbackUrl'],
  properties: {
    id: { type: 'string' },
    state: { type: 'string', description: 'The secret part of the URL.' },
    callbackUrl: { type: 'string', format: 'uri', description: 'The URL to give the caller.' },
  },
};

@ApiTags('Inbound callbacks')
@Controller('management/v1/callbacks')
export class InboundCallbacksController {
  constructor(private readonly callbacks: InboundCallbacksService) {}

  /** Hands out a URL for another system to call back; `callbackUrl` is what to give it. */
  @Post()
  @HttpCode(201)
  @ApiBody({ type: CreateInboundCallbackDto })
  @ApiCreatedResponse({ schema: CREATED })
  async create(@UnvalidatedBody() body: unknown) {
    const { id, state, callbackUrl } = await this.callbacks.create(body);
    return { id, state, callbackUrl };
  }

  /** Newest first, without their calls. */
  @Get()
  @ApiOkResponse({ schema: { type: 'array', items: { type: 'object', required: ['id', 'state', 'callbackUrl', 'status'] } } })
  async list(@Query() page: PageQueryDto) {
    const found = await this.callbacks.list(page.offset ?? 0, page.limit ?? 50);
    return found.map(({ calls: _calls, ...callback }) => callback);
  }

  /** With its status (`open`, `closed`, `expired`) and the calls it captured. */
  @Get(':id')
  get(@Param('id') id: string) {
    return this.callbacks.get(id);
  }

  /** Closes it: later calls answer 404. */
  @Delete(':id')
  @HttpCode(204)
  async close(@Param('id') id: string): Promise<void> {
    await this.callbacks.close(id);
  }
}
