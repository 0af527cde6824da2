import { Inject, Injectable } from '@nestjs/common';
import { EventJobData } from '@app/events';
import { APP_CONFIG, AppConfig } from '@app/platform';
import { DeliveryEndpoint, matchingEndpoints } from '@app/delivery';

/** The endpoints the dispatcher delivers an event to: the non-transactional ones it matches. */
@Injectable()
export class EndpointMatcher {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  endpointsFor(event: EventJobData): DeliveryEndpoint[] {
    return matchingEndpoints(event.envelope.type, this.config.staticCallbacks, event.callbackAddresses, false);
  }
}
