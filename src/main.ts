// The one place that wires configuration, store, ledger and HTTP together, and the entry point
// of the `lotproof` command (SPEC §6).
import { getRequestListener, type ServerType } from '@hono/node-server';
import { createServer as createHttpServer } from 'node:http';
import { getConnInfo } from '@hono/node-server/conninfo';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InvariantError } from './core/errors.ts';
import { systemClock, type Clock } from './ledger/clock.ts';
import { createLedger, type Ledger } from './ledger/ledger.ts';
import { openSqliteStore, type SqliteStore } from './store/sqlite.ts';
import { createApp } from './http/app.ts';
import { DEFAULT_LIMITS, isLoopback, parseRateLimit, type Limits, type RateLimit } from './http/ratelimit.ts';
import { clientAddress, MAX_PROXIES, parseTrustedProxies, type TrustedProxies } from './http/client-address.ts';
import { KeyFileError, loadOrCreateKeyFile } from './cli/keyfile.ts';
import { runCli } from './cli/cli.ts';
import { UsageError } from './cli/command.ts';
import { backupStore, restoreStore } from './store/backup.ts';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { Metrics } from './http/metrics.ts';
import { problemBody } from './http/problem.ts';
import { requestHeader } from './http/respond.ts';
import { createCheckPool, type CheckPool } from './ledger/check-pool.ts';
import { availableParallelism } from 'node:os';
import { createServer as createNetServer } from 'node:net';

export interface ServiceConfig {
  port: number;
  /** The address to listen on (HOST): an IP address or a name that resolves. */
  host: string;
  /** pino's level for the service log (LOTPROOF_LOG_LEVEL). */
  logLevel: LogLevel;
  dataDir: string;
  publicUrl: string;
  origin: string;
  /** Whether LOTPROOF_ORIGIN set the origin; a defaulted one yields to an existing log's own. */
  originExplicit: boolean;
  operatorKeyFile: string;
  logKeyFile: string;
  skewMs: number;
  checkpointIntervalMs: number;
  limits: Limits;
  /** Reverse proxies whose X-Forwarded-For names the client (LOTPROOF_TRUSTED_PROXIES). */
  trustedProxies?: TrustedProxies;
  /** Threads verifying signatures off the event loop; 0 verifies on the main thread. */
  verifyWorkers: number;
  serialWarnScans: number;
  scanDedupMs: number;
}

export class ConfigError extends Error {}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
type LogLevel = (typeof LOG_LEVELS)[number];

function limitEnv(env: NodeJS.ProcessEnv, name: string, fallback: RateLimit): RateLimit {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  const r = parseRateLimit(v);
  if (!r) throw new ConfigError(`${name} must be RATE or RATE/BURST in requests per second (0 turns it off), not ${JSON.stringify(v)}`);
  return r;
}

function intEnv(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new ConfigError(`${name} must be an integer from ${min} to ${max}, not ${JSON.stringify(v)}`);
  return Number(v);
}

