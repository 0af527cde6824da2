import { Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBody, ApiTags } from '@nestjs/swagger';
import { UnvalidatedBody } from '../http/unvalidated-body.decorator';
import { PageQueryDto } from '../inbound-callbacks/page-query.dto';
import { EndpointRequestDto } from './endpoint-request.dto';
import { EndpointsService } from './endpoints.service';

@ApiTags('Endpoints')
@Controller('management/v1/endpoints')
export class EndpointsController {
  constructor(private readonly endpoints: EndpointsService) {}

  /** Registers an endpoint that receives every matching event, like a static callback. */
  @Post()
  @HttpCode(201)
  @ApiBody({ type: EndpointRequestDto })
  create(@UnvalidatedBody() body: unknown) {
    return this.endpoints.create(body);
  }

  /** Static callbacks (`"source": "config"`) first, then registered ones, oldest first. */
  @Get()
  list(@Query() page: PageQueryDto) {
    return this.endpoints.list(page.offset ?? 0, page.limit ?? 50);
  }

  @Get(':id')
  get(@Param('id') id: string) {
    return this.endpoints.get(id);
  }

  /** Replaces a registered endpoint; a static one takes only `{"disabled": true|false}`. */
  @Put(':id')
  @ApiBody({ type: EndpointRequestDto })
  update(@Param('id') id: string, @UnvalidatedBody() body: unknown) {
    return this.endpoints.update(id, body);
  }

  /** Its waiting deliveries fail (dead letters that say so); nothing more is sent to it. */
  @Delete(':id')
  @HttpCode(204)
  async delete(@Param('id') id: string): Promise<void> {
    await this.endpoints.delete(id);
  }
}
