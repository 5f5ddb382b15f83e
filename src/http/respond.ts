// Response headers without a WHATWG Headers object, on the hot paths. A Headers object (undici's,
// in Node) checks every name and value through WebIDL and is then turned back into a plain object
// by @hono/node-server: for a small answer that was a tenth of a bare POST handler's time (a
// Hono app with hono/request-id and c.json answering 17,450 requests/s, and 19,400/s with these,
// wrk on 64 connections, five interleaved runs). Hono builds one as soon as a header is set with
// c.header(), so the request id goes straight to Node's response, and an answer with more than
// a content type is a Response made from a plain object, which @hono/node-server writes as is.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';

declare module 'hono' {
  interface ContextVariableMap {
    /** This request's id, as its log lines and X-Request-Id give it. */
    requestId: string;
  }
}

/**
 * A request header, read from Node's IncomingMessage where there is one (@hono/node-server
 * passes it as c.env.incoming): c.req.header() would build a WHATWG Request and Headers for it,
 * which the hot paths otherwise never need. Repeated headers come joined with ", ", as Node
 * joins them (set-cookie aside, which a request does not carry).
 */
export function requestHeader(c: Context, name: string): string | undefined {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (!incoming) return c.req.header(name);
  const v = incoming.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

/** The header carrying the request id, taken from the request when it is a sane one. */
const HEADER = 'x-request-id';
const SANE_ID = /^[\w\-=]{1,255}$/;

/**
 * Gives each request an id (c.get('requestId')) for its log lines, and answers it in
 * X-Request-Id: the caller's own, if it sent one of at most 255 word characters, `-` or `=`
 * (as hono/request-id does), else a random UUID.
 */
export function requestId(): MiddlewareHandler {
  return async (c, next) => {
    const env = c.env as { outgoing?: ServerResponse } | undefined;
    const sent = requestHeader(c, HEADER);
    const id = sent !== undefined && SANE_ID.test(sent) ? sent : crypto.randomUUID();
    c.set('requestId', id);
    // Node merges headers set on its response with the ones the answer is written with.
    // Elsewhere the header goes on the answer, which may be a Response a handler made itself.
    if (env?.outgoing) env.outgoing.setHeader(HEADER, id);
    await next();
    if (!env?.outgoing) c.header(HEADER, id);
  };
}

/**
 * An answer with these headers, as a plain object all the way to the socket under Node. Headers
 * set earlier with c.header() are not on it: a route answers this way only where it set none.
 */
export function answer(body: string | Uint8Array<ArrayBuffer> | null, status: number, headers: Record<string, string>): Response {
  return new Response(body, { status, headers });
}
