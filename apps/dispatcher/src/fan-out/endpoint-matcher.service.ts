import { Inject, Injectable } from '@nestjs/common';
import { StreamEvent } from '@app/events';
import { APP_CONFIG, AppConfig } from '@app/platform';
import { DeliveryEndpoint, EndpointRegistry, matchingEndpoints } from '@app/delivery';

/** The endpoints the dispatcher delivers an event to: the non-transactional ones it matches. */
@Injectable()
export class EndpointMatcher {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: EndpointRegistry,
  ) {}

  endpointsFor(event: StreamEvent): DeliveryEndpoint[] {
    const { type } = event.envelope;
    return matchingEndpoints(type, this.config.staticCallbacks, event.callbackAddresses, false, this.registry.registeredFor(type));
  }
}
