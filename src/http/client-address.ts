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

/** Most proxies LOTPROOF_TRUSTED_PROXIES may name, and most X-Forwarded-For hops read. */
export const MAX_PROXIES = 64;
const MAX_HOPS = 32;

/**
 * An IP address in one spelling: IPv4 dotted, IPv6 compressed and lower-case (RFC 5952, as the
 * URL parser writes it), an IPv4-mapped IPv6 address as its IPv4 form. Undefined for anything
 * else, a zone id included.
 */
export function canonicalAddress(address: string): string | undefined {
  if (isIP(address) === 4) return address;
  if (isIP(address) !== 6 || address.includes('%')) return undefined;
  const v6 = new URL(`http://[${address}]`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(v6);
  if (!mapped) return v6;
  const hi = parseInt(mapped[1]!, 16);
  const lo = parseInt(mapped[2]!, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/**
 * Parses LOTPROOF_TRUSTED_PROXIES: comma-separated IP addresses, and the word `loopback` for a
 * proxy on the same machine. Returns undefined for anything else (a name, a range, a port, a
 * zone id, an unspecified address such as 0.0.0.0, more than MAX_PROXIES items).
 */
export function parseTrustedProxies(s: string): TrustedProxies | undefined {
  const items = s.split(',').map((x) => x.trim());
  if (items.length > MAX_PROXIES) return undefined;
  let loopback = false;
  const addresses = new Set<string>();
  for (const item of items) {
    if (item === 'loopback') {
      loopback = true;
      continue;
    }
    const a = canonicalAddress(item);
    if (a === undefined || a === '0.0.0.0' || a === '::') return undefined;
    addresses.add(a);
  }
  return { loopback, addresses };
}

function trusted(proxies: TrustedProxies, address: string): boolean {
  const a = canonicalAddress(address);
  return a !== undefined && ((proxies.loopback && isLoopback(a)) || proxies.addresses.has(a));
}

/** One X-Forwarded-For entry as an address: bare, `[v6]`, `[v6]:port` or `v4:port`. */
function hop(entry: string): string | undefined {
  const e = entry.trim();
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(e);
  if (bracketed) return canonicalAddress(bracketed[1]!);
  const v4port = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(e);
  return canonicalAddress(v4port ? v4port[1]! : e);
}

/**
 * The client: the socket's peer, or, when that peer is a trusted proxy, the first address in
 * X-Forwarded-For, from the right, that is not one. When the header names no such address
 * (missing, malformed, or only proxies), the request is the proxy's own: `proxy <address>`,
 * one client that is never a loopback address, so that traffic through a proxy on this machine
 * is never exempt from the limits (ratelimit.ts) and junk never becomes a client's identity.
 */
export function clientAddress(peer: string, forwardedFor: string | undefined, proxies: TrustedProxies | undefined): string {
  if (!proxies || !trusted(proxies, peer)) return peer;
  let last = peer;
  const hops = forwardedFor?.split(',') ?? [];
  for (let i = hops.length - 1; i >= 0 && i >= hops.length - MAX_HOPS; i--) {
    const a = hop(hops[i]!);
    if (a === undefined) break;
    if (!trusted(proxies, a)) return a;
    last = a;
  }
  return `proxy ${canonicalAddress(last) ?? last}`;
}
