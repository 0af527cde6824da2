import { createHash } from 'node:crypto';
import http from 'node:http';
import { ConnectionOptions } from 'node:tls';
import { AddressPolicy, ProxySettings } from '@app/platform';
import { createOutboundAgents, OutboundAgents } from '../outbound-agents';
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
  private readonly agents = new Map<string, { fingerprint: string; agents: OutboundAgents }>();

  constructor(
    private readonly secrets: SecretResolver,
    private readonly policy: AddressPolicy,
    private readonly proxy: ProxySettings,
  ) {}

  /** The agent for `uri` with the endpoint's TLS options: direct, or through the egress proxy (the tunnel's TLS is the endpoint's). */
  async agentFor(settings: EndpointSettings, uri: string): Promise<{ agent: http.Agent } | { error: string }> {
    const tls: ConnectionOptions = {};
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
    if (known?.fingerprint === digest) return { agent: known.agents.agentFor(uri) };
    known?.agents.destroy();
    const agents = createOutboundAgents({ proxy: this.proxy, policy: this.policy, tls });
    this.agents.set(settings.id, { fingerprint: digest, agents });
    return { agent: agents.agentFor(uri) };
  }

  destroy(): void {
    for (const { agents } of this.agents.values()) agents.destroy();
    this.agents.clear();
  }
}