/** Reads the configuration of SPEC §5 from the environment, validating every value. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const port = intEnv(env, 'PORT', 8080, 0, 65535);
  let trustedProxies: TrustedProxies | undefined;
  if (env.LOTPROOF_TRUSTED_PROXIES) {
    trustedProxies = parseTrustedProxies(env.LOTPROOF_TRUSTED_PROXIES);
    if (!trustedProxies) {
      const given = env.LOTPROOF_TRUSTED_PROXIES;
      throw new ConfigError(`LOTPROOF_TRUSTED_PROXIES must be at most ${MAX_PROXIES} IP addresses (no names, ranges, ports or zones) or "loopback", separated by commas, not ${JSON.stringify(given.length > 120 ? `${given.slice(0, 120)}…` : given)}`);
    }
  }
  const host = env.HOST || '0.0.0.0';
  if (!/^[A-Za-z0-9.:%_-]{1,253}$/.test(host)) throw new ConfigError(`HOST must be an IP address or a host name, not ${JSON.stringify(host)}`);
  const logLevel = (env.LOTPROOF_LOG_LEVEL || 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`LOTPROOF_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, not ${JSON.stringify(logLevel)}`);
  const dataDir = resolve(env.LOTPROOF_DATA || './data');
  if (existsSync(dataDir) && !statSync(dataDir).isDirectory()) throw new ConfigError(`LOTPROOF_DATA ${dataDir} exists and is not a directory`);
  const given = env.LOTPROOF_PUBLIC_URL || `http://localhost:${port}`;
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    throw new ConfigError(`LOTPROOF_PUBLIC_URL is not a URL: ${JSON.stringify(given)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError('LOTPROOF_PUBLIC_URL must be http or https');
  // It prefixes every link, Link header, linkset anchor and QR code shoppers get: only a scheme,
  // host and path can be prefixed that way, and credentials must never be handed out.
  if (url.username || url.password) throw new ConfigError('LOTPROOF_PUBLIC_URL must not contain a user name or password');
  if (url.search || url.hash || given.includes('?') || given.includes('#')) throw new ConfigError('LOTPROOF_PUBLIC_URL must not have a query or fragment');
  if (/\s/.test(given)) throw new ConfigError(`LOTPROOF_PUBLIC_URL must not contain spaces: ${JSON.stringify(given)}`);
  const publicUrl = `${url.origin}${url.pathname}`.replace(/\/+$/, '');
  // tlog-tiles recommends the origin be the URL prefix of the tiles without the scheme.
  const origin = env.LOTPROOF_ORIGIN || `${url.host}${url.pathname.replace(/\/$/, "")}/log`;
  if (!/^[^\s+]{1,200}$/.test(origin) || /[\u0000-\u001f\u2014]/.test(origin)) {
    throw new ConfigError('LOTPROOF_ORIGIN must be 1–200 characters without spaces or "+" (it is a C2SP key name)');
  }
  return {
    port,
    host,
    logLevel,
    dataDir,
    publicUrl,
    origin,
    originExplicit: Boolean(env.LOTPROOF_ORIGIN),
    operatorKeyFile: resolve(env.LOTPROOF_OPERATOR_KEY_FILE || join(dataDir, 'operator.key')),
    logKeyFile: resolve(env.LOTPROOF_LOG_KEY_FILE || join(dataDir, 'log.key')),
    skewMs: intEnv(env, 'LOTPROOF_SKEW_SECONDS', 300, 1, 86_400) * 1000,
    checkpointIntervalMs: intEnv(env, 'LOTPROOF_CHECKPOINT_INTERVAL_MS', 500, 1, 60_000),
    serialWarnScans: intEnv(env, 'LOTPROOF_SERIAL_WARN_SCANS', 5, 1, 1_000_000),
    scanDedupMs: intEnv(env, 'LOTPROOF_SCAN_DEDUP_SECONDS', 600, 1, 86_400) * 1000,
    verifyWorkers: intEnv(env, 'LOTPROOF_VERIFY_WORKERS', Math.min(4, Math.max(0, availableParallelism() - 1)), 0, 64),
    limits: {
      read: limitEnv(env, 'LOTPROOF_RATE_READ', DEFAULT_LIMITS.read),
      write: limitEnv(env, 'LOTPROOF_RATE_WRITE', DEFAULT_LIMITS.write),
      actorWrite: limitEnv(env, 'LOTPROOF_RATE_ACTOR_WRITE', DEFAULT_LIMITS.actorWrite),
    },
    ...(trustedProxies && { trustedProxies }),
  };
}

export interface Service {
  config: ServiceConfig;
  store: SqliteStore;
  ledger: Ledger;
  app: ReturnType<typeof createApp>;
  server?: ServerType;
  close(): Promise<void>;
}

/** Opens the data directory, keys and ledger, and optionally listens on config.port. */
export async function startService(config: ServiceConfig, opts: { listen?: boolean; clock?: Clock; quiet?: boolean } = {}): Promise<Service> {
  const clock = opts.clock ?? systemClock;
  // Whether the address can be listened on is found out before anything is created: a fresh
  // data directory would otherwise get its keys and log.init, with an origin derived from a
  // mistyped PORT fixed for good, and only then fail.
  if (opts.listen) await checkListen(config.host, config.port);
  // The check pool's worker script is bundled by esbuild, in esbuild's own process: started
  // first, that runs while this thread opens the keys, the store and the ledger (about 180 and
  // 90 ms at 1,000,000 entries, one after the other before).
  const poolReady = config.verifyWorkers > 0 ? createCheckPool(config.verifyWorkers) : undefined;
  try {
    return await openService(config, opts, clock, poolReady);
  } catch (e) {
    await poolReady?.then(
      (p) => p.close(),
      () => {},
    );
    throw e;
  }
}

/**
 * The answer when @hono/node-server could not turn a request into a Request at all (its
 * RequestError: a bad Host header, an absolute URL it refuses), or, never expected, when the
 * app's fetch threw instead of answering.
 */
