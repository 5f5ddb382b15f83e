// QR codes and label sheets: every PNG is read back with a real decoder (zbarimg) and must
// carry exactly the page's Digital Link URI, including lots that need percent-encoding.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeDigitalLinkPath } from '../../src/core/gs1.ts';
import { qrMatrix } from '../../src/pages/qr.ts';
import { batchBody, GTIN, makeHarness, type Harness } from '../support.ts';
import { decodeQr, hasZbar } from './helpers.ts';

const PUBLIC = 'https://lotproof.test';
// Lots over the GS1 82-character set that a Digital Link path must percent-encode.
const LOTS = ['DM2026-A07', 'A/B%C+D', `x"y'z(1)*`, 'a:b;c<d=e>f?&,!', '..a.b_c'];

let h: Harness;
beforeAll(async () => {
  h = makeHarness();
  const farm = await h.register('farm', 'producer');
  for (const lot of LOTS) await h.append(farm, 'batch.create', batchBody(lot));
});
afterAll(() => h.close());

async function get(path: string, headers: Record<string, string> = {}) {
  return h.app.request(path, { headers });
}

function pngSize(png: Uint8Array): { width: number; height: number } {
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: dv.getUint32(16), height: dv.getUint32(20) };
}

async function expectProblem(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  expect(((await res.json()) as { code: string }).code).toBe(code);
}

