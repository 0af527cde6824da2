import ipaddr from 'ipaddr.js';

export interface AllowList {
  hosts: Set<string>;
  ranges: [ipaddr.IPv4 | ipaddr.IPv6, number][];
}

/** `CALLBACK_ALLOWED_HOSTS` entries: host names, IP addresses or CIDRs. */
export function parseAllowList(entries: string[]): { list: AllowList; problem?: string } {
  const list: AllowList = { hosts: new Set(), ranges: [] };
  const bad: string[] = [];
  for (const raw of entries) {
    const entry = raw
      .toLowerCase()
      .replace(/^\[(.*)\]$/, '$1')
      .replace(/\.$/, '');
    if (entry.includes('/')) {
      try {
        list.ranges.push(ipaddr.parseCIDR(entry));
      } catch {
        bad.push(raw);
      }
    } else if (ipaddr.isValid(entry)) {
      const address = ipaddr.parse(entry);
      list.ranges.push([address, address.kind() === 'ipv4' ? 32 : 128]);
    } else if (/^[a-z0-9.-]+$/.test(entry)) {
      list.hosts.add(entry);
    } else {
      bad.push(raw);
    }
  }
  return bad.length ? { list, problem: `has entries that are not a host, IP or CIDR: ${bad.join(', ')}` } : { list };
}
