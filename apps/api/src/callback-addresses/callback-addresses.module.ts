import { Module } from '@nestjs/common';
import { CallbackAddressPolicy } from './callback-address.policy';

@Module({
  providers: [CallbackAddressPolicy],
  exports: [CallbackAddressPolicy],
})
export class CallbackAddressesModule {}
