// Which address a request comes from, for the per-client rate limits and the once-per-client
// count of a serial's scans; never stored or logged (ratelimit.ts).
// Behind a reverse proxy every request arrives from the proxy. An operator who names the proxy
// (LOTPROOF_TRUSTED_PROXIES) has its X-Forwarded-For believed, and only from that address: the
// list is read from the right, where each trusted proxy appended the peer it saw, and the first
// address that is not a trusted proxy is the client (as Express's proxy-addr does). Entries left
// of it are the client's own to write and never consulted. Without the setting the header is
// ignored, so a client cannot choose its own address.
import { isIP } from 'node:net';
import { isLoopback } from './ratelimit.ts';

export interface TrustedProxies {
  /** Whether the proxy on this machine (any loopback address) is trusted. */
  loopback: boolean;
  /** Other proxies, as canonical IP addresses. */
  addresses: ReadonlySet<string>;
}

/** Lower-cased, an IPv4-mapped IPv6 address as its IPv4 form; undefined if not an IP address. */
function canonical(address: string): string | undefined {
  const a = address.toLowerCase();
  const v4 = a.startsWith('::ffff:') ? a.slice(7) : a;
  if (isIP(v4) === 4) return v4;
  return isIP(a) === 6 ? a : undefined;
}

/**
 * Parses LOTPROOF_TRUSTED_PROXIES: comma-separated IP addresses, and the word `loopback` for a
 * proxy on the same machine. Returns undefined for anything else (a name, a range, a port).
 */
export function parseTrustedProxies(s: string): TrustedProxies | undefined {
  const items = s.split(',').map((x) => x.trim());
  if (items.length === 0 || items.length > 64) return undefined;
  let loopback = false;
  const addresses = new Set<string>();
  for (const item of items) {
    if (item === 'loopback') {
      loopback = true;
      continue;
    }
    const a = canonical(item);
    if (a === undefined) return undefined;
    addresses.add(a);
  }
  return { loopback, addresses };
}

function trusted(proxies: TrustedProxies, address: string): boolean {
  const a = canonical(address);
  return a !== undefined && ((proxies.loopback && isLoopback(a)) || proxies.addresses.has(a));
}

/** One X-Forwarded-For entry as an address: bare, `[v6]`, `[v6]:port` or `v4:port`. */
function hop(entry: string): string | undefined {
  const e = entry.trim();
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(e);
  if (bracketed) return canonical(bracketed[1]!);
  const v4port = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(e);
  return canonical(v4port ? v4port[1]! : e);
}

/**
 * The client's address: the socket's peer, or, when that peer is a trusted proxy, the first
 * address in X-Forwarded-For, from the right, that is not one. A malformed entry ends the walk
 * at the last address known good, so junk never becomes a client's identity.
 */
export function clientAddress(peer: string, forwardedFor: string | undefined, proxies: TrustedProxies | undefined): string {
  if (!proxies || forwardedFor === undefined || !trusted(proxies, peer)) return peer;
  let client = peer;
  const hops = forwardedFor.split(',');
  for (let i = hops.length - 1; i >= 0 && i >= hops.length - 32; i--) {
    const a = hop(hops[i]!);
    if (a === undefined) break;
    client = a;
    if (!trusted(proxies, a)) break;
  }
  return client;
}
