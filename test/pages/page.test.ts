// The verification page over app.request(): content, language, escaping, security headers,
// recall banners, error pages, the GS1 resolver behaviour and the pinned verification data.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64 } from '../../src/core/bytes.ts';
import { openCheckpoint } from '../../src/core/checkpoint.ts';
import { encodeDigitalLinkPath } from '../../src/core/gs1.ts';
import { parseVerifierKey } from '../../src/core/note.ts';
import { batchView, findBatch } from '../../src/ledger/views.ts';
import { VERIFY_DATA_ID, type VerifyData } from '../../src/pages/verify-data.ts';
import { seedDemo, type DemoBatch, type DemoInfo } from '../../scripts/demo-seed.ts';
import { batchBody, GTIN, makeHarness, type Harness } from '../support.ts';

const PUBLIC = 'https://lotproof.test';
let h: Harness;
let demo: DemoInfo;
const XSS = '<script>alert(1)</script>';

beforeAll(async () => {
  h = makeHarness();
  demo = await seedDemo(h.ledger, h.clock, h.operator.key);
  const farm = await h.register('evil-farm', 'producer', { name: `Evil <b>farm</b> ${XSS}` });
  await h.append(farm, 'batch.create', batchBody('XSS-1', {
    product: { name: XSS, category: '" onmouseover="alert(2)' },
    attributes: { note: '</script><script>alert(3)</script>', '<i>key</i>': 'v' },
    origin: { country: 'CN', region: "'><img src=x onerror=alert(4)>" },
  }));
  await h.append(farm, 'recall.issue', {
    id: 'R-XSS', batches: [`01/${GTIN}/10/XSS-1`], class: 'I', reason: `</script>${XSS}`, instructions: '<a href="javascript:alert(5)">x</a>',
  });
  await h.ledger.waitForCheckpoint(h.ledger.size() - 1);
});
afterAll(() => h.close());

const batch = (role: DemoBatch['role']) => demo.batches.find((b) => b.role === role)!;

async function get(path: string, headers: Record<string, string> = {}) {
  return h.app.request(path, { headers });
}

async function page(path: string, headers: Record<string, string> = {}) {
  const res = await get(path, headers);
  return { res, body: await res.text() };
}

function verifyData(body: string): VerifyData {
  const m = new RegExp(`<script type="application/json" id="${VERIFY_DATA_ID}">([^]*?)</script>`).exec(body);
  expect(m, 'the page carries its verification data').not.toBeNull();
  return JSON.parse(m![1]!) as VerifyData;
}

