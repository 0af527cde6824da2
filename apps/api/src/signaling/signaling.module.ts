import { Module } from '@nestjs/common';
import { ContractNegotiationsModule } from '../contract-negotiations/contract-negotiations.module';
import { TransferProcessesModule } from '../transfer-processes/transfer-processes.module';
import { SignalingController } from './signaling.controller';
import { SignalingService } from './signaling.service';

@Module({
  imports: [ContractNegotiationsModule, TransferProcessesModule],
  controllers: [SignalingController],
  providers: [SignalingService],
  exports: [SignalingService],
})
export class SignalingModule {}
