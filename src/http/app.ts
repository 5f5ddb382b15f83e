// The HTTP API (lotproof SPEC §5) as a Hono app built from its dependencies; no globals.
import { Hono, type Context } from 'hono';
import { TrieRouter } from 'hono/router/trie-router';
import { HTTPException } from 'hono/http-exception';
import { LedgerError } from '../core/errors.ts';
import type { Clock } from '../ledger/clock.ts';
import type { Ledger } from '../ledger/ledger.ts';
import { problem, problemFromError } from './problem.ts';
import { entriesRoutes } from './entries.ts';
import { logRoutes } from './log.ts';
import { batchRoutes } from './batches.ts';
import { documentRoutes } from './documents.ts';
import { qrRoutes } from './qr.ts';
import { serialRoutes } from './serials.ts';
import { epcisRoutes } from './epcis.ts';
import { actorRoutes } from './actors.ts';
import { healthRoutes } from './health.ts';
import { Metrics } from './metrics.ts';
import { requestId } from './respond.ts';
import { routePath } from 'hono/route';
import { openApiDocument, renderApiDocs } from './openapi.ts';
import { htmlResponse } from './batches.ts';
import { isLoopback, NO_LIMITS, RateLimiter, type Limits } from './ratelimit.ts';

export interface AppConfig {
  /** Base URL printed in QR codes and links, without a trailing slash. */
  publicUrl: string;
  /** Largest accepted submission body. Default 64 KiB. */
  maxBodyBytes?: number;
  /** Largest accepted document. Default 10 MiB. */
  maxDocumentBytes?: number;
  skewMs?: number;
  /** A serial's page warns of a copied code once it was checked more than this many times. Default 5. */
  serialWarnScans?: number;
  /** Repeat views of a serial from one client within this window count once. Default 10 minutes. */
  scanDedupMs?: number;
  /** Abuse limits; none when absent (tests), the service passes its configured ones. */
  limits?: Limits;
}

export interface AppDeps {
  ledger: Ledger;
  clock: Clock;
  config: AppConfig;
  /**
   * Structured logs (pino-compatible). Request lines, at debug, carry a request id, method,
   * route, status and duration; never bodies, client addresses, user agents or secrets.
   * Unexpected errors are logged at error with the request's id.
   */
  logger?: Logger;
  metrics?: Metrics;
  /** Identifies the client for rate limits (its address); never stored or logged. */
  clientId?: (c: Context) => string;
}

