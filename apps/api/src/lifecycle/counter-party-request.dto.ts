import { IsNotEmpty, IsOptional, IsString } from 'class-validator';
import { CallbackAddressDto, IsCallbackAddressList } from '@app/events';

/** What every Management API request to start something with a counterparty carries. */
export abstract class CounterPartyRequestDto {
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  '@id'?: string;

  @IsString()
  @IsNotEmpty()
  counterPartyAddress: string;

  @IsString()
  @IsNotEmpty()
  protocol: string;

  /** At most MAX_CALLBACK_ADDRESSES (20). */
  @IsCallbackAddressList()
  callbackAddresses?: CallbackAddressDto[];
}
