// The client's address behind a reverse proxy: X-Forwarded-For is believed only from a proxy the
// operator named, read from the right, and never lets a client pick its own identity or pass a
// proxy's traffic off as the (unlimited) local machine.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalAddress, clientAddress, parseTrustedProxies } from '../../src/http/client-address.ts';
import { isLoopback } from '../../src/http/ratelimit.ts';

const local = parseTrustedProxies('loopback')!;

describe('canonicalAddress', () => {
  it('spells each address one way', () => {
    expect(canonicalAddress('2001:0DB8:0000::1')).toBe('2001:db8::1');
    expect(canonicalAddress('0:0:0:0:0:0:0:1')).toBe('::1');
    expect(canonicalAddress('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(canonicalAddress('::ffff:7f00:1')).toBe('127.0.0.1');
    expect(canonicalAddress('203.0.113.9')).toBe('203.0.113.9');
    for (const bad of ['', 'fe80::1%eth0', '010.0.0.1', '1.2.3', 'example.org', '[::1]', '::1 ']) expect(canonicalAddress(bad), bad).toBeUndefined();
  });
});

describe('parseTrustedProxies', () => {
  it('takes IP addresses and the word loopback, canonically', () => {
    expect(parseTrustedProxies('loopback')).toEqual({ loopback: true, addresses: new Set() });
    expect(parseTrustedProxies(' 10.0.0.2 , loopback,2001:0DB8::1,::ffff:10.0.0.3')).toEqual({ loopback: true, addresses: new Set(['10.0.0.2', '2001:db8::1', '10.0.0.3']) });
  });

  it('refuses names, ranges, ports, zones, unspecified addresses, empty items and too many', () => {
    for (const bad of ['', ',', 'proxy.internal', '10.0.0.0/8', '10.0.0.1:80', '10.0.0.256', 'loopback,', 'localhost', '*', 'true', 'fe80::1%eth0', '0.0.0.0', '::']) {
      expect(parseTrustedProxies(bad), bad).toBeUndefined();
    }
    const many = Array.from({ length: 65 }, (_, i) => `10.0.0.${i}`);
    expect(parseTrustedProxies(many.slice(0, 64).join(','))?.addresses.size).toBe(64);
    expect(parseTrustedProxies(many.join(','))).toBeUndefined();
  });
});

describe('clientAddress', () => {
  it('is the socket peer without a trusted proxy, whatever the header says', () => {
    expect(clientAddress('198.51.100.7', '203.0.113.9', undefined)).toBe('198.51.100.7');
    expect(clientAddress('198.51.100.7', '203.0.113.9', local)).toBe('198.51.100.7');
    expect(clientAddress('127.0.0.1', '203.0.113.9', undefined)).toBe('127.0.0.1');
  });

  it('is the address the trusted proxy appended, not what the client wrote before it', () => {
    expect(clientAddress('127.0.0.1', '203.0.113.9', local)).toBe('203.0.113.9');
    expect(clientAddress('::ffff:127.0.0.1', '1.1.1.1, 203.0.113.9', local)).toBe('203.0.113.9');
    expect(clientAddress('::1', '[2001:DB8::5]:443', local)).toBe('2001:db8::5');
    expect(clientAddress('127.0.0.1', '203.0.113.9:5555', local)).toBe('203.0.113.9');
    // A proxy named in another spelling than the socket reports is still the proxy.
    expect(clientAddress('2001:db8::1', '203.0.113.9', parseTrustedProxies('2001:0db8:0::1'))).toBe('203.0.113.9');
  });

  it('walks past a chain of trusted proxies to the first one that is not', () => {
    const two = parseTrustedProxies('loopback,10.0.0.2')!;
    expect(clientAddress('127.0.0.1', '1.1.1.1, 203.0.113.9, 10.0.0.2', two)).toBe('203.0.113.9');
    expect(clientAddress('10.0.0.2', '203.0.113.9', two)).toBe('203.0.113.9');
  });

  it('makes a request that names no client the proxy\'s own, which is never loopback', () => {
    for (const header of [undefined, '', 'junk', '203.0.113.9, unknown', '127.0.0.1', ' , ']) {
      const a = clientAddress('127.0.0.1', header, local);
      expect(a, String(header)).toBe('proxy 127.0.0.1');
      expect(isLoopback(a)).toBe(false);
    }
    const two = parseTrustedProxies('loopback,10.0.0.2')!;
    expect(clientAddress('127.0.0.1', '10.0.0.2, 127.0.0.1', two)).toBe('proxy 10.0.0.2');
    expect(clientAddress('::1', undefined, local)).toBe('proxy ::1');
    // Junk left of a real hop is never read.
    expect(clientAddress('127.0.0.1', 'junk, 203.0.113.9', local)).toBe('203.0.113.9');
  });

  it('answers the peer, the proxy\'s own key, or an address one header entry spells, for any header', () => {
    const hopOf = (h: string) => {
      const e = h.trim();
      const inner = /^\[([^\]]+)\](?::\d+)?$/.exec(e)?.[1] ?? /^(\d+\.\d+\.\d+\.\d+):\d+$/.exec(e)?.[1] ?? e;
      return canonicalAddress(inner);
    };
    const hostile = fc.oneof(fc.string({ maxLength: 60 }), fc.ipV4(), fc.ipV6(), fc.constantFrom('[::1]:80', '127.0.0.1', ' 10.0.0.1 ', 'unknown', '::ffff:127.0.0.1'));
    fc.assert(
      fc.property(fc.array(hostile, { maxLength: 8 }), fc.constantFrom('127.0.0.1', '::1', '192.0.2.1'), (hops, peer) => {
        const header = hops.join(',');
        const a = clientAddress(peer, header, local);
        if (peer === '192.0.2.1') {
          expect(a).toBe(peer);
          return;
        }
        expect(isLoopback(a)).toBe(false);
        if (!a.startsWith('proxy ')) expect(header.split(',').some((h) => hopOf(h) === a)).toBe(true);
      }),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(fc.array(fc.ipV4(), { minLength: 1, maxLength: 6 }), (hops) => {
        // From a trusted peer, the rightmost hop is the client unless it is loopback.
        const last = hops.at(-1)!;
        if (!last.startsWith('127.')) expect(clientAddress('127.0.0.1', hops.join(', '), local)).toBe(last);
      }),
    );
  });
});
