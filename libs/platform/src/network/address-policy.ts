import ipaddr from 'ipaddr.js';
import { AllowList, parseAllowList } from './allow-list';

/**
 * Keeps callbacks off the service's own network: only globally routable unicast addresses may
 * be called (no private, loopback, link-local, CGNAT, multicast, metadata or IPv4-mapped forms
 * of them), unless `CALLBACK_ALLOWED_HOSTS` lists the host name, the address or its range.
 */
export class AddressPolicy {
  private readonly allow: AllowList;

  constructor(allowedHosts: string[]) {
    this.allow = parseAllowList(allowedHosts).list;
  }

  /** Why the given resolved address of `hostname` may not be called, or null if it may. */
  refusalFor(hostname: string, address: string): string | null {
    const host = normalizeHost(hostname);
    if (this.allow.hosts.has(host)) return null;
    if (!ipaddr.isValid(address)) return `"${address}" is not an IP address`;
    let ip = ipaddr.parse(address);
    if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
    if (this.allow.ranges.some(([range, bits]) => range.kind() === ip.kind() && ip.match(range, bits))) return null;
    const kind = ip.range();
    return kind === 'unicast' ? null : `${host} resolves to ${ip.toString()} (${kind}), which callbacks may not reach`;
  }

  /**
   * Checks a URI as a client gave it: a literal address (or `localhost`) is judged now; a name
   * can only be judged after DNS resolution, at delivery.
   */
  refusalForUri(uri: string): string | null {
    const host = normalizeHost(new URL(uri).hostname);
    if (host === 'localhost' || host.endsWith('.localhost')) return this.refusalFor(host, '127.0.0.1');
    return ipaddr.isValid(host) ? this.refusalFor(host, host) : null;
  }
}

function normalizeHost(hostname: string): string {
  return hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
}
