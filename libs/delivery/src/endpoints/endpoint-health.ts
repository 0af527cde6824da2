import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@app/platform';
import { EndpointRegistry, EndpointSettings } from './endpoint-registry';
import { EndpointStore } from './endpoint-store';

/**
 * Disables a static or registered endpoint that has failed with no success for
 * `ENDPOINT_DISABLE_AFTER` (EndpointStore.setDisabled, set-disabled.lua). Each replica tells Redis
 * of an endpoint's successes and failures at most once per `every` (a twentieth of the period,
 * from 100 ms to 60 s), so a busy endpoint costs a write a minute, not one per delivery; a
 * success seen by any replica ends the streak. Dynamic addresses are not tracked.
 */
@Injectable()
export class EndpointHealth {
  private readonly logger = new Logger('EndpointHealth');
  private readonly told = new Map<string, { success: number; failure: number }>();
  private readonly every: number;

  constructor(
    private readonly store: EndpointStore,
    private readonly registry: EndpointRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.every = Math.min(60_000, Math.max(100, Math.floor(config.endpoints.disableAfterMs / 20)));
  }

  /** An attempt to `endpoint` succeeded (`true`) or failed (`false`). */
  observe(endpoint: EndpointSettings, success: boolean, now = Date.now()): void {
    let told = this.told.get(endpoint.id);
    if (!told) this.told.set(endpoint.id, (told = { success: 0, failure: 0 }));
    if (success) {
      if (now - told.success < this.every) return;
      told.success = now;
      this.store.noteSuccess(endpoint.id, now).catch((err: Error) => this.logger.warn(`Could not note a success: ${err.message}`));
      return;
    }
    if (now - told.failure < this.every) return;
    told.failure = now;
    const after = this.config.endpoints.disableAfterMs;
    const state = { reason: `no successful delivery for ${after} ms while deliveries kept failing`, at: now, by: 'health' as const };
    this.store
      .setDisabled(endpoint.id, endpoint.origin, { disable: true, state }, after)
      .then(async (disabled) => {
        if (!disabled) return;
        this.logger.warn({ msg: 'endpoint disabled', endpointId: endpoint.id, reason: state.reason });
        // This replica stops sending to it at once; the others within their next poll.
        await this.registry.refresh();
      })
      .catch((err: Error) => this.logger.warn(`Could not check an endpoint's health: ${err.message}`));
  }
}
