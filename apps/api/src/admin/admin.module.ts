import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { BullBoardModule } from '@bull-board/nestjs';
import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { QUEUE } from '@app/platform';
import { FullRetryBullMQAdapter } from './full-retry.adapter';

export const BULL_BOARD_ROUTE = '/admin/queues';

/**
 * Bull Board over every queue of the product. The api only reads the deliveries queue here
 * (for the board); its dispatcher-side options live in the dispatcher. The API key check on
 * `/admin` is applied in create-api-app, before any route.
 */
@Module({
  imports: [
    BullModule.registerQueue({ name: QUEUE.deliveries }),
    BullBoardModule.forRoot({ route: BULL_BOARD_ROUTE, adapter: ExpressAdapter }),
    BullBoardModule.forFeature(
      { name: QUEUE.deliveries, adapter: FullRetryBullMQAdapter },
      { name: QUEUE.simulation, adapter: BullMQAdapter },
    ),
  ],
})
export class AdminModule {}
