// The HTTP API (lotproof SPEC §5) as a Hono app built from its dependencies; no globals.
import { Hono, type Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { LedgerError } from '../core/errors.ts';
import type { Clock } from '../ledger/clock.ts';
import type { Ledger } from '../ledger/ledger.ts';
import { problem, problemFromError } from './problem.ts';
import { entriesRoutes } from './entries.ts';
import { logRoutes } from './log.ts';
import { batchRoutes } from './batches.ts';
import { documentRoutes } from './documents.ts';
import { serialRoutes } from './serials.ts';
import { healthRoutes } from './health.ts';
import { NO_LIMITS, RateLimiter, type Limits } from './ratelimit.ts';

export interface AppConfig {
  /** Base URL printed in QR codes and links, without a trailing slash. */
  publicUrl: string;
  /** Largest accepted submission body. Default 64 KiB. */
  maxBodyBytes?: number;
  /** Largest accepted document. Default 10 MiB. */
  maxDocumentBytes?: number;
  skewMs?: number;
  /** Abuse limits; none when absent (tests), the service passes its configured ones. */
  limits?: Limits;
}

export interface AppDeps {
  ledger: Ledger;
  clock: Clock;
  config: AppConfig;
  /** Where unexpected errors are reported (never with request bodies or client addresses). */
  log?: (msg: string, err?: unknown) => void;
  /** Identifies the client for rate limits (its address); never stored or logged. */
  clientId?: (c: Context) => string;
}

export function createApp(deps: AppDeps) {
  const app = new Hono();
  const log = deps.log ?? ((msg: string, err?: unknown) => console.error(msg, err));

  app.onError((err, c) => {
    if (err instanceof LedgerError) return problemFromError(c, err);
    if (err instanceof HTTPException) {
      const status = err.status;
      const code = status === 413 ? 'body_too_large' : status === 404 ? 'not_found' : 'invalid_request';
      return problem(c, code, err.message || 'the request was refused');
    }
    log('unexpected error while serving a request', err);
    return problem(c, 'internal', 'an unexpected error occurred; nothing was written');
  });
  app.notFound((c) => problem(c, 'not_found', `no resource at ${new URL(c.req.url).pathname}`));

  // Health checks come before the limiter: an orchestrator polling them is never refused.
  app.route('/', healthRoutes(deps, 10_000));

  const limits = deps.config.limits ?? NO_LIMITS;
  const readLimiter = new RateLimiter(limits.read);
  const writeLimiter = new RateLimiter(limits.write);
  const clientId = deps.clientId ?? (() => 'local');
  app.use('*', async (c, next) => {
    const write = c.req.method === 'POST' || c.req.method === 'PUT';
    (write ? writeLimiter : readLimiter).take(clientId(c), deps.clock.now());
    await next();
  });

  app.route('/', entriesRoutes(deps));
  app.route('/', logRoutes(deps));
  app.route('/', documentRoutes(deps));
  app.route('/', serialRoutes(deps));
  app.route('/', batchRoutes(deps));
  app.get('/', (c) =>
    c.json({
      service: 'lotproof',
      origin: deps.ledger.origin,
      logKey: deps.ledger.logVerifierKey,
      size: deps.ledger.size(),
      links: { checkpoint: '/log/checkpoint', key: '/log/key', entries: '/log/entries?start=0&limit=100' },
    }),
  );
  return app;
}

/** Reads a request body up to `max` bytes; throws `body_too_large` past it. */
export async function readBody(req: Request, max: number): Promise<Uint8Array> {
  const declared = req.headers.get('content-length');
  if (declared !== null && Number(declared) > max) {
    throw new LedgerError('body_too_large', `the body is larger than ${max} bytes`);
  }
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
      throw new LedgerError('body_too_large', `the body is larger than ${max} bytes`);
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

/** Parses a non-negative integer query or path parameter strictly (no signs, no leading zeros). */
export function intParam(value: string | undefined, name: string, fallback?: number): number {
  if (value === undefined || value === '') {
    if (fallback !== undefined) return fallback;
    throw new LedgerError('invalid_request', `${name} is required`);
  }
  if (!/^(0|[1-9][0-9]{0,15})$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new LedgerError('invalid_request', `${name} must be a non-negative integer`);
  }
  return Number(value);
}
