// QR codes and printable label sheets for Digital Link URIs (lotproof SPEC §5):
// `/qr/01/{gtin}/10/{lot}[/21/{serial}].svg|.png` and `/labels/01/{gtin}/10/{lot}`. The code's
// content is always `<LOTPROOF_PUBLIC_URL>` and the canonical path `encodeDigitalLinkPath` writes.
import { Hono } from 'hono';
import { LedgerError } from '../core/errors.ts';
import { encodeDigitalLinkPath, parseDigitalLinkPath, type DigitalLinkKey } from '../core/gs1.ts';
import { readEntry } from '../ledger/views.ts';
import { pageAssets } from '../pages/assets.ts';
import { localized } from '../pages/i18n.ts';
import { labelCount, labelFormat, renderLabelSheet, type LabelItem } from '../pages/labels.ts';
import { parseQrOptions, qrPng, qrSvg } from '../pages/qr.ts';
import type { AppDeps } from './app.ts';
import { htmlResponse, pageLang } from './batches.ts';

/** The GS1 Digital Link URI a QR code or label carries. */
export function digitalLinkUri(publicUrl: string, key: DigitalLinkKey): string {
  return `${publicUrl}${encodeDigitalLinkPath(key)}`;
}

export function qrRoutes({ ledger, config }: AppDeps) {
  const app = new Hono();
  const store = ledger.store;

  /**
   * Policy: codes are drawn for any well-formed Digital Link, logged or not, so labels can be
   * printed before a batch is recorded; a code carries nothing but its own URI.
   */
  app.get('/qr/*', (c) => {
    const raw = new URL(c.req.url).pathname.slice('/qr'.length);
    const m = /^(.*)\.(svg|png)$/.exec(raw);
    if (!m) throw new LedgerError('not_found', 'QR codes are at /qr/01/{gtin}/10/{lot}[/21/{serial}].svg or .png');
    const key = parseDigitalLinkPath(m[1]!);
    const opts = parseQrOptions({ ec: c.req.query('ec'), margin: c.req.query('margin'), size: c.req.query('size') });
    const uri = digitalLinkUri(config.publicUrl, key);
    c.header('cache-control', 'public, max-age=86400');
    c.header('x-content-type-options', 'nosniff');
    c.header('access-control-allow-origin', '*');
    if (m[2] === 'svg') {
      c.header('content-type', 'image/svg+xml');
      c.header('content-security-policy', "default-src 'none'; frame-ancestors 'self'");
      return c.body(qrSvg(uri, opts));
    }
    c.header('content-type', 'image/png');
    return c.body(Buffer.from(qrPng(uri, opts)));
  });

  app.get('/labels/01/*', async (c) => {
    const key = parseDigitalLinkPath(new URL(c.req.url).pathname.slice('/labels'.length));
    const format = labelFormat(c.req.query('format'));
    const count = labelCount(c.req.query('count'), format);
    const qr = parseQrOptions({ ec: c.req.query('ec'), margin: c.req.query('margin') });
    const { lang } = pageLang(c);
    const batch = store.batchByKey(key.gtin, key.lot);
    let productName: string | undefined;
    if (batch) {
      const st = readEntry(store, batch.seq).statement;
      const body = st.body as { product?: unknown; outputs?: { gtin: string; lot: string; product?: unknown }[] };
      const product = st.type === 'batch.transform' ? body.outputs?.find((o) => o.gtin === key.gtin && o.lot === key.lot)?.product : body.product;
      const name = localized(product, 'name', lang);
      if (typeof name === 'string') productName = name;
    }
    const item: LabelItem = { uri: digitalLinkUri(config.publicUrl, key), gtin: key.gtin, lot: key.lot };
    if (key.serial !== undefined) item.serial = key.serial;
    const assets = await pageAssets();
    const page = renderLabelSheet({
      lang,
      format,
      ec: qr.ec,
      margin: qr.margin,
      productName,
      cssHref: assets.labelsCssUrl,
      items: Array.from({ length: count }, () => item),
    });
    c.header('vary', 'accept-language');
    return htmlResponse(c, page, 200, lang);
  });

  return app;
}
