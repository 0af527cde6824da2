import { ApiTags } from '@nestjs/swagger';
import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { DeliveryRecord } from '@app/delivery';
import { DeliveriesService } from './deliveries.service';
import { DeliveryQueryDto } from './delivery-query.dto';

@ApiTags('Deliveries')
@Controller('management/v1/deliveries')
export class DeliveriesController {
  constructor(private readonly deliveries: DeliveriesService) {}

  /** Deliveries with their attempts, newest first; filters combine. */
  @Get()
  list(@Query() query: DeliveryQueryDto): Promise<DeliveryRecord[]> {
    return this.deliveries.list(query);
  }

  @Get(':id')
  get(@Param('id') id: string): Promise<DeliveryRecord> {
    return this.deliveries.get(id);
  }

  /**
   * Retries a dead-lettered delivery. `202 Accepted`, not `204`: the job is queued again, and
   * its attempts happen later (the delivery log shows them as a new series).
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
