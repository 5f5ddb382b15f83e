// The Node append generator's client (scripts/bench/raw-http.ts) against a real node:http
// server: answers read whole whatever TCP makes of them, one connection reused, and every
// answer it cannot read refused loudly instead of miscounted.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RawConnection } from '../../scripts/bench/raw-http.ts';

let server: Server | undefined;
let conn: RawConnection | undefined;
afterEach(async () => {
  conn?.close();
  conn = undefined;
  if (server) {
    server.closeAllConnections();
    await new Promise((r) => server!.close(r));
  }
  server = undefined;
});

async function listen(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<number> {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => handler(req, res, body));
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

describe('RawConnection', () => {
  it('sends requests one after another on one keep-alive connection and reads each answer', async () => {
    const sockets = new Set<Socket>();
    const port = await listen((req, res, body) => {
      sockets.add(req.socket);
      const out = JSON.stringify({ method: req.method, url: req.url, type: req.headers['content-type'] ?? null, length: req.headers['content-length'] ?? null, body });
      res.writeHead(req.method === 'POST' ? 201 : 200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
      res.end(out);
    });
    conn = new RawConnection('127.0.0.1', port);
    // Multi-byte UTF-8 in both directions: lengths are bytes, not characters.
    const a = await conn.request('POST', '/v1/entries', '{"name":"稻花香 2 号"}', { 'content-type': 'application/json' });
    expect(a.status).toBe(201);
    expect(JSON.parse(a.text)).toEqual({ method: 'POST', url: '/v1/entries', type: 'application/json', length: String(Buffer.byteLength('{"name":"稻花香 2 号"}')), body: '{"name":"稻花香 2 号"}' });
    const b = await conn.request('GET', '/log/checkpoint');
    expect(b.status).toBe(200);
    expect(JSON.parse(b.text)).toMatchObject({ method: 'GET', url: '/log/checkpoint', length: null, body: '' });
    for (let i = 0; i < 20; i++) expect((await conn.request('POST', '/x', String(i), { 'content-type': 'text/plain' })).status).toBe(201);
    expect(sockets.size).toBe(1);
  });

  it('assembles an answer that arrives in pieces, and passes any status through', async () => {
    const port = await listen((_req, res) => {
      const body = Buffer.from(JSON.stringify({ type: 'about:blank', code: 'sequencer_busy', detail: 'x'.repeat(3000) }));
      res.writeHead(503, { 'content-type': 'application/problem+json', 'content-length': body.length, 'retry-after': '1' });
      res.flushHeaders();
      // Each piece is its own write, and its own TCP segment after the pause.
      let at = 0;
      const step = () => {
        if (at >= body.length) return void res.end();
        res.write(body.subarray(at, at + 700));
        at += 700;
        setTimeout(step, 5);
      };
      setTimeout(step, 5);
    });
    conn = new RawConnection('127.0.0.1', port);
    const a = await conn.request('POST', '/v1/entries', '{}');
    expect(a.status).toBe(503);
    expect(JSON.parse(a.text)).toMatchObject({ code: 'sequencer_busy' });
    expect(JSON.parse(a.text).detail).toHaveLength(3000);
  });

  it('sends the headers it is given, and reads no content after HEAD, 204 or 304', async () => {
    const port = await listen((req, res) => {
      const etag = '"v1"';
      if (req.url === '/empty') return void res.writeHead(204).end();
      if (req.headers['if-none-match'] === etag) return void res.writeHead(304, { etag }).end();
      const body = JSON.stringify({ accept: req.headers.accept ?? null });
      res.writeHead(200, { etag, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(req.method === 'HEAD' ? undefined : body);
    });
    conn = new RawConnection('127.0.0.1', port);
    expect(await conn.request('GET', '/v1/batches/x', undefined, { accept: 'text/html' })).toEqual({ status: 200, text: '{"accept":"text/html"}' });
    expect(await conn.request('HEAD', '/v1/batches/x')).toEqual({ status: 200, text: '' });
    expect(await conn.request('GET', '/v1/batches/x', undefined, { 'if-none-match': '"v1"' })).toEqual({ status: 304, text: '' });
    expect(await conn.request('GET', '/empty')).toEqual({ status: 204, text: '' });
    // The connection is still in step: the next answer is the next request's.
    expect(await conn.request('GET', '/v1/batches/x', undefined, { accept: 'application/json' })).toEqual({ status: 200, text: '{"accept":"application/json"}' });
  });

  it('refuses an answer without a content-length instead of guessing where it ends', async () => {
    const port = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' }); // node:http then sends it chunked
      res.write('part one');
      res.end('part two');
    });
    conn = new RawConnection('127.0.0.1', port);
    await expect(conn.request('GET', '/')).rejects.toThrow(/unsupported answer/);
    await expect(conn.request('GET', '/')).rejects.toThrow(/unsupported answer/);
  });

  it('rejects the request in flight when the server closes the connection, and every later one', async () => {
    const port = await listen((req) => req.socket.destroy());
    conn = new RawConnection('127.0.0.1', port);
    await expect(conn.request('POST', '/v1/entries', '{}')).rejects.toThrow(/closed the connection|ECONNRESET/);
    await expect(conn.request('POST', '/v1/entries', '{}')).rejects.toThrow();
  });

  it('rejects a second request while one is in flight, and a connection that cannot be made', async () => {
    const port = await listen((_req, res) => setTimeout(() => res.end('ok'), 50));
    conn = new RawConnection('127.0.0.1', port);
    const first = conn.request('GET', '/');
    await expect(conn.request('GET', '/')).rejects.toThrow(/already in flight/);
    expect(await first).toEqual({ status: 200, text: 'ok' });

    // A port nobody listens on: the one just used, once its server is gone.
    conn.close();
    server!.closeAllConnections();
    await new Promise((r) => server!.close(r));
    server = undefined;
    conn = new RawConnection('127.0.0.1', port);
    await expect(conn.request('GET', '/')).rejects.toThrow(/ECONNREFUSED/);
  });
});
