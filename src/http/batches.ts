// A batch at its GS1 Digital Link path (lotproof SPEC §5), answered as a GS1 resolver does: the
// shopper's verification page (HTML), its data (JSON), an RFC 9264 linkset or a 307 to the link
// of a requested GS1 link type; the page's hashed assets; the resolver description; and the
// batch genealogy for recall scope.
import { Hono, type Context } from 'hono';
import { createHash } from 'node:crypto';
import { toBase64 } from '../core/bytes.ts';
import { LedgerError } from '../core/errors.ts';
import { encodeDigitalLinkPath, parseDigitalLinkPath, type DigitalLinkKey } from '../core/gs1.ts';
import { dayInChina } from '../core/time.ts';
import type { BatchRow, CheckpointRow, Store } from '../ledger/store.ts';
import { batchView, findBatch, genealogyView, readEntry, type BatchView } from '../ledger/views.ts';
import { checkSerial, ScanDeduper, type SerialCheck } from '../ledger/serials.ts';
import { ASSET_PREFIX, pageAssets } from '../pages/assets.ts';
import { langFromParam, negotiateLang, type Lang } from '../pages/i18n.ts';
import { batchLinks, linksetDocument, LINKSET_MEDIA_TYPE, parseLinkType, resolverDescription, selectLink, wantsLinkset } from '../pages/linkset.ts';
import { renderBatchPage, renderErrorPage, type PageEntry } from '../pages/page.ts';
import type { AppDeps } from './app.ts';
import { parseParams, traceQuery } from './schemas.ts';
import { problemFromError, statusOf } from './problem.ts';
import { answer } from './respond.ts';

/**
 * Policy: the strictest CSP the page works under. Scripts and styles come only from this
 * origin as files (no inline code, no eval), the verifier only talks to this origin, and the
 * page can be neither framed nor used to submit forms elsewhere.
 */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
].join('; ');

/** The headers every HTML response of lotproof carries, security headers first. */
export function htmlHeaders(lang: Lang): Record<string, string> {
  return {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': PAGE_CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'cross-origin-opener-policy': 'same-origin',
    'permissions-policy': 'camera=(), microphone=(), geolocation=(), interest-cohort=()',
    'content-language': lang,
    'cache-control': 'no-cache',
  };
}

/** Sends an HTML page with htmlHeaders, and whatever headers the route set before. */
export function htmlResponse(c: Context, body: string | Uint8Array<ArrayBuffer>, status: 200 | 400 | 404, lang: Lang): Response {
  for (const [k, v] of Object.entries(htmlHeaders(lang))) c.header(k, v);
  // Two calls, as Hono's overloads take one body type at a time.
  return typeof body === 'string' ? c.body(body, status) : c.body(body, status);
}

/** The page language: an explicit `?lang=` first, then Accept-Language, then Chinese. */
export function pageLang(c: Context): { lang: Lang; inQuery: boolean } {
  const explicit = langFromParam(c.req.query('lang'));
  return explicit ? { lang: explicit, inQuery: true } : { lang: negotiateLang(c.req.header('accept-language')), inQuery: false };
}

/** The quality an Accept header gives a media type (RFC 9110 §12.5.1), most specific range winning. */
export function acceptQuality(accept: string | undefined, mediaType: string): number {
  if (!accept) return mediaType === 'text/html' ? 1 : 0;
  const [type] = mediaType.split('/');
  let best = -1;
  let q = 0;
  for (const part of accept.split(',').slice(0, 50)) {
    const [rangeRaw, ...params] = part.split(';');
    const range = (rangeRaw ?? '').trim().toLowerCase();
    const specificity = range === mediaType ? 2 : range === `${type}/*` ? 1 : range === '*/*' ? 0 : -1;
    if (specificity < 0 || specificity < best) continue;
    let rq = 1;
    for (const p of params) {
      const m = /^\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*$/i.exec(p);
      if (m) rq = Math.min(1, Number(m[1]));
    }
    if (specificity > best || rq > q) q = rq;
    best = specificity;
  }
  return q;
}

