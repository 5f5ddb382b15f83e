// Reading JSON request bodies strictly: UTF-8 only, one parse, bounded depth, no duplicate keys.
// Duplicate keys are refused because JSON parsers disagree on which one wins, and a signed
// statement must mean the same thing to every reader.
import { LedgerError } from '../core/errors.ts';
import { fromUtf8 } from '../core/bytes.ts';
import type { IncomingMessage } from 'node:http';
import type { Context, Env, MiddlewareHandler } from 'hono';

const MAX_DEPTH = 64;

/** Scans JSON text for nesting depth and duplicate object keys, without recursion. */
function scan(text: string): void {
  const stack: Set<string>[] | null[] = [];
  let depth = 0;
  let i = 0;
  const n = text.length;
  // Whether the next string at this level is an object key.
  const keyNext: boolean[] = [];
  while (i < n) {
    const ch = text.charCodeAt(i);
    if (ch === 0x22) {
      let j = i + 1;
      while (j < n) {
        const cj = text.charCodeAt(j);
        if (cj === 0x5c) j += 2;
        else if (cj === 0x22) break;
        else j++;
      }
      if (depth > 0 && keyNext[depth - 1]) {
        // Only a key with an escape needs decoding to be compared.
        const rawKey = text.slice(i + 1, j);
        const key = rawKey.includes('\\') ? (JSON.parse(text.slice(i, j + 1)) as string) : rawKey;
        const seen = stack[depth - 1] as Set<string>;
        if (seen.has(key)) throw new LedgerError('duplicate_key', `duplicate object key ${JSON.stringify(key)}`);
        seen.add(key);
        keyNext[depth - 1] = false;
      }
      i = j + 1;
      continue;
    }
    if (ch === 0x7b || ch === 0x5b) {
      depth++;
      if (depth > MAX_DEPTH) throw new LedgerError('json_too_deep', `JSON nesting is deeper than ${MAX_DEPTH} levels`);
      (stack as (Set<string> | null)[])[depth - 1] = ch === 0x7b ? new Set() : null;
      keyNext[depth - 1] = ch === 0x7b;
    } else if (ch === 0x7d || ch === 0x5d) {
      depth--;
    } else if (ch === 0x2c && depth > 0 && stack[depth - 1] !== null) {
      keyNext[depth - 1] = true;
    }
    i++;
  }
}

/** Parses a request body as strict JSON; throws LedgerError with a stable code. */
export function parseJsonBody(bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = fromUtf8(bytes);
  } catch {
    throw new LedgerError('invalid_json', 'the body is not valid UTF-8');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new LedgerError('invalid_json', `the body is not JSON: ${(e as Error).message}`);
  }
  scan(text);
  return value;
}

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

function readIncoming(incoming: IncomingMessage, max: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let n = 0;
    const done = (fn: () => void) => {
      incoming.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      fn();
    };
    const onData = (chunk: Buffer) => {
      n += chunk.length;
      if (n <= max) return void chunks.push(chunk);
      // The rest is drained and dropped, so the connection stays usable for the 413.
      done(() => reject(tooLarge(max)));
      incoming.resume();
    };
    const onEnd = () => done(() => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, n)));
    const onError = (e: Error) => done(() => reject(e));
    const onClose = () => done(() => reject(new LedgerError('invalid_request', 'the request body was cut off')));
    if (incoming.readableEnded) return resolve(new Uint8Array(0));
    incoming.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

/**
 * Middleware reading a JSON body strictly (content type, size limit, UTF-8, depth, duplicate
 * keys) and handing it to the handler as `c.req.valid('json')`. Its type parameter is what the
 * typed client (hc<AppType>) lets callers send; the handler still validates the value itself.
 */
export function strictJsonBody<T>(maxBytes: number): MiddlewareHandler<Env, string, { in: { json: T }; out: { json: unknown } }> {
  return async (c, next) => {
    const ct = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (ct !== 'application/json') throw new LedgerError('unsupported_media_type', 'send the body as application/json');
    c.req.addValidatedData('json', parseJsonBody(await readBody(c, maxBytes)) as object);
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
