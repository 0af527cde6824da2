import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { BullBoardInstance, BullBoardModule, InjectBullBoard } from '@bull-board/nestjs';
import { Injectable, Module, OnModuleInit } from '@nestjs/common';
import { DeliveryModule, DeliveryQueues } from '@app/delivery';
import { QUEUE } from '@app/platform';
import { SimulationQueueModule } from '../simulation/simulation-queue.module';
import { DeliveriesModule } from '../deliveries/deliveries.module';
import { DeliveryConsoleController } from './console/delivery-console.controller';
import { CONSOLE_ROUTE } from './console/console-views';
import { FullRetryBullMQAdapter } from './full-retry.adapter';

export const BULL_BOARD_ROUTE = '/admin/queues';

/**
 * Puts each partition's deliveries queue on the board. Their names (`deliveries.p03`) share the
 * `deliveries` part, which the board's delimiter makes one group of, one entry per partition.
 */
@Injectable()
class PartitionQueuesOnBoard implements OnModuleInit {
  constructor(
    @InjectBullBoard() private readonly board: BullBoardInstance,
    private readonly deliveries: DeliveryQueues,
  ) {}

  onModuleInit(): void {
    for (const queue of this.deliveries.all) this.board.addQueue(new FullRetryBullMQAdapter(queue, { delimiter: '.' }));
  }
}

/**
 * Bull Board over every queue of the product. The api only reads the deliveries queues here
 * (for the board); their workers live in the dispatcher. The API key check on `/admin` is
 * applied in create-api-app, before any route.
 */
@Module({
  imports: [
    DeliveryModule,
    DeliveriesModule,
    SimulationQueueModule,
    BullBoardModule.forRoot({
      route: BULL_BOARD_ROUTE,
      adapter: FastifyAdapter,
      boardOptions: {
        uiConfig: {
          boardTitle: 'Callback service',
          // The console lists the failed deliveries of every partition in one place.
          miscLinks: [{ text: 'Delivery console', url: CONSOLE_ROUTE }],
          // The overview sums each group (the 16 deliveries partitions): failed per group at a glance.
          overview: { groupByDelimiter: true },
          jobDetails: { defaultTab: 'Logs' },
        },
      },
    }),
    BullBoardModule.forFeature({ name: QUEUE.simulation, adapter: BullMQAdapter }),
  ],
  controllers: [DeliveryConsoleController],
  providers: [PartitionQueuesOnBoard],
})
export class AdminModule {}
