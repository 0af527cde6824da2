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
    const ip = embeddedIPv4(ipaddr.parse(address));
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
  return hostname
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '');
}

const IPV4_COMPATIBLE = ipaddr.parseCIDR('::/96');

/**
 * The IPv4 address inside an IPv4-mapped (`::ffff:a.b.c.d`) or the deprecated IPv4-compatible
 * (`::a.b.c.d`) IPv6 form, which reach the IPv4 host; any other address as it is.
 */
function embeddedIPv4(ip: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  if (ip.kind() !== 'ipv6') return ip;
  const v6 = ip as ipaddr.IPv6;
  if (v6.isIPv4MappedAddress()) return v6.toIPv4Address();
  if (v6.range() === 'unicast' && v6.match(IPV4_COMPATIBLE)) return ipaddr.fromByteArray(v6.toByteArray().slice(12));
  return ip;
}
