import { Inject, Injectable } from '@nestjs/common';
import { Webhook } from 'standardwebhooks';
import { APP_CONFIG, AppConfig } from '@app/platform';
import { DeliveryEndpoint } from './delivery-job';

/**
 * Standard Webhooks signatures (`webhook-signature: v1,<base64 HMAC-SHA256 of id.timestamp.body>`)
 * with `CALLBACK_SIGNING_SECRET`, or a static callback's own `EDC_CALLBACK_<ID>_SIGNING_SECRET`.
 * Several secrets (space-separated) sign with each, so receivers can rotate without a gap.
 * Signers are built once at start-up; signing is then pure CPU.
 */
@Injectable()
export class DeliverySigner {
  private readonly global: Webhook[];
  private readonly perStatic = new Map<string, Webhook[]>();

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.global = config.signingSecrets.map((secret) => new Webhook(secret));
    for (const cb of config.staticCallbacks)
      if (cb.signingSecret)
        this.perStatic.set(
          cb.id,
          cb.signingSecret
            .split(/\s+/)
            .filter(Boolean)
            .map((s) => new Webhook(s)),
        );
  }

  /**
   * The `webhook-signature` value, or undefined when no secret applies to this endpoint. `own`:
   * a registered endpoint's secrets, with the end of a rotated one's overlap.
   */
  signature(
    endpoint: DeliveryEndpoint,
    id: string,
    timestampSeconds: number,
    body: string,
    own?: { webhook: Webhook; expiresAt?: number }[],
  ): string | undefined {
    const current = own?.filter((s) => s.expiresAt === undefined || s.expiresAt > timestampSeconds * 1000).map((s) => s.webhook);
    const signers = current?.length ? current : (endpoint.staticId && this.perStatic.get(endpoint.staticId)) || this.global;
    if (signers.length === 0) return undefined;
    const at = new Date(timestampSeconds * 1000);
    return signers.map((signer) => signer.sign(id, at, body)).join(' ');
  }
}