export interface Logger {
  debug(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const consoleLogger: Logger = { debug: () => {}, error: (obj, msg) => console.error(msg, obj) };

export function createApp(deps: AppDeps) {
  const app = new Hono();
  const logger = deps.logger ?? consoleLogger;
  const metrics = deps.metrics ?? new Metrics();
  deps = { ...deps, metrics };

  app.use('*', requestId());
  app.use('*', async (c, next) => {
    const start = performance.now();
    await next();
    const route = routePath(c);
    const seconds = (performance.now() - start) / 1000;
    metrics.requestDuration.observe({ method: c.req.method, route, status: String(c.res.status) }, seconds);
    // Policy: one line per request is debug, not info. At info a busy service spent about 6 µs
    // of its event loop per request writing lines that the metrics above already count
    // (BENCHMARKS.md); LOTPROOF_LOG_LEVEL=debug turns them on.
    logger.debug({ reqId: c.get('requestId'), method: c.req.method, route, status: c.res.status, ms: Math.round(seconds * 1e4) / 10 }, 'request');
  });

  app.onError((err, c) => {
    if (err instanceof LedgerError) {
      if (err.code === 'rate_limited') metrics.rateLimited.inc({ kind: c.req.method === 'POST' || c.req.method === 'PUT' ? 'write' : 'read' });
      if (c.req.method === 'POST' && new URL(c.req.url).pathname === '/v1/entries') metrics.appends.inc({ outcome: err.code });
      return problemFromError(c, err);
    }
    if (err instanceof HTTPException) {
      const status = err.status;
      const code = status === 413 ? 'body_too_large' : status === 404 ? 'not_found' : 'invalid_request';
      return problem(c, code, err.message || 'the request was refused');
    }
    logger.error({ reqId: c.get('requestId'), err: err instanceof Error ? { name: err.name, message: err.message, stack: err.stack } : String(err) }, 'unexpected error while serving a request');
    return problem(c, 'internal', 'an unexpected error occurred; nothing was written');
  });
  // A path the app answers, asked with a method it does not answer there: 405 with Allow (RFC
  // 9110 §15.5.6), not 404. The routes' own patterns, in a router of their own made on first
  // need, say which methods a path has.
  let routesByMethod: { router: TrieRouter<string>; methods: string[] } | undefined;
  const allowedAt = (path: string): string[] => {
    if (!routesByMethod) {
      const router = new TrieRouter<string>();
      const methods = new Set<string>();
      for (const r of app.routes) {
        if (r.method === 'ALL') continue;
        router.add(r.method, r.path, r.method);
        methods.add(r.method);
      }
      routesByMethod = { router, methods: [...methods] };
    }
    const { router, methods } = routesByMethod;
    const allowed = methods.filter((m) => router.match(m, path)[0].length > 0);
    if (allowed.includes('GET')) allowed.push('HEAD');
    return allowed;
  };
  app.notFound((c) => {
    const path = new URL(c.req.url).pathname;
    const allowed = allowedAt(path);
    if (allowed.length > 0 && !allowed.includes(c.req.method)) {
      c.header('allow', allowed.join(', '));
      return problem(c, 'method_not_allowed', `${c.req.method} is not answered at ${path}; it answers ${allowed.join(', ')}`);
    }
    return problem(c, 'not_found', `no resource at ${path}`);
  });

  // Health checks and metrics come before the limiter: an orchestrator polling them is never refused.
  app.route('/', healthRoutes(deps, 10_000));
  {
    app.get('/metrics', async (c) => {
      metrics.treeSize.set(deps.ledger.latestCheckpoint()?.size ?? 0);
      c.header('content-type', metrics.registry.contentType);
      return c.body(await metrics.registry.metrics());
    });
  }

  const limits = deps.config.limits ?? NO_LIMITS;
  const readLimiter = new RateLimiter(limits.read);
  const writeLimiter = new RateLimiter(limits.write);
  const clientId = deps.clientId ?? (() => 'local');
  app.use('*', async (c, next) => {
    const who = clientId(c);
    if (!isLoopback(who)) {
      const write = c.req.method === 'POST' || c.req.method === 'PUT';
      (write ? writeLimiter : readLimiter).take(who, deps.clock.now());
    }
    await next();
  });

  // The typed part of the API: AppType carries these routes' inputs and answers to hc clients.
  const api = app.route('/', entriesRoutes(deps));
  app.route('/', logRoutes(deps));
  app.route('/', documentRoutes(deps));
  app.route('/', serialRoutes(deps));
  app.route('/', epcisRoutes(deps));
  app.route('/', actorRoutes(deps));
  app.route('/', batchRoutes(deps));
  app.route('/', qrRoutes(deps));
  // Made on first request: converting every route's schemas takes tens of milliseconds, which
  // start-up need not wait for.
  let apiDoc: ReturnType<typeof openApiDocument> | undefined;
  let apiDocsHtml: string | undefined;
  const doc = () => (apiDoc ??= openApiDocument(deps.config.publicUrl));
  app.get('/openapi.json', (c) => {
    c.header('access-control-allow-origin', '*');
    return c.json(doc());
  });
  app.get('/docs', (c) => htmlResponse(c, (apiDocsHtml ??= renderApiDocs(doc())), 200, 'en'));
  app.get('/', (c) =>
    c.json({
      service: 'lotproof',
      origin: deps.ledger.origin,
      logKey: deps.ledger.logVerifierKey,
      size: deps.ledger.size(),
      links: { checkpoint: '/log/checkpoint', key: '/log/key', entries: '/log/entries?start=0&limit=100' },
    }),
  );
  return api;
}

/** The API's type, for Hono's typed client: `hc<AppType>(url)` (src/cli/client.ts uses it). */
export type AppType = ReturnType<typeof createApp>;

