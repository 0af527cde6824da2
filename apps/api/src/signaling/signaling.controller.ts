import { ApiParam, ApiTags } from '@nestjs/swagger';
import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { StateChangeDto } from '../lifecycle/state-change.dto';
import { NEGOTIATION_SIGNALS, SignalingService, TRANSFER_SIGNALS } from './signaling.service';

/** How a counterparty or a data plane moves objects on (the only way in `manual` mode). */
@ApiTags('Signaling')
@Controller('signaling/v1')
export class SignalingController {
  constructor(private readonly signaling: SignalingService) {}

  @Post('contractnegotiations/:id/:signal')
  @HttpCode(200)
  @ApiParam({ name: 'signal', enum: NEGOTIATION_SIGNALS })
  async negotiation(@Param('id') id: string, @Param('signal') signal: string, @Body() body: StateChangeDto) {
    return { '@type': 'NegotiationState', state: await this.signaling.signalNegotiation(id, signal, { reason: body.reason }) };
  }

  @Post('transferprocesses/:id/:signal')
  @HttpCode(200)
  @ApiParam({ name: 'signal', enum: TRANSFER_SIGNALS })
  async transfer(@Param('id') id: string, @Param('signal') signal: string, @Body() body: StateChangeDto) {
    const state = await this.signaling.signalTransfer(id, signal, { reason: body.reason, dataAddress: body.dataAddress });
    return { '@type': 'TransferState', state };
  }
}