function expectSecurityHeaders(res: Response) {
  const csp = res.headers.get('content-security-policy')!;
  expect(csp).toContain("script-src 'self'");
  expect(csp).toContain("default-src 'none'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toContain('unsafe-inline');
  expect(csp).not.toContain('unsafe-eval');
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
}

/** Every <script> is either an external same-origin file or the non-executable JSON block. */
function expectNoInlineScript(body: string) {
  for (const tag of body.match(/<script\b[^>]*>/g) ?? []) {
    expect(tag).toMatch(/^<script (src="\/assets\/verify\.[0-9a-f]{16}\.js" defer|type="application\/json" id="lotproof-verify")>$/);
  }
  // No event handler or style attribute in any tag (text may mention them, escaped).
  for (const tag of body.match(/<[a-z][^>]*>/gi) ?? []) expect(tag).not.toMatch(/\s(on[a-z]+|style)=/i);
}

describe('the verification page', () => {
  it('shows product, batch, producer, lab reports, certificates, journey and inputs in Chinese by default', async () => {
    const { res, body } = await page(batch('rice').path);
    expect(res.status).toBe(200);
    expectSecurityHeaders(res);
    expectNoInlineScript(body);
    expect(res.headers.get('content-language')).toBe('zh-CN');
    expect(res.headers.get('vary')).toMatch(/accept-language/i);
    expect(body).toContain('<html lang="zh-CN">');
    expect(body).toContain('五常大米 稻花香 5kg');
    expect(body).toContain('DM2026-A07');
    expect(body).toContain('五常稻香米业有限公司');
    expect(body).toContain('保质期至');
    // Third-party reports come before self-tests, with the lab's accreditation and limits.
    expect(body.indexOf('第三方检测')).toBeLessThan(body.indexOf('企业自检'));
    expect(body).toContain('CNAS L10586');
    expect(body).toContain('GB 5009.15-2023');
    expect(body).toMatch(/<td>0\.2 mg\/kg<\/td>/);
    expect(body).toMatch(/href="\/v1\/documents\/[0-9a-f]{64}"/);
    // The journey: every handoff with its conditions and acknowledgement.
    expect(body).toContain('北方冷链物流有限公司 → 鲜丰超市（上海徐汇店）');
    expect(body).toContain('温度：15–20 °C');
    expect(body).toContain('包装完好，数量无误');
    // Made from the paddy, linked to its page.
    expect(body).toContain(`href="${batch('paddy').path}"`);
    expect(body).not.toContain('class="recall');
    expect(body).toContain('<dt>召回状态</dt><dd id="recall">无召回</dd>');
    expect(new TextEncoder().encode(body).length).toBeLessThan(100 * 1024);
  });

  it('links to each stored report document', async () => {
    const { body } = await page(batch('rice').path);
    const doc = /href="(\/v1\/documents\/[0-9a-f]{64})"/.exec(body)![1]!;
    const res = await get(doc);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
  });

  it('marks expired certificates, revoked reports and failed tests', async () => {
    const paddy = (await page(batch('paddy').path, { 'accept-language': 'en' })).body;
    expect(paddy).toMatch(/<span class="tag valid">Valid<\/span>/);
    expect(paddy).toMatch(/<span class="tag expired">Expired<\/span>/);
    const recalled = (await page(batch('paddy-recalled').path, { 'accept-language': 'en' })).body;
    expect(recalled).toMatch(/<article class="item revoked">/);
    expect(recalled).toContain('Reason for revocation');
    expect(recalled).toMatch(/<td class="fail">0\.28 mg\/kg<\/td>/);
    expect(recalled).toMatch(/<span class="tag fail">Fail<\/span>/);
  });

  it('pins the page to a signed checkpoint covering every entry it shows', async () => {
    const path = batch('rice').path;
    const { body } = await page(path);
    const data = verifyData(body);
    const key = parseVerifierKey(data.logKey);
    expect(data.logKey).toBe(h.ledger.logVerifierKey);
    const cp = openCheckpoint(data.checkpoint.note, data.origin, key.publicKey);
    expect(cp.size).toBe(data.checkpoint.size);
    const view = batchView(h.store, findBatch(h.store, batch('rice').gtin, batch('rice').lot), h.clock.now());
    const seqs = data.entries.map((e) => e.seq);
    for (const seq of view.entries) expect(seqs).toContain(seq);
    // The registrations of the actors it names are among them.
    expect(data.entries.filter((e) => e.type === 'actor.register').length).toBeGreaterThanOrEqual(5);
    for (const e of data.entries) {
      expect(e.seq).toBeLessThan(cp.size);
      expect(fromBase64(e.hash)).toEqual(h.store.entry(e.seq)!.hash);
      expect(body).toContain(`data-entry-seq="${e.seq}"`);
    }
    expect(body).toContain(`<code class="key">${h.ledger.logVerifierKey}</code>`);
  });

  it('serves JSON to clients that ask for it, as before', async () => {
    const res = await get(batch('rice').path, { accept: 'application/json' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const view = (await res.json()) as { batch: { lot: string }; labReports: unknown[] };
    expect(view.batch.lot).toBe('DM2026-A07');
    expect(view.labReports).toHaveLength(2);
    // A browser's Accept and a bare */* get the page.
    expect((await get(batch('rice').path, { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' })).headers.get('content-type')).toMatch(/^text\/html/);
    expect((await get(batch('rice').path, { accept: '*/*' })).headers.get('content-type')).toMatch(/^text\/html/);
  });
});

describe('language', () => {
  const path = () => batch('rice').path;
  const cases: [string, Record<string, string>, string][] = [
    ['no Accept-Language', {}, 'zh-CN'],
    ['English', { 'accept-language': 'en-US,en;q=0.9' }, 'en'],
    ['Chinese', { 'accept-language': 'zh-CN,zh;q=0.9,en;q=0.8' }, 'zh-CN'],
    ['traditional Chinese gets the Chinese page', { 'accept-language': 'zh-TW' }, 'zh-CN'],
    ['the best supported language by quality', { 'accept-language': 'fr-FR, de;q=0.9, en;q=0.5, zh;q=0.4' }, 'en'],
    ['an unsupported language only', { 'accept-language': 'fr' }, 'zh-CN'],
    ['a wildcard', { 'accept-language': '*' }, 'zh-CN'],
  ];
  for (const [name, headers, lang] of cases) {
    it(name, async () => {
      const { res, body } = await page(path(), headers);
      expect(body).toContain(`<html lang="${lang}">`);
      expect(res.headers.get('content-language')).toBe(lang);
      expect(body).toContain(lang === 'en' ? 'Lab reports' : '检测报告');
    });
  }

  it('?lang= overrides Accept-Language, and the switch links to the other language', async () => {
    const en = (await page(`${path()}?lang=en`, { 'accept-language': 'zh-CN' })).body;
    expect(en).toContain('<html lang="en">');
    expect(en).toContain('Wuchang rice, Daohuaxiang, 5 kg');
    expect(en).toContain('Wuchang Daoxiang Rice Milling Co., Ltd.');
    expect(en).toContain('<a href="?lang=zh-CN" hreflang="zh-CN" lang="zh-CN">中文</a>');
    // A chosen language carries over to linked batch pages.
    expect(en).toContain(`href="${batch('paddy').path}?lang=en"`);
    const zh = (await page(`${path()}?lang=zh-CN`, { 'accept-language': 'en' })).body;
    expect(zh).toContain('<html lang="zh-CN">');
    expect(zh).toContain('<a href="?lang=en" hreflang="en" lang="en">English</a>');
  });
});

describe('escaping', () => {
  const path = `/01/${GTIN}/10/XSS-1`;

  it('shows ledger text as text, never as markup', async () => {
    const { res, body } = await page(path);
    expect(res.status).toBe(200);
    expectSecurityHeaders(res);
    expectNoInlineScript(body);
    expect(body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(body).not.toContain('<script>alert');
    expect(body).toContain('&quot; onmouseover=&quot;alert(2)');
    expect(body).toContain('&lt;/script&gt;&lt;script&gt;alert(3)');
    expect(body).toContain('&#39;&gt;&lt;img src=x onerror=alert(4)&gt;');
    expect(body).toContain('&lt;a href=&quot;javascript:alert(5)&quot;&gt;');
    expect(body).toContain('Evil &lt;b&gt;farm&lt;/b&gt;');
    expect(body).not.toMatch(/<img|<b>|<i>|<a href="javascript/);
  });

  it('keeps the JSON data block closed however the ledger text reads', async () => {
    const { body } = await page(path);
    const block = new RegExp(`<script type="application/json" id="${VERIFY_DATA_ID}">([^]*?)</script>`).exec(body)![1]!;
    expect(block).not.toMatch(/[<>]/);
    expect(() => JSON.parse(block)).not.toThrow();
    // Exactly two script elements: the verifier and the data block.
    expect(body.match(/<script\b/g)).toHaveLength(2);
  });
});

describe('recalls', () => {
  it('puts a red banner at the very top of a recalled batch, in the shopper\'s language', async () => {
    const { body } = await page(batch('paddy-recalled').path);
    const bodyStart = body.indexOf('<body');
    const banner = body.indexOf('<div class="recall" role="alert">');
    expect(banner).toBeGreaterThan(bodyStart);
    expect(body.slice(body.indexOf('>', bodyStart) + 1, banner).trim()).toBe('<div id="recall">');
    expect(body).toContain('本批次产品已被召回');
    expect(body).toContain('二级召回');
    expect(body).toContain('镉含量 0.28 mg/kg');
    expect(body).toContain('请停止食用。凭购物小票');
    expect(body).toContain('<title>⚠ 本批次产品已被召回');
    const en = (await page(batch('paddy-recalled').path, { 'accept-language': 'en' })).body;
    expect(en).toContain('This batch has been recalled');
    expect(en).toContain('Class II');
    expect(en).toContain('A third-party test found cadmium at 0.28 mg/kg');
    expect(en).toContain('Stop eating it.');
  });

  it('shows the recall of an input on every batch made from it, linking the recalled batch', async () => {
    const { body } = await page(batch('rice-from-recalled').path);
    expect(body).toContain('<div class="recall" role="alert">');
    expect(body).toContain('本产品所用的原料批次已被召回');
    expect(body).toContain(`<a href="${batch('paddy-recalled').path}">${batch('paddy-recalled').name}</a>`);
    expect(body.indexOf('class="recall"')).toBeLessThan(body.indexOf('<main>'));
    const en = (await page(batch('rice-from-recalled').path, { 'accept-language': 'en' })).body;
    expect(en).toContain('A batch this product was made from has been recalled');
  });

  it('shows a closed recall as closed, not as a warning', async () => {
    const farm = await h.register('closing-farm', 'producer');
    await h.append(farm, 'batch.create', batchBody('CL-1'));
    await h.append(farm, 'recall.issue', { id: 'RC-CL', batches: [`01/${GTIN}/10/CL-1`], class: 'III', reason: 'Label misprint', instructions: 'None needed' });
    const open = (await page(`/01/${GTIN}/10/CL-1`, { 'accept-language': 'en' })).body;
    expect(open).toContain('<div class="recall" role="alert">');
    expect(open).toContain('Class III');
    await h.append(farm, 'recall.close', { recall: 'closing-farm/RC-CL', note: 'All labels replaced' });
    const closed = (await page(`/01/${GTIN}/10/CL-1`, { 'accept-language': 'en' })).body;
    expect(closed).not.toContain('role="alert"');
    expect(closed).toContain('<div class="recall closed" role="note">');
    expect(closed).toContain('Recall closed');
    expect(closed).toContain('All labels replaced');
    expect(closed).not.toContain('<title>⚠');
  });
});

describe('unknown and malformed codes', () => {
  it('answers 404 for an unknown batch, in the shopper\'s language', async () => {
    const zh = await page(`/01/${GTIN}/10/NOPE-1`);
    expect(zh.res.status).toBe(404);
    expectSecurityHeaders(zh.res);
    expect(zh.body).toContain('<html lang="zh-CN">');
    expect(zh.body).toContain('未找到该产品');
    const en = await page(`/01/${GTIN}/10/NOPE-1`, { 'accept-language': 'en-GB' });
    expect(en.res.status).toBe(404);
    expect(en.body).toContain('<html lang="en">');
    expect(en.body).toContain('Product not found');
  });

  it('answers 404 "unknown serial" for any AI 21 serial, for now', async () => {
    const { res, body } = await page(`${batch('rice').path}/21/ABC123`, { 'accept-language': 'en' });
    expect(res.status).toBe(404);
    expect(body).toContain('no record of this serial number');
    const json = await get(`${batch('rice').path}/21/ABC123`, { accept: 'application/json' });
    expect(json.status).toBe(404);
    const p = (await json.json()) as { code: string; detail: string };
    expect(p.code).toBe('not_found');
    expect(p.detail).toMatch(/unknown serial/);
  });

  const malformed: [string, string, string][] = [
    ['a GTIN with a wrong check digit', `/01/09506000134353/10/X1`, 'invalid_gtin'],
    ['a GTIN of the wrong length', `/01/123456789/10/X1`, 'invalid_gtin'],
    ['a lot outside the character set', `/01/${GTIN}/10/a%20b`, 'invalid_lot'],
    ['a lot that is too long', `/01/${GTIN}/10/${'L'.repeat(21)}`, 'invalid_lot'],
    ['qualifiers in the wrong order', `/01/${GTIN}/21/S1/10/X1`, 'invalid_digital_link'],
    ['no lot', `/01/${GTIN}`, 'invalid_digital_link'],
    ['a trailing slash', `/01/${GTIN}/10/X1/`, 'invalid_digital_link'],
    ['a bad percent escape', `/01/${GTIN}/10/X%2`, 'invalid_digital_link'],
    ['an unknown qualifier', `/01/${GTIN}/10/X1/99/Z`, 'invalid_digital_link'],
  ];
  for (const [name, path, code] of malformed) {
    it(`answers 400 for ${name}`, async () => {
      const html = await page(path);
      expect(html.res.status).toBe(400);
      expectSecurityHeaders(html.res);
      expect(html.body).toContain('无法识别的二维码链接');
      const en = await page(path, { 'accept-language': 'en' });
      expect(en.res.status).toBe(400);
      expect(en.body).toContain('Unrecognised QR link');
      const json = await get(path, { accept: 'application/json' });
      expect(json.status).toBe(400);
      expect(json.headers.get('content-type')).toBe('application/problem+json');
      expect(((await json.json()) as { code: string }).code).toBe(code);
    });
  }

  it('never answers 5xx, whatever the path, language or Accept', async () => {
    const segment = fc.oneof(
      fc.constantFrom('01', '10', '21', '22', '235', GTIN, GTIN.slice(1), 'XSS-1', 'DM2026-A07', '%', '%2F', '%zz', '%00', '%C3%A9', '..', '.', ''),
      fc.string({ maxLength: 24 }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(segment, { maxLength: 7 }),
        fc.constantFrom('', 'application/json', 'application/linkset+json', 'text/html', '*/*;q=0.1, application/json;q=oops'),
        fc.constantFrom('', 'en', 'zh-CN', 'xx;q=2', ';;,'),
        fc.constantFrom('', '?lang=en', '?linkType=gs1:pip', '?linkType=linkset', '?lang=%FF', '?linkType='),
        async (segments, accept, language, query) => {
          let url: URL;
          try {
            url = new URL(`http://lotproof.test/01/${segments.join('/')}${query}`);
          } catch {
            return;
          }
          const headers: Record<string, string> = {};
          if (accept) headers.accept = accept;
          if (language) headers['accept-language'] = language;
          const res = await h.app.request(url.pathname + url.search, { headers });
          expect([200, 307, 400, 404], `${url.pathname}${url.search}`).toContain(res.status);
          await res.arrayBuffer();
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never echoes the request path into a link', async () => {
    const { res, body } = await page('/01/%2F%2Fevil.example/10/x', { 'accept-language': 'en' });
    expect(res.status).toBe(400);
    expect(body).not.toContain('evil.example/');
    expect(body).toContain('href="?lang=zh-CN"');
  });
});

describe('Digital Link forms that name the same batch', () => {
  it('a GTIN-13 (zero-suppressed) and lower-case or raw escapes resolve to the canonical batch', async () => {
    await h.append(await h.register('dl-farm', 'producer'), 'batch.create', batchBody('A/B+C'));
    for (const path of [`/01/${GTIN}/10/A%2FB%2BC`, `/01/${GTIN.slice(1)}/10/A%2fB+C`, `/01/${GTIN}/10/A%2FB+C`]) {
      const res = await get(path, { accept: 'application/json' });
      expect(res.status, path).toBe(200);
      expect(((await res.json()) as { batch: { lot: string } }).batch.lot).toBe('A/B+C');
    }
    // The page's own links and linkset name the canonical path.
    const { body } = await page(`/01/${GTIN.slice(1)}/10/A%2fB+C`);
    expect(body).toContain(`href="/01/${GTIN}/10/A%2FB%2BC?linkType=linkset"`);
  });
});

describe('GS1 resolver behaviour', () => {
  const path = () => batch('rice').path;

  it('answers an RFC 9264 linkset for ?linkType=linkset, linkType=all and Accept: application/linkset+json', async () => {
    for (const [query, headers] of [
      ['?linkType=linkset', {}],
      ['?linkType=all', {}],
      ['', { accept: 'application/linkset+json' }],
    ] as const) {
      const res = await get(`${path()}${query}`, headers);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/linkset+json');
      const doc = (await res.json()) as { linkset: Record<string, any>[] };
      const ctx = doc.linkset[0]!;
      expect(ctx.anchor).toBe(`${PUBLIC}${path()}`);
      expect(ctx['https://gs1.org/voc/pip'][0]).toMatchObject({ href: `${PUBLIC}${path()}`, type: 'text/html' });
      expect(ctx['https://gs1.org/voc/certificationInfo'][0].href).toBe(`${PUBLIC}${path()}#certificates`);
      expect(ctx['https://gs1.org/voc/traceability'].map((l: any) => l.href)).toContain(`${PUBLIC}/v1/trace${path()}`);
      expect(ctx['https://gs1.org/voc/recallStatus'][0].title).toMatch(/not recalled/);
      expect(ctx['https://gs1.org/voc/defaultLink']).toHaveLength(1);
    }
    const recalled = (await (await get(`${batch('paddy-recalled').path}?linkType=linkset`)).json()) as { linkset: any[] };
    expect(recalled.linkset[0]['https://gs1.org/voc/recallStatus'][0].title).toMatch(/: recalled/);
  });

  it('redirects ?linkType=<type> with 307 to the matching resource', async () => {
    const cert = await get(`${path()}?linkType=gs1:certificationInfo`);
    expect(cert.status).toBe(307);
    expect(cert.headers.get('location')).toBe(`${PUBLIC}${path()}#certificates`);
    const full = await get(`${path()}?linkType=${encodeURIComponent('https://gs1.org/voc/recallStatus')}`);
    expect(full.headers.get('location')).toBe(`${PUBLIC}${path()}#recall`);
    const trace = await get(`${path()}?linkType=gs1:traceability`, { accept: 'application/json' });
    expect(trace.status).toBe(307);
    expect(trace.headers.get('location')).toBe(`${PUBLIC}/v1/trace${path()}`);
    const unknown = await get(`${path()}?linkType=gs1:recipeInfo`);
    expect(unknown.status).toBe(307);
    expect(unknown.headers.get('location')).toBe(`${PUBLIC}${path()}`);
    // The page advertises its linkset.
    const pageRes = await get(path());
    expect(pageRes.headers.get('link')).toBe(`<${PUBLIC}${path()}?linkType=linkset>; rel="linkset"; type="application/linkset+json"`);
  });

  it('answers OPTIONS and HEAD, and allows cross-origin reads of its data', async () => {
    const opts = await h.app.request(path(), { method: 'OPTIONS' });
    expect(opts.status).toBe(204);
    expect(opts.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    expect(opts.headers.get('access-control-allow-origin')).toBe('*');
    const head = await h.app.request(path(), { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-security-policy')).toContain("script-src 'self'");
    const json = await get(path(), { accept: 'application/json' });
    expect(json.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('describes itself at /.well-known/gs1resolver', async () => {
    const res = await get('/.well-known/gs1resolver');
    expect(res.status).toBe(200);
    const d = (await res.json()) as any;
    expect(d.resolverRoot).toBe(PUBLIC);
    expect(d.supportedPrimaryKeys).toEqual(['01']);
    expect(d.supportedLinkType[0]).toEqual({ namespace: 'https://gs1.org/voc/', prefix: 'gs1:' });
    expect(d.lotproof.log.key).toBe(h.ledger.logVerifierKey);
  });

  it('keeps unknown batches a problem for machine clients', async () => {
    const res = await get(`/01/${GTIN}/10/NOPE-1?linkType=linkset`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });
});

describe('assets', () => {
  it('serves the stylesheet and the verifier under content-hashed names, cacheable for a year', async () => {
    const { body } = await page(batch('rice').path);
    const css = /<link rel="stylesheet" href="(\/assets\/page\.[0-9a-f]{16}\.css)">/.exec(body)![1]!;
    const js = /<script src="(\/assets\/verify\.[0-9a-f]{16}\.js)" defer>/.exec(body)![1]!;
    for (const [url, type] of [[css, 'text/css; charset=utf-8'], [js, 'text/javascript; charset=utf-8']] as const) {
      const res = await get(url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(type);
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      const bytes = new Uint8Array(await res.arrayBuffer());
      const { createHash } = await import('node:crypto');
      expect(url).toContain(createHash('sha256').update(bytes).digest('hex').slice(0, 16));
    }
    expect((await get('/assets/verify.0000000000000000.js')).status).toBe(404);
  });
});
