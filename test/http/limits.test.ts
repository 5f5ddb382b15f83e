// Abuse limits: per-client reads and writes and per-actor writes answer 429 with Retry-After,
// junk in an actor's name cannot use up that actor's allowance, and the service's own machine
// (loopback: the operator, a reverse proxy in front) is not limited.
import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { toBase64 } from '../../src/core/bytes.ts';
import { generateKeyPair } from '../../src/core/ed25519.ts';
import { createApp } from '../../src/http/app.ts';
import { DEFAULT_LIMITS, isLoopback, parseRateLimit, RateLimiter } from '../../src/http/ratelimit.ts';
import { configFromEnv, startService } from '../../src/main.ts';
import { batchBody, makeHarness, type Harness } from '../support.ts';

let h: Harness;
afterEach(() => h?.close());

function limitedApp(h: Harness, client: { id: string }) {
  return createApp({
    ledger: h.ledger,
    clock: h.clock,
    config: {
      publicUrl: 'https://lotproof.test',
      limits: { read: { perSecond: 5, burst: 5 }, write: { perSecond: 100, burst: 100 }, actorWrite: { perSecond: 3, burst: 3 } },
    },
    clientId: () => client.id,
  });
}

describe('rate limits', () => {
  it('refuses a client over its read limit with 429 and Retry-After, per client', async () => {
    h = makeHarness();
    const client = { id: '192.0.2.1' };
    const app = limitedApp(h, client);
    for (let i = 0; i < 5; i++) expect((await app.request('/log/checkpoint')).status).toBe(200);
    const res = await app.request('/log/checkpoint');
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(((await res.json()) as any).code).toBe('rate_limited');
    client.id = '192.0.2.2';
    expect((await app.request('/log/checkpoint')).status).toBe(200);
    // Health checks are never limited.
    client.id = '192.0.2.1';
    expect((await app.request('/healthz')).status).toBe(200);
    // Tokens come back with time.
    h.clock.advance(1000);
    expect((await app.request('/log/checkpoint')).status).toBe(200);
  });

  it('limits an actor\'s verified writes, and junk in its name does not count', async () => {
    h = makeHarness();
    const farm = await h.register('farm', 'producer');
    const app = limitedApp(h, { id: '192.0.2.9' });
    const post = (sub: unknown) => app.request('/v1/entries', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(sub) });
    // Forged submissions in farm's name fail their signature and use up nothing.
    for (let i = 0; i < 10; i++) {
      const forged = h.sign({ id: 'farm', key: generateKeyPair() }, 'batch.create', batchBody(`F${i}`), { pub: toBase64(farm.key.publicKey) });
      expect((await post(forged)).status).toBe(403);
    }
    for (let i = 0; i < 3; i++) expect((await post(h.sign(farm, 'batch.create', batchBody(`L${i}`)))).status).toBe(201);
    const size = h.ledger.size();
    const res = await post(h.sign(farm, 'batch.create', batchBody('L9')));
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(h.ledger.size()).toBe(size);
  });

  it('holds across many concurrent connections from one client', async () => {
    h = makeHarness();
    const app = limitedApp(h, { id: '192.0.2.77' });
    const answers = await Promise.all(Array.from({ length: 50 }, () => app.request('/log/checkpoint')));
    expect(answers.filter((r) => r.status === 200)).toHaveLength(5);
    expect(answers.filter((r) => r.status === 429)).toHaveLength(45);
  });

  it('does not limit loopback clients, and limits every other address', async () => {
    for (const a of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) expect(isLoopback(a), a).toBe(true);
    for (const a of ['128.0.0.1', '10.127.0.1', '::ffff:10.0.0.1', '::2', '1127.0.0.1', 'local', 'unknown', '', '127.0.0.1.evil']) expect(isLoopback(a), a).toBe(false);
    h = makeHarness();
    const client = { id: '127.0.0.1' };
    const app = limitedApp(h, client);
    for (let i = 0; i < 20; i++) expect((await app.request('/log/checkpoint')).status).toBe(200);
    client.id = '::ffff:192.0.2.3';
    for (let i = 0; i < 5; i++) expect((await app.request('/log/checkpoint')).status).toBe(200);
    expect((await app.request('/log/checkpoint')).status).toBe(429);
  });

  it('limits per client by default, and a registered actor\'s writes only when configured', () => {
    expect(DEFAULT_LIMITS.read).toEqual({ perSecond: 200, burst: 400 });
    expect(DEFAULT_LIMITS.write).toEqual({ perSecond: 500, burst: 1000 });
    expect(DEFAULT_LIMITS.actorWrite.perSecond).toBe(0);
    expect(configFromEnv({}).limits).toEqual(DEFAULT_LIMITS);
    expect(configFromEnv({ LOTPROOF_RATE_ACTOR_WRITE: '50' }).limits.actorWrite).toEqual({ perSecond: 50, burst: 100 });
  });

  it('parses limit settings strictly', () => {
    expect(parseRateLimit('200/400')).toEqual({ perSecond: 200, burst: 400 });
    expect(parseRateLimit('50')).toEqual({ perSecond: 50, burst: 100 });
    expect(parseRateLimit('0')).toEqual({ perSecond: 0, burst: 0 });
    for (const bad of ['', '-1', '1.5', 'ten', '5/0', '5/']) expect(parseRateLimit(bad)).toBeUndefined();
  });

  it('keeps its memory bounded under many clients', () => {
    const l = new RateLimiter({ perSecond: 1, burst: 1 }, 1000);
    for (let i = 0; i < 10_000; i++) l.take(`client-${i}-${toBase64(randomBytes(4))}`, 0);
    expect(l.size).toBeLessThanOrEqual(1000);
    // A new client is still served.
    expect(() => l.take('client-new', 0)).not.toThrow();
  });
});

