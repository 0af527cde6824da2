import { createHmac, randomBytes } from 'node:crypto';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { loadConfig } from '@app/platform';
import { DeliveryEndpoint } from './delivery-job';
import { DeliverySigner } from './signing';

const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`;

/** The signer as the dispatcher builds it from its environment. */
const signerFor = (env: Record<string, string>) => new DeliverySigner(loadConfig(env));

/** The headers a receiver gets with one delivery. */
function delivery(signer: DeliverySigner, endpoint: DeliveryEndpoint = { uri: 'https://hooks.example/cb' }) {
  const id = 'a3b1f6d0-1c2d-4e5f-8a9b-0c1d2e3f4a5b';
  const timestamp = Math.floor(Date.now() / 1000);
  const body = JSON.stringify({ id, type: 'TransferProcessStarted', payload: { transferProcessId: 'tp-1', emoji: '✓' } });
  const signature = signer.signature(endpoint, id, timestamp, body);
  return {
    body,
    headers: { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signature! },
    id,
    timestamp,
    signature,
  };
}

// The receiver's side of the Standard Webhooks spec (https://www.standardwebhooks.com), with its
// reference library: what a subscriber relies on to trust a delivery.
describe('webhook signatures (Standard Webhooks)', () => {
  it('signs a delivery so that the standardwebhooks library verifies it with the same secret', () => {
    const secret = newSecret();
    const { body, headers } = delivery(signerFor({ CALLBACK_SIGNING_SECRET: secret }));
    expect(() => new Webhook(secret).verify(body, headers)).not.toThrow();
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('writes the signature as v1,<base64 of the HMAC-SHA256 of "id.timestamp.body"> keyed with the decoded secret', () => {
    const secret = newSecret();
    const { body, id, timestamp, signature } = delivery(signerFor({ CALLBACK_SIGNING_SECRET: secret }));
    const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
    const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
    expect(signature).toBe(`v1,${expected}`);
    expect(signature).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
  });

  it('makes a signature that fails verification when the body, id or timestamp is changed', () => {
    const secret = newSecret();
    const { body, headers } = delivery(signerFor({ CALLBACK_SIGNING_SECRET: secret }));
    const receiver = new Webhook(secret);
    expect(() => receiver.verify(body.replace('tp-1', 'tp-2'), headers)).toThrow(WebhookVerificationError);
    expect(() => receiver.verify(body, { ...headers, 'webhook-id': 'another-id' })).toThrow(WebhookVerificationError);
    expect(() => receiver.verify(body, { ...headers, 'webhook-timestamp': String(Number(headers['webhook-timestamp']) - 1) })).toThrow(
      WebhookVerificationError,
    );
  });

  it('makes a signature that another secret does not verify', () => {
    const { body, headers } = delivery(signerFor({ CALLBACK_SIGNING_SECRET: newSecret() }));
    expect(() => new Webhook(newSecret()).verify(body, headers)).toThrow(WebhookVerificationError);
  });

  it('signs with each of several secrets, space-separated, so a receiver can rotate without a gap', () => {
    const [old, current] = [newSecret(), newSecret()];
    const { body, headers, signature } = delivery(signerFor({ CALLBACK_SIGNING_SECRET: `${old} ${current}` }));
    expect(signature!.split(' ')).toHaveLength(2);
    for (const part of signature!.split(' ')) expect(part).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    // A receiver still on the old secret, and one already on the new one, both accept it.
    expect(() => new Webhook(old).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(current).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(newSecret()).verify(body, headers)).toThrow(WebhookVerificationError);
  });

  it("signs a static callback's deliveries with its own secrets instead of the global one", () => {
    const [global, own, ownNext] = [newSecret(), newSecret(), newSecret()];
    const signer = signerFor({
      CALLBACK_SIGNING_SECRET: global,
      EDC_CALLBACK_AUDIT_URI: 'https://audit.example/cb',
      EDC_CALLBACK_AUDIT_EVENTS: 'transfer.process',
      EDC_CALLBACK_AUDIT_SIGNING_SECRET: `${own} ${ownNext}`,
    });
    const { body, headers, signature } = delivery(signer, { uri: 'https://audit.example/cb', staticId: 'AUDIT' });
    expect(signature!.split(' ')).toHaveLength(2);
    expect(() => new Webhook(own).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(ownNext).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(global).verify(body, headers)).toThrow(WebhookVerificationError);
  });

  it('signs a static callback without a secret of its own, and any callback address, with the global secret', () => {
    const global = newSecret();
    const signer = signerFor({
      CALLBACK_SIGNING_SECRET: global,
      EDC_CALLBACK_PLAIN_URI: 'https://plain.example/cb',
      EDC_CALLBACK_PLAIN_EVENTS: 'transfer.process',
    });
    for (const endpoint of [{ uri: 'https://plain.example/cb', staticId: 'PLAIN' }, { uri: 'https://app.example/cb' }]) {
      const { body, headers } = delivery(signer, endpoint);
      expect(() => new Webhook(global).verify(body, headers)).not.toThrow();
    }
  });

  it('sends no signature when no secret is configured', () => {
    expect(delivery(signerFor({})).signature).toBeUndefined();
  });

  it('signs a static callback that has its own secret even when there is no global one', () => {
    const own = newSecret();
    const signer = signerFor({
      EDC_CALLBACK_X_URI: 'https://x.example/cb',
      EDC_CALLBACK_X_EVENTS: 'transfer',
      EDC_CALLBACK_X_SIGNING_SECRET: own,
    });
    const { body, headers } = delivery(signer, { uri: 'https://x.example/cb', staticId: 'X' });
    expect(() => new Webhook(own).verify(body, headers)).not.toThrow();
    expect(delivery(signer, { uri: 'https://app.example/cb' }).signature).toBeUndefined();
  });
});
