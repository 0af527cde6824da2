import { ApiTags } from '@nestjs/swagger';
import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { FastifyReply, FastifyRequest } from 'fastify';
import { DeadLetterRecovery } from './dead-letter-recovery';
import { DeliveriesService } from './deliveries.service';
import { DeliveryQueryDto } from './delivery-query.dto';
import { deliveryResponse, DeliveryResponseDto, RecoverResponseDto } from './delivery-response.dto';
import { RecoverRequestDto } from './recover-request.dto';

@ApiTags('Deliveries')
@Controller('management/v1/deliveries')
export class DeliveriesController {
  constructor(
    private readonly deliveries: DeliveriesService,
    private readonly recovery: DeadLetterRecovery,
  ) {}

  /**
   * Deliveries with their attempts, newest first, across every partition; filters combine. The
   * next page's cursor comes as `Link: <...>; rel="next"` and `X-Next-Cursor` (none on the
   * last page). Endpoint URIs are shown with their secrets masked. An unknown parameter is a 400.
   */
  @Get()
  async list(
    @Query() query: DeliveryQueryDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<DeliveryResponseDto[]> {
    const { items, next } = await this.deliveries.list(query);
    if (next) {
      const params = new URLSearchParams(request.url.split('?')[1] ?? '');
      params.set('cursor', next);
      params.delete('offset');
      reply.header('x-next-cursor', next).header('link', `<${request.url.split('?')[0]}?${params}>; rel="next"`);
    }
    return items.map(deliveryResponse);
  }

  /**
   * Sends every dead letter matching the filter again, once, in its object's order on ordered
   * endpoints; answers when all are queued again, with how many. A second call recovers none
   * of them again (they are no longer dead letters).
   */
  @Post('recover')
  @HttpCode(202)
  async recover(@Body() filter: RecoverRequestDto): Promise<RecoverResponseDto> {
    return { recovered: await this.recovery.recover(filter) };
  }

  @Get(':id')
  async get(@Param('id') id: string): Promise<DeliveryResponseDto> {
    return deliveryResponse(await this.deliveries.get(id));
  }

  /**
   * Retries a dead-lettered delivery. `202 Accepted`, not `204`: the job is queued again, and
   * its attempts happen later (the delivery log shows them as a new series). An ordered one
   * that its lane has left rejoins the lane's end.
   */
  @Post(':id/retry')
  @HttpCode(202)
  async retry(@Param('id') id: string): Promise<void> {
    await this.deliveries.retry(id);
  }

  /**
   * Skips a dead letter that holds its ordered sequence (`onFailure: hold`): the object's later
   * events to that endpoint go on. `202`: they are sent later.
   */
  @Post(':id/skip')
  @HttpCode(202)
  async skip(@Param('id') id: string): Promise<void> {
    await this.deliveries.skip(id);
  }
}
