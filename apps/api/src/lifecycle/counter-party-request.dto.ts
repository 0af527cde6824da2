import { IsNotEmpty, IsOptional, IsString } from 'class-validator';
import { CallbackAddressDto, IsCallbackAddressList } from '@app/events/dto';
import { IsObjectIdLength } from '../http/object-id';

/** What every Management API request to start something with a counterparty carries. */
export abstract class CounterPartyRequestDto {
  /** The object's id when the client chooses it (a UUID otherwise); kept exactly as given. */
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @IsObjectIdLength()
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