/** This machine's own non-loopback IPv4 address: a client that is not loopback, over a real socket. */
const external = Object.values(networkInterfaces())
  .flat()
  .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;

/** Starts the service on a fresh directory with `env`, listening where `external` can reach it. */
async function listening(env: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'lotproof-limits-'));
  const service = await startService(configFromEnv({ LOTPROOF_DATA: dir, HOST: external ? '0.0.0.0' : '127.0.0.1', PORT: '0', LOTPROOF_RATE_READ: '2/2', ...env }), { listen: true, quiet: true });
  const port = (service.server!.address() as { port: number }).port;
  /** Statuses of `n` GETs from `host`, with X-Forwarded-For when given. */
  const statuses = async (host: string, forwardedFor?: string, n = 4) => {
    const out: number[] = [];
    const headers: Record<string, string> = forwardedFor !== undefined ? { 'x-forwarded-for': forwardedFor } : {};
    for (let i = 0; i < n; i++) out.push((await fetch(`http://${host}:${port}/log/checkpoint`, { headers })).status);
    return out;
  };
  /** The status of one GET sending X-Forwarded-For as separate header lines. */
  const repeated = (lines: string[]) =>
    new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/log/checkpoint', headers: { 'x-forwarded-for': lines } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      req.end();
    });
  return {
    statuses,
    repeated,
    async close() {
      await service.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('limits over a real socket', () => {
  it('does not limit a client on this machine (loopback), even one sending X-Forwarded-For', async () => {
    const s = await listening({});
    try {
      expect(await s.statuses('127.0.0.1', undefined, 6)).toEqual([200, 200, 200, 200, 200, 200]);
      expect(await s.statuses('127.0.0.1', '203.0.113.7', 6)).toEqual([200, 200, 200, 200, 200, 200]);
    } finally {
      await s.close();
    }
  });

  it.skipIf(!external)('limits a client that is not loopback, and ignores its X-Forwarded-For', async () => {
    const s = await listening({});
    try {
      expect(await s.statuses(external!, undefined, 6)).toEqual([200, 200, 429, 429, 429, 429]);
      expect(await s.statuses(external!, '203.0.113.50')).toEqual([429, 429, 429, 429]);
    } finally {
      await s.close();
    }
  });
});

describe('limits behind a trusted reverse proxy, over a real socket', () => {
  it('limits each forwarded client, and the proxy\'s own requests as one client', async () => {
    const s = await listening({ LOTPROOF_TRUSTED_PROXIES: 'loopback' });
    try {
      // Through the proxy on this machine: each forwarded client has its own bucket.
      expect(await s.statuses('127.0.0.1', '203.0.113.7')).toEqual([200, 200, 429, 429]);
      expect(await s.statuses('127.0.0.1', '203.0.113.8')).toEqual([200, 200, 429, 429]);
      // What a client wrote before the proxy's own entry changes nothing.
      expect(await s.statuses('127.0.0.1', '198.51.100.1, 203.0.113.7')).toEqual([429, 429, 429, 429]);
      // Nor when it comes as a header line of its own: the lines are read in order, as one list.
      expect(await s.repeated(['198.51.100.1', '203.0.113.7'])).toBe(429);
      expect(await s.repeated(['203.0.113.7', '198.51.100.77'])).toBe(200);
      // A request through the proxy that names no client (no header, junk) is the proxy's own:
      // one client, limited, never the unlimited local machine.
      expect(await s.statuses('127.0.0.1')).toEqual([200, 200, 429, 429]);
      expect(await s.statuses('127.0.0.1', 'unknown')).toEqual([429, 429, 429, 429]);
    } finally {
      await s.close();
    }
  });

  it.skipIf(!external)('does not believe X-Forwarded-For from a peer that is not a named proxy', async () => {
    const s = await listening({ LOTPROOF_TRUSTED_PROXIES: 'loopback' });
    try {
      expect(await s.statuses(external!, '203.0.113.99')).toEqual([200, 200, 429, 429]);
      expect(await s.statuses(external!, '203.0.113.98')).toEqual([429, 429, 429, 429]);
      // Nor does it use up the allowance of the client it names.
      expect(await s.statuses('127.0.0.1', '203.0.113.99')).toEqual([200, 200, 429, 429]);
    } finally {
      await s.close();
    }
  });
});

describe('request bodies over a real Node server', () => {
  it('reads bodies from the Node stream: whole, chunked, over the limit, and keeps the connection', async () => {
    const { serve } = await import('@hono/node-server');
    const { request, Agent } = await import('node:http');
    h = makeHarness();
    const farm = await h.register('farm', 'producer');
    const app = createApp({ ledger: h.ledger, clock: h.clock, config: { publicUrl: 'https://lotproof.test', maxBodyBytes: 4096 } });
    const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
      const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
    });
    const port = (server.address() as { port: number }).port;
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    /** POSTs `parts` as separate writes; with `length`, declares that content-length. */
    const post = (parts: string[], length?: number) =>
      new Promise<{ status: number; body: any; socket: unknown }>((resolve, reject) => {
        const headers: Record<string, string | number> = { 'content-type': 'application/json' };
        if (length !== undefined) headers['content-length'] = length;
        const req = request({ host: '127.0.0.1', port, path: '/v1/entries', method: 'POST', agent, headers }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text), socket: req.socket }));
        });
        req.on('error', reject);
        for (const p of parts) req.write(p);
        req.end();
      });
    try {
      const sub = JSON.stringify(h.sign(farm, 'batch.create', batchBody('N1')));
      // Whole, and in chunks without a declared length: both are read and appended.
      const whole = await post([sub], Buffer.byteLength(sub));
      expect(whole.status).toBe(201);
      const sub2 = JSON.stringify(h.sign(farm, 'batch.create', batchBody('N2')));
      const chunked = await post([sub2.slice(0, 100), sub2.slice(100, 300), sub2.slice(300)]);
      expect(chunked.status).toBe(201);
      expect(h.ledger.size()).toBe(4);
      // Over the limit, declared or only seen while reading: 413, nothing written.
      expect((await post(['{"pad":"' + 'x'.repeat(5000) + '"}'], 5010)).body.code).toBe('body_too_large');
      const big = await post(['{"pad":"', 'x'.repeat(3000), 'x'.repeat(3000), '"}']);
      expect([big.status, big.body.code]).toEqual([413, 'body_too_large']);
      expect(h.ledger.size()).toBe(4);
      // The same keep-alive connection still serves the next request.
      const after = await post([JSON.stringify(h.sign(farm, 'batch.create', batchBody('N3')))]);
      expect(after.status).toBe(201);
      expect(after.socket).toBe(big.socket);
      // A body that is not JSON is refused as before.
      expect((await post(['{"a":'])).body.code).toBe('invalid_json');
    } finally {
      agent.destroy();
      await new Promise((r) => server.close(r));
    }
  });
});
