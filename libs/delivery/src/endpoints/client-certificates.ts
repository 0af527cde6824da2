import { createHash } from 'node:crypto';
import https from 'node:https';
import { AddressPolicy } from '@app/platform';
import { createOutboundAgents } from '../outbound-agents';
import { SecretResolver } from '../secret-resolver.service';
import type { EndpointSettings } from './endpoint-registry';

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]+?-----END \1-----/g;

/**
 * The https agent of each endpoint with a client certificate (mTLS) or a CA of its own: the
 * certificate chain and private key come from one secret (PEM chain, then PEM key), the CA from
 * another. The secrets are read at each attempt, so a rotated certificate is used by the next
 * one; an agent is made again only when they changed. `NODE_EXTRA_CA_CERTS` adds a private CA
 * for every endpoint, as Node does for any TLS connection.
 */
export class ClientCertificates {
  private readonly agents = new Map<string, { fingerprint: string; agent: https.Agent }>();

  constructor(
    private readonly secrets: SecretResolver,
    private readonly policy: AddressPolicy,
  ) {}

  async agentFor(settings: EndpointSettings): Promise<{ agent: https.Agent } | { error: string }> {
    const tls: https.AgentOptions = {};
    let fingerprint = '';
    if (settings.clientCertificateAlias) {
      const pem = await this.secrets.resolve(settings.clientCertificateAlias);
      if (pem === null) return { error: `No secret with alias "${settings.clientCertificateAlias}" (clientCertificateAlias)` };
      const blocks = pem.match(PEM_BLOCK) ?? [];
      const certs = blocks.filter((b) => b.startsWith('-----BEGIN CERTIFICATE-----'));
      const key = blocks.find((b) => / PRIVATE KEY-----$/.test(b));
      if (certs.length === 0 || !key)
        return {
          error: `The secret "${settings.clientCertificateAlias}" (clientCertificateAlias) must hold a PEM certificate chain followed by its PEM private key`,
        };
      tls.cert = certs.join('\n');
      tls.key = key;
      fingerprint += pem;
    }
    if (settings.caCertificateAlias) {
      const ca = await this.secrets.resolve(settings.caCertificateAlias);
      if (ca === null) return { error: `No secret with alias "${settings.caCertificateAlias}" (caCertificateAlias)` };
      tls.ca = ca;
      fingerprint += `\0${ca}`;
    }
    const digest = createHash('sha256').update(fingerprint).digest('hex');
    const known = this.agents.get(settings.id);
    if (known?.fingerprint === digest) return { agent: known.agent };
    known?.agent.destroy();
    const agent = createOutboundAgents(this.policy, tls).https;
    this.agents.set(settings.id, { fingerprint: digest, agent });
    return { agent };
  }

  destroy(): void {
    for (const { agent } of this.agents.values()) agent.destroy();
    this.agents.clear();
  }
}
