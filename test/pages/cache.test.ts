// Pages and JSON views are cached per log size and checkpoint, answer conditional requests with
// 304, and change as soon as the log does.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { batchBody, GTIN, makeHarness, type Actor, type Harness } from '../support.ts';

let h: Harness;
let farm: Actor;
beforeEach(async () => {
  h = makeHarness();
  farm = await h.register('farm', 'producer');
  await h.append(farm, 'batch.create', batchBody('C1'));
  await h.ledger.waitForCheckpoint(h.ledger.size() - 1);
});
afterEach(() => h.close());

const path = `/01/${GTIN}/10/C1`;

describe('page cache', () => {
  for (const accept of ['text/html', 'application/json']) {
    it(`serves ${accept} with an ETag, 304 when unchanged, and a new one when the log grows`, async () => {
      const a = await h.app.request(path, { headers: { accept } });
      expect(a.status).toBe(200);
      const etag = a.headers.get('etag');
      expect(etag).toMatch(/^"[A-Za-z0-9_-]{22}"$/);
      const body = await a.text();
      const b = await h.app.request(path, { headers: { accept } });
      expect(b.headers.get('etag')).toBe(etag);
      expect(await b.text()).toBe(body);
      // The cached answer carries the same headers as the first (security headers, vary, CORS).
      const headers = (r: Response) => [...r.headers].filter(([k]) => k !== 'x-request-id');
      expect(headers(b)).toEqual(headers(a));
      expect(a.headers.get('vary')).toBe('accept, accept-language');
      const c = await h.app.request(path, { headers: { accept, 'if-none-match': etag! } });
      expect(c.status).toBe(304);
      expect(c.headers.get('etag')).toBe(etag);
      expect(c.headers.get('vary')).toBe('accept, accept-language');
      // A recall changes what the shopper must see, at once.
      await h.append(farm, 'recall.issue', { id: 'R1', batches: [path.slice(1)], class: 'I', reason: 'glass fragments', instructions: 'do not eat' });
      await h.ledger.waitForCheckpoint(h.ledger.size() - 1);
      const d = await h.app.request(path, { headers: { accept, 'if-none-match': etag! } });
      expect(d.status).toBe(200);
      expect(d.headers.get('etag')).not.toBe(etag);
      expect(await d.text()).toContain('glass fragments');
    });
  }
});