function malformedRequest(e: unknown): Response {
  const bad = e instanceof Error && e.name === 'RequestError';
  const body = bad ? problemBody('invalid_request', `the request is malformed: ${e.message}`) : problemBody('internal', 'an unexpected error occurred; nothing was written');
  return new Response(JSON.stringify(body), { status: body.status, headers: { 'content-type': 'application/problem+json' } });
}

/** Binds HOST:PORT once and lets it go; throws ConfigError saying why it cannot be bound. */
async function checkListen(host: string, port: number): Promise<void> {
  const probe = createNetServer();
  try {
    await new Promise<void>((res, rej) => {
      probe.once('error', rej);
      probe.listen({ host, port, exclusive: true }, () => res());
    });
  } catch (e) {
    throw new ConfigError(`cannot listen on ${host} port ${port} (HOST, PORT): ${(e as Error).message}`);
  }
  await new Promise<void>((res) => probe.close(() => res()));
}

async function openService(config: ServiceConfig, opts: { listen?: boolean; quiet?: boolean }, clock: Clock, poolReady: Promise<CheckPool> | undefined): Promise<Service> {
  try {
    mkdirSync(config.dataDir, { recursive: true });
  } catch (e) {
    throw new ConfigError(`cannot create the data directory ${config.dataDir} (LOTPROOF_DATA): ${(e as Error).message}`);
  }
  const dbFile = join(config.dataDir, 'lotproof.db');
  const fresh = !existsSync(dbFile);
  // Keys are created only for a new log: a missing key over an existing log is refused, never
  // silently replaced (a new log key would orphan every checkpoint already published).
  const operator = loadOrCreateKeyFile(config.operatorKeyFile, fresh);
  const log = loadOrCreateKeyFile(config.logKeyFile, fresh);
  const store = openSqliteStore({ file: dbFile, documentsDir: join(config.dataDir, 'documents') });
  // Policy: a log's origin is fixed when it is created. Unless LOTPROOF_ORIGIN says otherwise
  // (and is then checked against it), an existing log keeps its own, even if the port or
  // public URL that the default was derived from changed.
  const first = config.originExplicit ? undefined : store.entry(0);
  if (first) {
    const init = JSON.parse(Buffer.from(first.leaf).toString('utf8')) as { statement?: { body?: { origin?: unknown } } };
    const existing = init.statement?.body?.origin;
    if (typeof existing === 'string') config = { ...config, origin: existing };
  }
  const logger = pino({ level: opts.quiet ? 'silent' : config.logLevel, base: { service: 'lotproof' } });
  const say = (m: string) => logger.info(m);
  const metrics = new Metrics({ defaultMetrics: true });
  if (operator.created) say(`lotproof: created operator key ${config.operatorKeyFile}`);
  if (log.created) say(`lotproof: created log key ${config.logKeyFile}`);
  const fatal = (e: Error) => {
    logger.fatal({ err: { message: e.message } }, 'lotproof: broken invariant; stopping');
    console.error(`lotproof: FATAL: ${e.message}`);
    process.exit(70);
  };
  // The ledger gets the pool before it is ready; nothing is submitted before the service awaits
  // it below, so the forwarding costs one call per check.
  let pool: CheckPool | undefined;
  const checkPool: CheckPool | undefined = poolReady && {
    check: (body, nowMs, skewMs) => (pool ? pool.check(body, nowMs, skewMs) : poolReady.then((p) => p.check(body, nowMs, skewMs))),
    verify: (job) => (pool ? pool.verify(job) : poolReady.then((p) => p.verify(job))),
    close: () => poolReady.then((p) => p.close()),
  };
  let ledger: Ledger;
  try {
    ledger = createLedger({
      store,
      clock,
      origin: config.origin,
      operatorKey: operator.key,
      logKey: log.key,
      skewMs: config.skewMs,
      checkpointIntervalMs: config.checkpointIntervalMs,
      onFatal: fatal,
      onStorageError: (e) => logger.error({ err: { message: e.message } }, 'lotproof: could not sign a checkpoint; retrying'),
      observer: metrics.ledgerObserver,
      checkPool,
    });
  } catch (e) {
    store.close();
    throw e;
  }
  try {
    pool = await poolReady;
  } catch (e) {
    ledger.close();
    store.close();
    throw e;
  }
  let warnedProxy = false;
  const app = createApp({
    ledger,
    clock,
    config: {
      publicUrl: config.publicUrl,
      skewMs: config.skewMs,
      limits: config.limits,
      serialWarnScans: config.serialWarnScans,
      scanDedupMs: config.scanDedupMs,
    },
    logger,
    metrics,
    // The client's address (the socket's, or a trusted proxy's X-Forwarded-For) is used for
    // rate limits and the once-per-client count of a serial's scans only; it is never stored.
    clientId: (c) => {
      let peer: string;
      try {
        peer = getConnInfo(c).remote.address ?? 'unknown';
      } catch {
        peer = 'unknown';
      }
      const forwardedFor = requestHeader(c, 'x-forwarded-for');
      if (!config.trustedProxies && !warnedProxy && forwardedFor !== undefined && isLoopback(peer)) {
        // Loopback is not rate limited: behind a proxy on this machine, no client would be.
        warnedProxy = true;
        logger.warn('lotproof: requests from this machine carry X-Forwarded-For, so a reverse proxy is in front; its clients are not rate limited until LOTPROOF_TRUSTED_PROXIES names it (e.g. loopback)');
      }
      return clientAddress(peer, forwardedFor, config.trustedProxies);
    },
  });
  const service: Service = {
    config,
    store,
    ledger,
    app,
    async close() {
      if (service.server) await new Promise<void>((r) => service.server!.close(() => r()));
      ledger.close();
      store.close();
      await checkPool?.close();
    },
  };
  if (opts.listen) {
    try {
      await new Promise<void>((resolveListen, reject) => {
        // @hono/node-server's listener, made here so that a request too malformed to become a
        // Request (a bad Host header, say) is answered as a problem document too, not with an
        // empty text/plain 400 before the app runs.
        const listener = getRequestListener(app.fetch, { hostname: config.host, errorHandler: malformedRequest });
        const server = createHttpServer(listener);
        server.once('error', reject);
        server.listen(config.port, config.host, () => resolveListen());
        service.server = server;
      });
    } catch (e) {
      // Taken since checkListen: the log is closed as it was opened, and the reason reported.
      service.server = undefined;
      await service.close();
      throw new ConfigError(`cannot listen on ${config.host} port ${config.port} (HOST, PORT): ${(e as Error).message}`);
    }
    const addr = service.server!.address();
    const port = typeof addr === 'object' && addr ? addr.port : config.port;
    say(`lotproof: serving log ${config.origin} (${ledger.size()} entries) on port ${port}; data in ${config.dataDir}`);
  }
  return service;
}