/** JSON is answered only when the client ranks it above HTML; browsers and `*\/*` get HTML. */
function prefersJson(accept: string | undefined): boolean {
  const json = Math.max(acceptQuality(accept, 'application/json'), acceptQuality(accept, 'application/problem+json'));
  return json > 0 && json > acceptQuality(accept, 'text/html');
}

function prefersLinkset(accept: string | undefined): boolean {
  const q = acceptQuality(accept, LINKSET_MEDIA_TYPE);
  return q > 0 && q > acceptQuality(accept, 'text/html') && (accept ?? '').toLowerCase().includes(LINKSET_MEDIA_TYPE);
}

/**
 * What a Digital Link names: a batch, or one serialised item of it. A serial must belong to one
 * of the batch's issued serial sets (checked by its salted hash); anything else is unknown.
 */
function resolveItem(store: Store, key: DigitalLinkKey, nowMs: number, count: boolean): { batch: BatchRow; serial?: SerialCheck } {
  const batch = findBatch(store, key.gtin, key.lot);
  if (key.serial === undefined) return { batch };
  const serial = checkSerial(store, batch, key.serial, nowMs, count);
  if (!serial.genuine) {
    throw new LedgerError('not_found', `unknown serial: ${encodeDigitalLinkPath(key)} is not a serial the log knows`, { reason: 'unknown_serial' });
  }
  return { batch, serial };
}

/** Waits up to `ms` for a checkpoint covering entry `seq`; resolves either way. */
async function checkpointCovering(deps: AppDeps, seq: number, ms: number): Promise<CheckpointRow | undefined> {
  const cp = deps.ledger.latestCheckpoint();
  if (cp && cp.size > seq) return cp;
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    deps.ledger.waitForCheckpoint(seq).catch(() => undefined),
    new Promise((r) => {
      timer = setTimeout(r, ms);
    }),
  ]);
  clearTimeout(timer);
  return deps.ledger.latestCheckpoint();
}

/** The entries the page rests on: the view's own and the registrations of every actor it names. */
function pageEntries(store: Store, view: BatchView, serialSetSeq?: number): PageEntry[] {
  const seqs = new Set<number>(view.entries);
  if (serialSetSeq !== undefined) seqs.add(serialSetSeq);
  const actors = [
    view.producer,
    ...view.labReports.map((r) => r.issuer),
    ...view.certificates.map((c) => c.issuer),
    ...view.journey.flatMap((s) => [s.from, s.to]),
    ...view.recalls.map((r) => r.issuer),
    ...view.holdings.map((h) => h.actor),
  ];
  for (const a of actors) if (a.registeredSeq > 0) seqs.add(a.registeredSeq);
  return [...seqs]
    .sort((a, b) => a - b)
    .map((seq) => {
      const row = store.entry(seq);
      const e = readEntry(store, seq);
      return {
        seq,
        hash: toBase64(row!.hash),
        type: e.statement.type,
        actor: e.statement.actor,
        time: e.statement.time,
        body: e.statement.body,
      };
    });
}

const PAGE_CACHE_SIZE = 2000;
/** A batch's answer depends on these request headers (content and language negotiation). */
const VARY = 'accept, accept-language';

