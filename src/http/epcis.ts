// GET /v1/epcis/events: the ledger as a GS1 EPCIS 2.0 EPCISDocument (JSON-LD), for the whole log,
// a range of entries, one batch's genealogy or a time range.
import { Hono } from 'hono';
import { LedgerError } from '../core/errors.ts';
import { batchName, parseBatchName } from '../core/gs1.ts';
import { epcisDocument } from '../ledger/epcis.ts';
import { findBatch, traceBatches } from '../ledger/views.ts';
import type { AppDeps } from './app.ts';
import { epcisQuery, parseParams } from './schemas.ts';

export function epcisRoutes({ ledger, clock, config }: AppDeps) {
  const app = new Hono();
  app.get('/v1/epcis/events', (c) => {
    const q = parseParams(epcisQuery, c.req.query());
    let batchNames: Set<string> | undefined;
    if (q.batch !== undefined) {
      const k = parseBatchName(q.batch);
      if (!k) throw new LedgerError('invalid_request', 'batch must name a batch as 01/<gtin>/10/<lot>');
      const store = ledger.store;
      const b = findBatch(store, k.gtin, k.lot);
      batchNames = new Set([batchName(b.gtin, b.lot)]);
      for (const dir of ['up', 'down'] as const) {
        for (const id of traceBatches(store, b, dir).rows) {
          const r = store.batchById(id)!;
          batchNames.add(batchName(r.gtin, r.lot));
        }
      }
    }
    const start = q.start ?? 0;
    const end = Math.min(ledger.size(), start + (q.limit ?? 10_000));
    const doc = epcisDocument(
      ledger.store,
      { publicUrl: config.publicUrl, start, end, ...(batchNames ? { batchNames } : {}), ...(q.from ? { from: q.from } : {}), ...(q.until ? { until: q.until } : {}) },
      clock.now(),
    );
    c.header('content-type', 'application/ld+json');
    c.header('access-control-allow-origin', '*');
    return c.body(JSON.stringify(doc));
  });
  return app;
}
