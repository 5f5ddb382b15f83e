// Reading request bodies: bounded in size, straight from the Node stream where there is one.
// JSON bodies are parsed strictly by core/json.ts.
import { LedgerError } from '../core/errors.ts';
import type { IncomingMessage } from 'node:http';
import type { Context, Env, MiddlewareHandler } from 'hono';

const tooLarge = (max: number) => new LedgerError('body_too_large', `the body is larger than ${max} bytes`);

/**
 * Reads a request body up to `max` bytes; throws `body_too_large` past it. Under Node
 * (@hono/node-server, which passes the IncomingMessage as c.env.incoming), it reads the Node
 * stream itself: going through `req.body` would build a WHATWG Request, an AbortController and
 * a web stream around it for every request, about a tenth of the append path's CPU
 * (scripts/bench: appends).
 */
export async function readBody(c: Context, max: number): Promise<Uint8Array> {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  const req = c.req.raw;
  const declared = incoming ? incoming.headers['content-length'] : req.headers.get('content-length');
  if (declared != null && Number(declared) > max) throw tooLarge(max);
  if (incoming) return readIncoming(incoming, max);
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    n += value.length;
    if (n > max) {
      await reader.cancel();
      throw tooLarge(max);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(n);
  let o = 0;
  for (const ch of chunks) {
    out.set(ch, o);
    o += ch.length;
  }
  return out;
}

/** A body being read from a Node request: its chunks so far and how its promise settles. */
interface Reading {
  max: number;
  chunks: Buffer[];
  n: number;
  resolve: (body: Uint8Array) => void;
  reject: (e: Error) => void;
}
const READING = Symbol('lotproof.reading');
type ReadingMessage = IncomingMessage & { [READING]?: Reading };

// The listeners are module functions and the request carries their state: under tsx, every
// named closure made per request costs a defineProperty call (esbuild's keepNames), and six
// of them were a measurable part of an append's time on the writer thread.
function finish(incoming: ReadingMessage): Reading {
  const r = incoming[READING]!;
  incoming[READING] = undefined;
  incoming.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
  return r;
}
function onData(this: ReadingMessage, chunk: Buffer): void {
  const r = this[READING]!;
  r.n += chunk.length;
  if (r.n <= r.max) return void r.chunks.push(chunk);
  // The rest is drained and dropped, so the connection stays usable for the 413.
  finish(this).reject(tooLarge(r.max));
  this.resume();
}
function onEnd(this: ReadingMessage): void {
  const r = finish(this);
  r.resolve(r.chunks.length === 1 ? r.chunks[0]! : Buffer.concat(r.chunks, r.n));
}
function onError(this: ReadingMessage, e: Error): void {
  finish(this).reject(e);
}
function onClose(this: ReadingMessage): void {
  finish(this).reject(new LedgerError('invalid_request', 'the request body was cut off'));
}

function readIncoming(incoming: ReadingMessage, max: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    if (incoming.readableEnded) return resolve(new Uint8Array(0));
    incoming[READING] = { max, chunks: [], n: 0, resolve, reject };
    incoming.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

/**
 * Middleware taking a JSON body (content type, size limit) and handing its bytes to the handler
 * as `c.req.valid('json')`, unparsed: the ledger parses them strictly (core/json.ts), on its
 * check threads when it has them. Its type parameter is what the typed client (hc<AppType>) lets
 * callers send.
 */
export function jsonBodyBytes<T>(maxBytes: number): MiddlewareHandler<Env, string, { in: { json: T }; out: { json: Uint8Array } }> {
  return async (c, next) => {
    const ct = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (ct !== 'application/json') throw new LedgerError('unsupported_media_type', 'send the body as application/json');
    c.req.addValidatedData('json', await readBody(c, maxBytes));
    await next();
  };
}

/**
 * Runs a store write for a request. A refusal by storage itself (disk full, read-only, I/O
 * error) becomes a 503 `storage_unavailable` problem that says why, never a 500.
 */
export function storageWrite<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof LedgerError) throw e;
    throw new LedgerError('storage_unavailable', `the log could not write to its storage: ${(e as Error).message}`, { retryAfter: 5 });
  }
}
