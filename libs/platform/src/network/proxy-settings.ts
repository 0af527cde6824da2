import ipaddr from 'ipaddr.js';

/**
 * The egress proxy, read from `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY` as curl reads them
 * (the lowercase name wins when both are set; Node's own proxy support reads the same names):
 * `https://` targets go through `httpsProxy` (CONNECT), `http://` targets through `httpProxy`
 * (absolute-URI requests), except the hosts `NO_PROXY` lists. A proxy URL may carry
 * credentials (`http://user:pass@proxy:3128`); they are sent as `Proxy-Authorization` and never
 * written anywhere else.
 */
export interface ProxySettings {
  httpProxy?: URL;
  httpsProxy?: URL;
  /** `NO_PROXY` entries, as written. */
  noProxy: string[];
}

export const NO_PROXY_SETTINGS: ProxySettings = { noProxy: [] };

/** Reads the proxy variables; problems name the variable and never echo a value (it may hold a password). */
export function readProxySettings(env: NodeJS.ProcessEnv): { settings: ProxySettings; problems: { variable: string; reason: string }[] } {
  const problems: { variable: string; reason: string }[] = [];
  const pick = (upper: string) => {
    const lower = upper.toLowerCase();
    const value = env[lower]?.trim() || env[upper]?.trim();
    return value ? { name: env[lower]?.trim() ? lower : upper, value } : undefined;
  };
  const proxyUrl = (upper: string): URL | undefined => {
    const found = pick(upper);
    if (!found) return undefined;
    // curl takes a bare host:port as an http:// proxy.
    const raw = /^[a-z][a-z0-9+.-]*:\/\//i.test(found.value) ? found.value : `http://${found.value}`;
    try {
      const url = new URL(raw);
      if ((url.protocol === 'http:' || url.protocol === 'https:') && url.hostname) return url;
    } catch {
      // reported below
    }
    problems.push({ variable: found.name, reason: 'must be an http:// or https:// proxy URL (http://[user:password@]host:port)' });
    return undefined;
  };
  const settings: ProxySettings = {
    httpProxy: proxyUrl('HTTP_PROXY'),
    httpsProxy: proxyUrl('HTTPS_PROXY'),
    noProxy: (pick('NO_PROXY')?.value ?? '').split(/[\s,]+/).filter(Boolean),
  };
  return { settings, problems };
}

/**
 * Whether `NO_PROXY` sends a host direct, with curl's rules: `*` matches every host; a name
 * matches itself and its subdomains (`example.com` and `.example.com` both match
 * `api.example.com`); `host:port` only that port; an IP address or CIDR (`10.0.0.0/8`,
 * `[::1]`) matches a host written as an address in it (no DNS lookup: the proxy resolves names).
 */
export function bypassesProxy(noProxy: string[], hostname: string, port: number): boolean {
  const host = normalize(hostname);
  const ip = ipaddr.isValid(host) ? ipaddr.parse(host) : undefined;
  return noProxy.some((raw) => {
    if (raw === '*') return true;
    let entry = raw.toLowerCase();
    const portMatch = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(entry);
    if (portMatch) {
      if (Number(portMatch[2]) !== port) return false;
      entry = portMatch[1];
    }
    entry = normalize(entry);
    if (entry.includes('/')) {
      if (!ip || !ipaddr.isValidCIDR(entry)) return false;
      const [range, bits] = ipaddr.parseCIDR(entry);
      return range.kind() === ip.kind() && ip.match(range, bits);
    }
    if (ipaddr.isValid(entry)) return ip !== undefined && ipaddr.parse(entry).toNormalizedString() === ip.toNormalizedString();
    const name = entry.replace(/^\*?\./, '');
    return host === name || host.endsWith(`.${name}`);
  });
}

function normalize(host: string): string {
  return host
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '');
}
