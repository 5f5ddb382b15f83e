// The Node append generator's HTTP client: one keep-alive HTTP/1.1 connection on a plain
// node:net socket, one request in flight at a time, each answer read by its content-length.
//
// Why not node:http's client: the generator runs on the same two cores as the server, so every
// microsecond it spends is taken from the server. On one warm server, alternating runs of 20,000
// appends over 64 connections (eight rounds): wrk 5,208/s (median), this client 4,737/s,
// http.request with a keep-alive Agent 3,649/s. ClientRequest and IncomingMessage (streams,
// header objects, events per request) cost the server about a quarter of its rate.
//
// Only what a benchmark against lotproof needs: no pipelining, no chunked answers (lotproof's
// answers carry a content-length), no redirects. Anything else fails the request with an error
// that says so, and the run with it.
import { connect, type Socket } from 'node:net';

export interface RawAnswer {
  status: number;
  text: string;
}

const HEAD_END = Buffer.from('\r\n\r\n');
const STATUS = /^HTTP\/1\.[01] (\d{3})/;
const CONTENT_LENGTH = /\r\ncontent-length:[ \t]*(\d+)[ \t]*(?=\r\n|$)/i;
const CHUNKED = /\r\ntransfer-encoding:[^\r]*chunked/i;

export class RawConnection {
  readonly #sock: Socket;
  readonly #host: string;
  #buf: Buffer = Buffer.alloc(0);
  #waiting: { resolve: (a: RawAnswer) => void; reject: (e: Error) => void; head: boolean } | undefined;
  #closed: Error | undefined;

  constructor(host: string, port: number) {
    this.#host = port === 80 ? host : `${host}:${port}`;
    this.#sock = connect({ host, port, noDelay: true });
    this.#sock.on('data', (d: Buffer) => this.#onData(d));
    this.#sock.on('error', (e) => this.#fail(e));
    this.#sock.on('close', () => this.#fail(new Error('the server closed the connection')));
  }

  /**
   * Sends one request and resolves with its answer; one at a time per connection. `headers`
   * are sent as given (names and values must not hold CR or LF); a body gets its length.
   */
  request(method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<RawAnswer> {
    if (this.#closed) return Promise.reject(this.#closed);
    if (this.#waiting) return Promise.reject(new Error('a request is already in flight on this connection'));
    return new Promise((resolve, reject) => {
      this.#waiting = { resolve, reject, head: method === 'HEAD' };
      let head = `${method} ${path} HTTP/1.1\r\nhost: ${this.#host}\r\n`;
      for (const name in headers) head += `${name}: ${headers[name]}\r\n`;
      this.#sock.write(body === undefined ? `${head}\r\n` : `${head}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    });
  }

  close(): void {
    this.#closed ??= new Error('the connection was closed');
    this.#sock.destroy();
  }

  #fail(e: Error): void {
    this.#closed ??= e;
    const w = this.#waiting;
    this.#waiting = undefined;
    w?.reject(e);
  }

  /** RFC 9110 §6.4.1: an answer to HEAD, and a 1xx, 204 or 304, has no content whatever its headers say. */
  #bodiless(status: number): boolean {
    return this.#waiting?.head === true || status < 200 || status === 204 || status === 304;
  }

  #onData(d: Buffer): void {
    this.#buf = this.#buf.length === 0 ? d : Buffer.concat([this.#buf, d]);
    const end = this.#buf.indexOf(HEAD_END);
    if (end < 0) return;
    const head = this.#buf.toString('latin1', 0, end);
    const status = STATUS.exec(head);
    const code = status ? Number(status[1]) : NaN;
    // Chunked or unframed content is not read; the length is taken only when nothing else frames it.
    const length = status && this.#bodiless(code) ? '0' : CHUNKED.test(head) ? undefined : CONTENT_LENGTH.exec(head)?.[1];
    if (!status || length === undefined) {
      this.#fail(new Error(`unsupported answer (the client reads HTTP/1.x answers with a content-length): ${JSON.stringify(head.slice(0, 200))}`));
      this.#sock.destroy();
      return;
    }
    const total = end + HEAD_END.length + Number(length);
    if (this.#buf.length < total) return;
    const w = this.#waiting;
    if (!w || this.#buf.length > total) {
      this.#fail(new Error('the server sent bytes no request asked for'));
      this.#sock.destroy();
      return;
    }
    const text = this.#buf.toString('utf8', end + HEAD_END.length, total);
    this.#buf = Buffer.alloc(0);
    this.#waiting = undefined;
    w.resolve({ status: code, text });
  }
}
