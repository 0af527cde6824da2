import http from 'node:http';
import https from 'node:https';
import { AddressPolicy } from '@app/platform';
import { guardedLookup } from './guarded-lookup';

/** The agents an outbound request goes through, by scheme. */
export interface OutboundAgents {
  http: http.Agent;
  https: https.Agent;
}

/**
 * The one place where agents for outbound requests are made (deliveries, OAuth2 token requests,
 * mTLS endpoints): keep-alive pools whose DNS lookup is the address policy's guard. An egress
 * proxy (HTTPS_PROXY) plugs in here. `tls` adds a client certificate or CA to the https agent.
 */
export function createOutboundAgents(policy: AddressPolicy, tls: https.AgentOptions = {}): OutboundAgents {
  const lookup = guardedLookup(policy);
  const pool = { keepAlive: true, keepAliveMsecs: 10_000, maxSockets: 256, maxFreeSockets: 64, lookup };
  return { http: new http.Agent(pool), https: new https.Agent({ ...pool, ...tls }) };
}