async function serveCommand(): Promise<number> {
  let service: Service;
  try {
    service = await startService(configFromEnv(), { listen: true });
  } catch (e) {
    if (e instanceof ConfigError || e instanceof KeyFileError || e instanceof InvariantError) {
      console.error(`lotproof: ${e.message}`);
      return 78;
    }
    throw e;
  }
  await new Promise<void>((res) => {
    const stop = () => res();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await service.close();
  return 0;
}

/** `lotproof backup --out FILE` and `lotproof restore --from FILE`, on LOTPROOF_DATA. */
async function storeCommand(argv: string[]): Promise<number> {
  const [name, ...rest] = argv as [string, ...string[]];
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: rest, options: { out: { type: 'string' }, from: { type: 'string' } }, strict: true }));
  } catch (e) {
    console.error(`lotproof ${name}: ${(e as Error).message.split('\n')[0]}`);
    return 2;
  }
  let config: ServiceConfig;
  try {
    config = configFromEnv();
  } catch (e) {
    console.error(`lotproof ${name}: ${(e as Error).message}`);
    return 2;
  }
  const dbFile = join(config.dataDir, 'lotproof.db');
  const docs = join(config.dataDir, 'documents');
  try {
    if (name === 'backup') {
      if (typeof values.out !== 'string') throw new UsageError('backup needs --out FILE');
      const r = await backupStore(dbFile, docs, resolve(values.out));
      console.log(`backed up ${r.entries} entries and ${r.documents} documents to ${values.out}`);
    } else {
      if (typeof values.from !== 'string') throw new UsageError('restore needs --from FILE');
      const r = restoreStore(resolve(values.from), dbFile, docs);
      console.log(`restored ${r.entries} entries and ${r.documents} documents into ${config.dataDir}; copy the operator and log key files there before starting`);
    }
    return 0;
  } catch (e) {
    console.error(`lotproof ${name}: ${(e as Error).message}`);
    return e instanceof UsageError ? 2 : 1;
  }
}

export async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'serve') return serveCommand();
  if (argv[0] === 'backup' || argv[0] === 'restore') return storeCommand(argv);
  return runCli(argv);
}
