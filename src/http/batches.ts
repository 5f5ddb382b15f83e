// The batch at its GS1 Digital Link path (lotproof SPEC §5), and its genealogy for recall scope.
import { Hono } from 'hono';
import { parseDigitalLinkPath } from '../core/gs1.ts';
import { batchView, findBatch, genealogyView } from '../ledger/views.ts';
import { intParam, type AppDeps } from './app.ts';

export function batchRoutes({ ledger, clock }: AppDeps) {
  const app = new Hono();
  const store = ledger.store;

  app.get('/01/*', (c) => {
    const key = parseDigitalLinkPath(new URL(c.req.url).pathname);
    const batch = findBatch(store, key.gtin, key.lot);
    const view = batchView(store, batch, clock.now());
    c.header('vary', 'accept');
    return c.json(view);
  });

  app.get('/v1/trace/01/*', (c) => {
    const key = parseDigitalLinkPath(new URL(c.req.url).pathname.slice('/v1/trace'.length));
    const depth = intParam(c.req.query('depth'), 'depth', 1000);
    return c.json(genealogyView(store, findBatch(store, key.gtin, key.lot), depth));
  });

  return app;
}
