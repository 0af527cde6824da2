import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Job, Worker } from 'bullmq';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig, BULL_CONNECTION, bullPrefix, createWorker, QUEUE, withTraceContext } from '@app/platform';
import { ContractNegotiationsService } from '../contract-negotiations/contract-negotiations.service';
import { NegotiationState } from '../contract-negotiations/contract-negotiation';
import { TransferProcessesService } from '../transfer-processes/transfer-processes.service';
import { TransferState } from '../transfer-processes/transfer-process';
import { SimulationStep } from './simulation-step';

/** The simulated counterparty: reacts to each state a simulated object reached (api only). */
@Injectable()
export class SimulationWorker implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Simulation');
  private worker?: Worker<SimulationStep>;

  constructor(
    private readonly negotiations: ContractNegotiationsService,
    private readonly transfers: TransferProcessesService,
    @Inject(BULL_CONNECTION) private readonly connection: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    const context = {
      connection: this.connection,
      prefix: bullPrefix(this.config),
      logger: this.logger,
      lockDurationMs: this.config.dispatch.lockDurationMs,
    };
    this.worker = createWorker<SimulationStep, void>(context, QUEUE.simulation, (job) =>
      withTraceContext(job.data.trace, () => this.step(job)),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker?.close();
  }

  private async step(job: Job<SimulationStep>): Promise<void> {
    const { kind, id, state } = job.data;
    if (kind === 'transferprocess') await this.transfers.simulateStep(id, state as TransferState);
    if (kind === 'contractnegotiation') await this.negotiations.simulateStep(id, state as NegotiationState);
  }
}
