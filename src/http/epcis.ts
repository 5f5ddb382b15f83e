// GET /v1/epcis/events: the ledger as a GS1 EPCIS 2.0 EPCISDocument (JSON-LD), for the whole log,
// one batch's genealogy or a time range, a page of entries at a time. When a page stops at the
// limit, a `Link: <…>; rel="next"` header names the next page (as the EPCIS 2.0 REST binding pages).
import { Hono } from 'hono';
import { LedgerError } from '../core/errors.ts';
import { parseBatchName } from '../core/gs1.ts';
import { epcisDocument, selectEntries } from '../ledger/epcis.ts';
import { findBatch } from '../ledger/views.ts';
import type { AppDeps } from './app.ts';
import { epcisQuery, parseParams } from './schemas.ts';

/** Policy: a page covers at most this many entries unless ?limit= asks for fewer (or up to 10,000). */
export const EPCIS_DEFAULT_LIMIT = 1000;

export function epcisRoutes({ ledger, clock, config }: AppDeps) {
  const app = new Hono();
  app.get('/v1/epcis/events', (c) => {
    const q = parseParams(epcisQuery, c.req.query());
    const store = ledger.store;
    let batch;
    if (q.batch !== undefined) {
      const k = parseBatchName(q.batch);
      if (!k) throw new LedgerError('invalid_request', 'batch must name a batch as 01/<gtin>/10/<lot>');
      batch = findBatch(store, k.gtin, k.lot);
    }
    const page = selectEntries(store, ledger.size(), {
      start: q.start ?? 0,
      limit: q.limit ?? EPCIS_DEFAULT_LIMIT,
      ...(batch ? { batch } : {}),
      ...(q.from !== undefined ? { fromMs: Date.parse(q.from) } : {}),
      ...(q.until !== undefined ? { untilMs: Date.parse(q.until) } : {}),
    });
    const doc = epcisDocument(store, config.publicUrl, page, clock.now());
    if (page.next !== undefined) {
      const next = new URLSearchParams(c.req.query());
      next.set('start', String(page.next));
      c.header('link', `</v1/epcis/events?${next}>; rel="next"`);
    }
    c.header('content-type', 'application/ld+json');
    c.header('access-control-allow-origin', '*');
    c.header('access-control-expose-headers', 'link');
    return c.body(JSON.stringify(doc));
  });
  return app;
}
