import { ApiParam, ApiTags } from '@nestjs/swagger';
import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { StateChangeDto } from '@app/events';
import { ContractNegotiationsService } from '../contract-negotiations/contract-negotiations.service';
import { NegotiationState } from '../contract-negotiations/contract-negotiation';
import { EdcException } from '../http/edc-error';
import { TransferProcessesService } from '../transfer-processes/transfer-processes.service';
import { TransferState } from '../transfer-processes/transfer-process';

export const NEGOTIATION_SIGNALS = ['requested', 'offered', 'accepted', 'agreed', 'verified', 'finalized', 'terminated'] as const;
export const TRANSFER_SIGNALS = ['provisioned', 'requested', 'started', 'suspended', 'resumed', 'completed', 'terminated', 'deprovisioned'] as const;

/**
 * How a counterparty or a data plane moves objects on (the only way in `manual` mode): each
 * signal names the state it reports, and is one transition with one event, or 409.
 */
@ApiTags('Signaling')
@Controller('signaling/v1')
export class SignalingController {
  constructor(
    private readonly negotiations: ContractNegotiationsService,
    private readonly transfers: TransferProcessesService,
  ) {}

  @Post('contractnegotiations/:id/:signal')
  @HttpCode(200)
  @ApiParam({ name: 'signal', enum: NEGOTIATION_SIGNALS })
  async negotiation(@Param('id') id: string, @Param('signal') signal: string, @Body() body: StateChangeDto) {
    const cn = await this.negotiations.transition(id, stateOf<NegotiationState>(signal, NEGOTIATION_SIGNALS), { reason: body.reason });
    return { '@type': 'NegotiationState', state: cn.state };
  }

  @Post('transferprocesses/:id/:signal')
  @HttpCode(200)
  @ApiParam({ name: 'signal', enum: TRANSFER_SIGNALS })
  async transfer(@Param('id') id: string, @Param('signal') signal: string, @Body() body: StateChangeDto) {
    const tp = await this.transfers.transition(id, stateOf<TransferState>(signal, TRANSFER_SIGNALS), {
      reason: body.reason,
      dataAddress: body.dataAddress,
    });
    return { '@type': 'TransferState', state: tp.state };
  }
}

function stateOf<S extends string>(signal: string, known: readonly string[]): S {
  if (!known.includes(signal))
    throw EdcException.validation([{ message: `signal "${signal}" is not one of ${known.join(', ')}`, path: 'signal', invalidValue: signal }]);
  return signal.toUpperCase() as S;
}