describe.skipIf(!hasZbar)('QR codes decode to the page URL', () => {
  for (const lot of LOTS) {
    it(`lot ${JSON.stringify(lot)}`, async () => {
      const path = encodeDigitalLinkPath({ gtin: GTIN, lot });
      const res = await get(`/qr${path}.png`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/png');
      const text = decodeQr(new Uint8Array(await res.arrayBuffer()));
      expect(text).toBe(`${PUBLIC}${path}`);
      // The decoded URI is the batch's page: the same server resolves it to this lot.
      const page = await get(new URL(text).pathname, { accept: 'application/json' });
      expect(page.status).toBe(200);
      expect(((await page.json()) as { batch: { lot: string } }).batch.lot).toBe(lot);
    });
  }

  it('writes the canonical URI: a GTIN-13 becomes 14 digits, a raw sub-delimiter is encoded', async () => {
    const res = await get(`/qr/01/${GTIN.slice(1)}/10/A%2fB%25C+D.png`);
    expect(decodeQr(new Uint8Array(await res.arrayBuffer()))).toBe(`${PUBLIC}/01/${GTIN}/10/A%2FB%25C%2BD`);
  });

  it('carries a serial (AI 21) when the path has one', async () => {
    const res = await get(`/qr/01/${GTIN}/10/DM2026-A07/21/SN%2F0001.png?ec=H&size=6x`);
    expect(decodeQr(new Uint8Array(await res.arrayBuffer()))).toBe(`${PUBLIC}/01/${GTIN}/10/DM2026-A07/21/SN%2F0001`);
  });

  for (const ec of ['L', 'M', 'Q', 'H']) {
    it(`decodes at error correction level ${ec} with a 2-module quiet zone`, async () => {
      const res = await get(`/qr/01/${GTIN}/10/A%2FB%25C%2BD.png?ec=${ec}&margin=2`);
      expect(decodeQr(new Uint8Array(await res.arrayBuffer()))).toBe(`${PUBLIC}/01/${GTIN}/10/A%2FB%25C%2BD`);
    });
  }
});

describe('QR options', () => {
  const path = `/qr/01/${GTIN}/10/DM2026-A07`;
  const modules = (ec: 'L' | 'M' | 'Q' | 'H') => qrMatrix(`${PUBLIC}/01/${GTIN}/10/DM2026-A07`, ec).size;

  it('size in pixels gives exactly that width', async () => {
    const png = new Uint8Array(await (await get(`${path}.png?size=300`)).arrayBuffer());
    expect(pngSize(png)).toEqual({ width: 300, height: 300 });
    const svg = await (await get(`${path}.svg?size=300px`)).text();
    expect(svg).toMatch(/^<svg [^>]*width="300" height="300"/);
  });

  it('size in pixels per module and the margin in modules', async () => {
    const n = modules('M');
    const png = new Uint8Array(await (await get(`${path}.png?size=5x&margin=1`)).arrayBuffer());
    expect(pngSize(png).width).toBe((n + 2) * 5);
    const svg = await (await get(`${path}.svg?margin=0`)).text();
    expect(svg).toContain(`viewBox="0 0 ${n} ${n}"`);
  });

  it('defaults to level M and a 4-module quiet zone; higher levels need more modules', async () => {
    const svg = await (await get(`${path}.svg`)).text();
    expect(svg).toContain(`viewBox="0 0 ${modules('M') + 8} ${modules('M') + 8}"`);
    expect(modules('H')).toBeGreaterThan(modules('L'));
    const h = await (await get(`${path}.svg?ec=h`)).text();
    expect(h).toContain(`viewBox="0 0 ${modules('H') + 8} `);
  });

  it('SVG is served as an image with a restrictive CSP', async () => {
    const res = await get(`${path}.svg`);
    expect(res.headers.get('content-type')).toBe('image/svg+xml');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
  });

  const bad: [string, string][] = [
    ['size=abc', 'invalid_request'],
    ['size=0', 'invalid_request'],
    ['size=5000', 'invalid_request'],
    ['size=10', 'invalid_request'],
    ['size=101x', 'invalid_request'],
    ['size=-5', 'invalid_request'],
    ['ec=X', 'invalid_request'],
    ['ec=', 'invalid_request'],
    ['margin=-1', 'invalid_request'],
    ['margin=17', 'invalid_request'],
    ['margin=1.5', 'invalid_request'],
  ];
  for (const [query, code] of bad) {
    it(`refuses ?${query}`, async () => {
      await expectProblem(await get(`${path}.png?${query}`), 400, code);
    });
  }

  it('refuses malformed Digital Links with the parser codes', async () => {
    await expectProblem(await get(`/qr/01/09506000134353/10/X.png`), 400, 'invalid_gtin');
    await expectProblem(await get(`/qr/01/${GTIN}/10/a%20b.png`), 400, 'invalid_lot');
    await expectProblem(await get(`/qr/01/${GTIN}/21/S/10/L.svg`), 400, 'invalid_digital_link');
    await expectProblem(await get(`/qr/01/${GTIN}/10/X.gif`), 404, 'not_found');
  });
});

describe('label sheets', () => {
  const path = encodeDigitalLinkPath({ gtin: GTIN, lot: 'a:b;c<d=e>f?&,!' });

  it('prints count labels of one format, each with the code and the readable GTIN and lot', async () => {
    const res = await get(`/labels${path}?format=a4-65&count=7`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    const page = await res.text();
    expect(page.match(/<div class="label">/g)).toHaveLength(7);
    expect(page.match(/<symbol /g)).toHaveLength(1);
    expect(page).toContain(`(01) ${GTIN}`);
    // The lot is shown as it is, escaped; never as markup.
    expect(page).toContain('(10) a:b;c&lt;d=e&gt;f?&amp;,!');
    expect(page).not.toContain('c<d');
    expect(page).toContain('class="sheet fmt-a4-65"');
    expect(page).not.toMatch(/<style|style="/);
    const css = /<link rel="stylesheet" href="([^"]+)">/.exec(page)![1]!;
    const cssRes = await get(css);
    expect(cssRes.status).toBe(200);
    const text = await cssRes.text();
    expect(text).toContain('@page a4-65{size:210mm 297mm;margin:0}');
    expect(text).toContain('@page roll-50x30{size:50mm 30mm;margin:0}');
  });

  it('defaults to one full A4 sheet of 24 and splits longer runs into sheets', async () => {
    const one = await (await get(`/labels${path}`)).text();
    expect(one.match(/<div class="label">/g)).toHaveLength(24);
    const many = await (await get(`/labels${path}?count=50`)).text();
    expect(many.match(/<section class="sheet/g)).toHaveLength(3);
  });

  it('shows the product name of a logged batch, in the shopper\'s language', async () => {
    const page = await (await get(`/labels/01/${GTIN}/10/DM2026-A07?format=roll-50x30&count=2`)).text();
    expect(page).toContain('<span class="name">Organic wheat</span>');
    expect(page.match(/<section class="sheet fmt-roll-50x30">/g)).toHaveLength(2);
  });

  it('refuses unknown formats and bad counts', async () => {
    await expectProblem(await get(`/labels${path}?format=a3-99`), 400, 'invalid_request');
    await expectProblem(await get(`/labels${path}?count=0`), 400, 'invalid_request');
    await expectProblem(await get(`/labels${path}?count=1001`), 400, 'invalid_request');
    await expectProblem(await get(`/labels/01/${GTIN}/10/a%20b`), 400, 'invalid_lot');
  });
});
