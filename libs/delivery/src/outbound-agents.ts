import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import type { AgentConnectOpts } from 'agent-base';
import { HttpProxyAgent } from 'http-proxy-agent';
import { HttpsProxyAgent } from 'https-proxy-agent';
import ipaddr from 'ipaddr.js';
import { AddressPolicy, bypassesProxy, ProxySettings } from '@app/platform';
import { guardedLookup, RefusedDestinationError } from './guarded-lookup';

export interface OutboundAgentOptions {
  /** The egress proxy (`AppConfig.proxy`). */
  proxy: ProxySettings;
  /**
   * The address policy the destinations must pass (callbacks: `new AddressPolicy(config.allowedHosts)`).
   * Without it any destination may be reached (a token URL the operator configured, say).
   */
  policy?: AddressPolicy;
  /** More TLS options for the destination (a client certificate, a CA); not for the proxy. */
  tls?: ConnectionOptions;
  /** Sockets per destination (origin) at most; 256 unless told. */
  maxSockets?: number;
}

/**
 * The HTTP agents of every outbound call (deliveries, and any other call the service makes out:
 * an OAuth2 token fetch, an inbound callback's `responseHandler`): the one place that decides
 * whether a URL goes direct or through the egress proxy (`HTTPS_PROXY`/`HTTP_PROXY` unless
 * `NO_PROXY` matches), with keep-alive and bounded sockets either way, and the address policy
 * checked before anything is sent:
 * - direct, the agent's DNS lookup is the guard (the socket connects to the address checked);
 * - through the proxy, the destination is checked before the proxy is asked: a literal address
 *   as it is, a name by resolving it here; a name this host cannot resolve is left to the proxy,
 *   which resolves it itself (docs/delivery.md, "Through a proxy", says what that leaves open).
 *
 * `agentFor(url)` is cheap enough to call per request; pass it as `agent` to `http.request`,
 * or to axios as both `httpAgent` and `httpsAgent` with `proxy: false` (axios would read the
 * proxy variables itself otherwise).
 */
export interface OutboundAgents {
  agentFor(url: string | URL): http.Agent;
  /** Closes every pooled socket. */
  destroy(): void;
}

const POOL = { keepAlive: true, keepAliveMsecs: 10_000 };

export function createOutboundAgents(options: OutboundAgentOptions): OutboundAgents {
  const { proxy, policy, tls } = options;
  const maxSockets = options.maxSockets ?? 256;
  // As many kept free as may be open: an endpoint's burst (100 in flight by default) finds its
  // sockets again; with 64 kept, a drain to one receiver reconnected 129 times in 6,300 events.
  const pool = { ...POOL, maxSockets, maxFreeSockets: maxSockets };
  const lookup = policy ? guardedLookup(policy) : undefined;
  const direct = { http: new http.Agent({ ...pool, lookup }), https: new https.Agent({ ...pool, ...tls, lookup }) };
  const check = policy ? destinationCheck(policy) : async () => undefined;
  const viaProxy = {
    http: proxy.httpProxy && new GuardedHttpProxyAgent(proxy.httpProxy, pool, check),
    https: proxy.httpsProxy && new GuardedHttpsProxyAgent(proxy.httpsProxy, pool, check, tls),
  };
  const all: http.Agent[] = [direct.http, direct.https];
  if (viaProxy.http) all.push(viaProxy.http);
  if (viaProxy.https) all.push(viaProxy.https);
  return {
    agentFor(url) {
      const { protocol, hostname, port } = typeof url === 'string' ? new URL(url) : url;
      const secure = protocol === 'https:';
      const proxied = secure ? viaProxy.https : viaProxy.http;
      if (!proxied || bypassesProxy(proxy.noProxy, hostname, Number(port) || (secure ? 443 : 80)))
        return secure ? direct.https : direct.http;
      return proxied;
    },
    destroy() {
      for (const agent of all) agent.destroy();
    },
  };
}

/** Refuses a destination the policy forbids: a literal address as written, a name as this host resolves it. */
function destinationCheck(policy: AddressPolicy): (host: string) => Promise<void> {
  return async (host) => {
    let addresses: string[];
    if (ipaddr.isValid(host)) addresses = [host];
    else {
      try {
        addresses = (await dnsLookup(host, { all: true })).map((a) => a.address);
      } catch {
        // Not resolvable here (often so where only the proxy reaches out): the proxy resolves it.
        return;
      }
    }
    const refusal = addresses.map((address) => policy.refusalFor(host, address)).find((r) => r !== null);
    if (refusal) throw new RefusedDestinationError(refusal);
  };
}

type Check = (host: string) => Promise<void>;

/**
 * CONNECT through the proxy (https:// destinations), once the destination passed the policy.
 * The TLS options are the destination's, given to the TLS session inside the tunnel (the agent
 * forgets its own options, and they are not for the proxy).
 */
class GuardedHttpsProxyAgent extends HttpsProxyAgent<string> {
  constructor(
    proxy: URL,
    options: http.AgentOptions,
    private readonly check: Check,
    private readonly tls: ConnectionOptions = {},
  ) {
    super(proxy, options);
  }

  override async connect(req: http.ClientRequest, opts: AgentConnectOpts): Promise<Socket> {
    await this.check(opts.host ?? '');
    return super.connect(req, { ...opts, ...this.tls } as AgentConnectOpts);
  }
}

/** Absolute-URI requests to the proxy (http:// destinations), once the destination passed the policy. */
class GuardedHttpProxyAgent extends HttpProxyAgent<string> {
  constructor(
    proxy: URL,
    options: http.AgentOptions,
    private readonly check: Check,
  ) {
    super(proxy, options);
  }

  override async connect(req: Parameters<HttpProxyAgent<string>['connect']>[0], opts: AgentConnectOpts): Promise<Socket> {
    await this.check(opts.host ?? '');
    return super.connect(req, opts);
  }
}