export function batchRoutes(deps: AppDeps) {
  const { ledger, clock, config } = deps;
  const app = new Hono();
  const store = ledger.store;
  const scans = new ScanDeduper(config.scanDedupMs ?? 10 * 60_000, clock.now());
  const pageCache = new Map<string, { body: Uint8Array<ArrayBuffer>; etag: string }>();
  const clientId = deps.clientId ?? (() => 'local');
  // Start building the assets with the app, so the first shopper does not wait for it.
  void pageAssets().then((a) => {
    if (!a.scriptError) return;
    if (deps.logger) deps.logger.error({ err: a.scriptError }, 'page assets');
    else console.error(`lotproof: ${a.scriptError}`);
  });

  const errorPage = async (c: Context, e: LedgerError, lang: Lang) => {
    const status = statusOf(e.code) === 404 ? 404 : 400;
    const assets = await pageAssets();
    const unknownSerial = e.details?.reason === 'unknown_serial';
    return htmlResponse(c, renderErrorPage({ lang, status, cssUrl: assets.pageCssUrl, unknownSerial, detail: e.message }), status, lang);
  };

  /** The Link header naming a batch's linkset (GS1 Digital Link resolver, RFC 9264). */
  const linksetLink = (path: string) => `<${config.publicUrl}${path}?linkType=linkset>; rel="linkset"; type="${LINKSET_MEDIA_TYPE}"`;

  /** A refused batch request: an error page for people, a problem for machines. */
  const refuse = (c: Context, e: unknown, machine: boolean, lang: Lang) => {
    c.header('vary', VARY);
    if (e instanceof LedgerError && !machine) return errorPage(c, e, lang);
    if (e instanceof LedgerError) {
      c.header('access-control-allow-origin', '*');
      return problemFromError(c, e);
    }
    throw e;
  };

  app.get('/01/*', async (c) => {
    const accept = c.req.header('accept');
    const linkTypeParam = c.req.query('linkType');
    const machine = prefersJson(accept) || prefersLinkset(accept) || wantsLinkset(linkTypeParam);
    const { lang, inQuery } = pageLang(c);
    let key: DigitalLinkKey;
    try {
      key = parseDigitalLinkPath(new URL(c.req.url).pathname);
    } catch (e) {
      return refuse(c, e, machine, lang);
    }
    const path = encodeDigitalLinkPath(key);
    // Policy: a batch's page and JSON view are cached per path, format, language, log size,
    // checkpoint and day, so any new entry or checkpoint makes a fresh one; they carry an ETag
    // for conditional requests. Serial pages count scans and are never cached. A cached view is
    // answered before the batch is looked up again: it was built from the batch, and the log has
    // not grown since (the size is in the key), so the batch is still there.
    const json = prefersJson(accept);
    const plain = key.serial === undefined && linkTypeParam === undefined && !prefersLinkset(accept);
    const cacheKey = plain
      ? `${json ? 'json' : 'html'}|${lang}|${inQuery}|${path}|${ledger.size()}|${ledger.latestCheckpoint()?.size ?? 0}|${dayInChina(clock.now())}`
      : undefined;
    const cached = cacheKey ? pageCache.get(cacheKey) : undefined;
    if (cached) {
      // The busiest answer of all (a page's every shopper), so it is made without c.header().
      deps.metrics?.pageViews.inc({ format: json ? 'json' : 'html' });
      const link = linksetLink(path);
      const headers: Record<string, string> = json
        ? { vary: VARY, etag: cached.etag, link, 'access-control-allow-origin': '*', 'content-type': 'application/json' }
        : { vary: VARY, etag: cached.etag, link, ...htmlHeaders(lang) };
      if (c.req.header('if-none-match') === cached.etag) return answer(null, 304, headers);
      return answer(cached.body, 200, headers);
    }
    c.header('vary', VARY);
    let batch: BatchRow;
    let serial: SerialCheck | undefined;
    try {
      // Only a shopper's view of the page counts as a scan of a serial, once per client per
      // window; machine reads (JSON, linksets, redirects) never do.
      const now = clock.now();
      const shopperView = !machine && linkTypeParam === undefined;
      const count = shopperView && key.serial !== undefined && scans.firstView(clientId(c), path, now);
      ({ batch, serial } = resolveItem(store, key, now, count));
    } catch (e) {
      return refuse(c, e, machine, lang);
    }
    /** Keeps a view's answer, encoded once: a cached answer is sent as bytes, as stored. */
    const remember = (body: string): string | Uint8Array<ArrayBuffer> => {
      if (!cacheKey) return body;
      // Its own exactly sized buffer (a small Buffer would be a slice of a shared pool).
      const bytes = new TextEncoder().encode(body);
      const etag = `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 22)}"`;
      if (pageCache.size >= PAGE_CACHE_SIZE) pageCache.delete(pageCache.keys().next().value!);
      pageCache.set(cacheKey, { body: bytes, etag });
      c.header('etag', etag);
      return bytes;
    };
    const view = store.snapshot(() => batchView(store, batch, clock.now()));
    const links = () => batchLinks(config.publicUrl, path, view);
    c.header('link', linksetLink(path));

    if (wantsLinkset(linkTypeParam) || (linkTypeParam === undefined && prefersLinkset(accept))) {
      c.header('access-control-allow-origin', '*');
      c.header('content-type', LINKSET_MEDIA_TYPE);
      return c.body(JSON.stringify(linksetDocument(`${config.publicUrl}${path}`, links())));
    }
    if (linkTypeParam !== undefined) {
      const target = selectLink(links(), parseLinkType(linkTypeParam), prefersJson(accept));
      c.header('access-control-allow-origin', '*');
      return c.redirect(target.href, 307);
    }
    if (prefersJson(accept)) {
      c.header('access-control-allow-origin', '*');
      deps.metrics?.pageViews.inc({ format: 'json' });
      if (serial) return c.json({ ...view, serial: { value: key.serial, genuine: true, issuedSeq: serial.issuedSeq, scans: serial.scans, firstScanAt: serial.firstScanAt } });
      c.header('content-type', 'application/json');
      const answer = remember(JSON.stringify(view));
      return typeof answer === 'string' ? c.body(answer) : c.body(answer); // (one body type per overload)
    }
    deps.metrics?.pageViews.inc({ format: 'html' });

    // The page is pinned to a checkpoint that covers every entry it shows; a fresh entry is
    // covered within the checkpoint interval, so wait that long rather than show it unproven.
    const entries = store.snapshot(() => pageEntries(store, view, serial?.issuedSeq));
    const last = entries.at(-1)?.seq ?? 0;
    const cp = await checkpointCovering(deps, last, 5_000);
    const assets = await pageAssets();
    const page = renderBatchPage(view, {
      lang,
      langInQuery: inQuery,
      path,
      today: dayInChina(clock.now()),
      cssUrl: assets.pageCssUrl,
      scriptUrl: cp ? assets.scriptUrl : undefined,
      log: {
        origin: ledger.origin,
        verifierKey: ledger.logVerifierKey,
        checkpoint: cp ? { size: cp.size, note: cp.note, signedAt: cp.signedAt } : { size: 0, note: '', signedAt: '' },
      },
      entries,
      serial: serial && {
        value: key.serial!,
        scans: serial.scans,
        firstScanAt: serial.firstScanAt,
        suspect: serial.scans > (config.serialWarnScans ?? 5),
      },
    });
    // Only a page pinned to a checkpoint that covers all it shows is worth keeping.
    return htmlResponse(c, cp && cp.size > last ? remember(page) : page, 200, lang);
  });

  // GS1 resolvers answer OPTIONS and allow cross-origin reads (GS1-Conformant Resolver Standard).
  app.options('/01/*', (c) => {
    c.header('allow', 'GET, HEAD, OPTIONS');
    c.header('access-control-allow-origin', '*');
    c.header('access-control-allow-methods', 'GET, HEAD, OPTIONS');
    c.header('access-control-allow-headers', 'accept, accept-language');
    c.header('access-control-expose-headers', 'link, location, content-language');
    c.header('access-control-max-age', '86400');
    return c.body(null, 204);
  });

  app.get('/v1/trace/01/*', (c) => {
    const key = parseDigitalLinkPath(new URL(c.req.url).pathname.slice('/v1/trace'.length));
    const { depth = 1000 } = parseParams(traceQuery, c.req.query());
    return c.json(store.snapshot(() => genealogyView(store, findBatch(store, key.gtin, key.lot), depth)));
  });

  app.get('/.well-known/gs1resolver', (c) => {
    c.header('access-control-allow-origin', '*');
    c.header('cache-control', 'public, max-age=3600');
    return c.json(resolverDescription(config.publicUrl, { origin: ledger.origin, verifierKey: ledger.logVerifierKey }));
  });

  // Browsers ask for an icon on every page; the answer is none, cached for a day.
  app.get('/favicon.ico', (c) => {
    c.header('cache-control', 'public, max-age=86400');
    return c.body(null, 204);
  });

  app.get(`${ASSET_PREFIX}:name`, async (c) => {
    const asset = (await pageAssets()).get(c.req.param('name'));
    if (!asset) throw new LedgerError('not_found', `no asset ${c.req.param('name')}`);
    c.header('content-type', asset.contentType);
    c.header('cache-control', 'public, max-age=31536000, immutable');
    c.header('x-content-type-options', 'nosniff');
    return c.body(Buffer.from(asset.body));
  });

  return app;
}
