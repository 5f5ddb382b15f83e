// The client's address behind a reverse proxy: X-Forwarded-For is believed only from a proxy the
// operator named, read from the right, and never lets a client pick its own identity.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clientAddress, parseTrustedProxies } from '../../src/http/client-address.ts';

const local = parseTrustedProxies('loopback')!;

describe('parseTrustedProxies', () => {
  it('takes IP addresses and the word loopback, canonically', () => {
    expect(parseTrustedProxies('loopback')).toEqual({ loopback: true, addresses: new Set() });
    expect(parseTrustedProxies(' 10.0.0.2 , loopback,2001:DB8::1,::ffff:10.0.0.3')).toEqual({ loopback: true, addresses: new Set(['10.0.0.2', '2001:db8::1', '10.0.0.3']) });
  });

  it('refuses names, ranges, ports and empty items', () => {
    for (const bad of ['', ',', 'proxy.internal', '10.0.0.0/8', '10.0.0.1:80', '10.0.0.256', 'loopback,', 'localhost', '*', 'true']) {
      expect(parseTrustedProxies(bad), bad).toBeUndefined();
    }
  });
});

describe('clientAddress', () => {
  it('is the socket peer without a trusted proxy, whatever the header says', () => {
    expect(clientAddress('198.51.100.7', '203.0.113.9', undefined)).toBe('198.51.100.7');
    expect(clientAddress('198.51.100.7', '203.0.113.9', local)).toBe('198.51.100.7');
    expect(clientAddress('127.0.0.1', '203.0.113.9', undefined)).toBe('127.0.0.1');
    expect(clientAddress('127.0.0.1', undefined, local)).toBe('127.0.0.1');
  });

  it('is the address the trusted proxy appended, not what the client wrote before it', () => {
    expect(clientAddress('127.0.0.1', '203.0.113.9', local)).toBe('203.0.113.9');
    expect(clientAddress('::ffff:127.0.0.1', '1.1.1.1, 203.0.113.9', local)).toBe('203.0.113.9');
    expect(clientAddress('::1', '[2001:db8::5]:443', local)).toBe('2001:db8::5');
    expect(clientAddress('127.0.0.1', '203.0.113.9:5555', local)).toBe('203.0.113.9');
  });

  it('walks past a chain of trusted proxies to the first one that is not', () => {
    const two = parseTrustedProxies('loopback,10.0.0.2')!;
    expect(clientAddress('127.0.0.1', '1.1.1.1, 203.0.113.9, 10.0.0.2', two)).toBe('203.0.113.9');
    expect(clientAddress('127.0.0.1', '10.0.0.2, 127.0.0.1', two)).toBe('10.0.0.2');
    expect(clientAddress('10.0.0.2', '203.0.113.9', two)).toBe('203.0.113.9');
  });

  it('stops at a malformed entry at the last good address', () => {
    expect(clientAddress('127.0.0.1', 'junk', local)).toBe('127.0.0.1');
    expect(clientAddress('127.0.0.1', 'junk, 203.0.113.9', local)).toBe('203.0.113.9');
    expect(clientAddress('127.0.0.1', '203.0.113.9, unknown', local)).toBe('127.0.0.1');
    expect(clientAddress('127.0.0.1', '', local)).toBe('127.0.0.1');
  });

  it('never answers anything but the peer or an IP address from the header, for any header', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.constantFrom('127.0.0.1', '::1', '192.0.2.1'), (header, peer) => {
        const a = clientAddress(peer, header, local);
        if (a === peer) return;
        expect(header.toLowerCase()).toContain(a.includes(':') ? a.split(':')[0]! : a);
        expect(/^[0-9a-f.:]+$/.test(a)).toBe(true);
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.array(fc.ipV4(), { minLength: 1, maxLength: 6 }), (hops) => {
        // From a trusted peer, the rightmost hop is the client unless it is loopback.
        const last = hops.at(-1)!;
        const a = clientAddress('127.0.0.1', hops.join(', '), local);
        if (!last.startsWith('127.')) expect(a).toBe(last);
      }),
    );
  });
});
