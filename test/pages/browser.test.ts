// The verification page in headless Chromium at phone size, against a real listening service:
// the in-browser check reaches `verified` on honest data and `failed` when any entry, proof or
// checkpoint byte is altered in transit. Also decodes the SVG QR code and a printed label.
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page, Route } from 'playwright-core';
import { decodeQr, hasChromium, hasZbar, launchChromium, startDemoService, type DemoService } from './helpers.ts';

const PHONE = { viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
const ARTIFACTS = 'test-artifacts';

describe.skipIf(!hasChromium)('the page in a phone browser', () => {
  let svc: DemoService;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    [svc, browser] = await Promise.all([startDemoService(), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await svc?.close();
  });

  const path = (role: string) => svc.info.batches.find((b) => b.role === role)!.path;

  async function open(p: string, opts: { locale?: string; javaScriptEnabled?: boolean; tamper?: (page: Page) => Promise<unknown> } = {}) {
    const context = await browser.newContext({ ...PHONE, locale: opts.locale ?? 'zh-CN', javaScriptEnabled: opts.javaScriptEnabled ?? true });
    contexts.push(context);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error' && !/status of 404/.test(m.text())) errors.push(m.text());
    });
    await opts.tamper?.(page);
    const res = await page.goto(`${svc.url}${p}`);
    expect(res?.status()).toBe(200);
    return { page, errors };
  }

  async function outcome(page: Page): Promise<{ state: string; text: string }> {
    await page.waitForFunction(() => document.body.dataset.verification !== 'pending', null, { timeout: 20_000 });
    return page.evaluate(() => ({
      state: document.body.dataset.verification ?? '',
      text: document.querySelector('#integrity [data-verify-status]')?.textContent ?? '',
    }));
  }

  /** Flips the lowest bit of the byte in the middle of a response body. */
  async function flipByte(route: Route, pick: (body: Buffer) => number = (b) => b.length >> 1) {
    const res = await route.fetch();
    const body = Buffer.from(await res.body());
    body[pick(body)]! ^= 0x01;
    await route.fulfill({ response: res, body });
  }

  it('verifies every entry in the browser and reads well at 360 px', async () => {
    const { page, errors } = await open(path('rice'));
    const r = await outcome(page);
    expect(r.state, r.text).toBe('verified');
    expect(r.text).toMatch(/^核验通过：\d+ 条记录/);
    const marks = await page.$$eval('[data-entry-seq]', (lis) => lis.map((li) => li.className));
    expect(marks.length).toBeGreaterThan(10);
    expect(marks.every((c) => c === 'ok')).toBe(true);
    // Mobile first: nothing wider than the phone, and body text at a readable size.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    expect(await page.evaluate(() => parseFloat(getComputedStyle(document.body).fontSize))).toBeGreaterThanOrEqual(16);
    expect(errors).toEqual([]);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}/verification-page.png`, fullPage: true });
  });

  it('verifies a recalled batch and keeps the red banner at the top, in English too', async () => {
    const { page } = await open(path('rice-from-recalled'), { locale: 'en-US' });
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    const banner = await page.locator('.recall[role="alert"]').boundingBox();
    expect(banner?.y).toBe(0);
    expect(await page.locator('.recall h2').textContent()).toContain('A batch this product was made from has been recalled');
    expect(await page.evaluate(() => getComputedStyle(document.querySelector('.recall')!).backgroundColor)).toBe('rgb(179, 38, 30)');
    const r = await outcome(page);
    expect(r.state, r.text).toBe('verified');
    await page.screenshot({ path: `${ARTIFACTS}/verification-page-recalled-en.png` });
  });

  it("greys out a revoked report's own green tags: they no longer vouch for anything", async () => {
    const { page } = await open(path('paddy-recalled'), { locale: 'en-US' });
    const colours = await page.evaluate(() => {
      const bg = (sel: string) => [...document.querySelectorAll(sel)].map((e) => getComputedStyle(e).backgroundColor);
      return { revoked: bg('article.item.revoked .tag.pass, article.item.revoked .tag.third'), live: bg('article.item:not(.revoked) .tag.pass, article.item:not(.revoked) .tag.third') };
    });
    expect(colours.revoked.length).toBeGreaterThan(0);
    expect(new Set(colours.revoked)).toEqual(new Set(['rgb(229, 231, 235)']));
    // Outside a revoked item the same tags stay green.
    expect(colours.live.every((c) => c === 'rgb(230, 244, 234)')).toBe(true);
  });

  it('fails when an entry is altered in transit', async () => {
    const { page } = await open(path('rice'), {
      tamper: (p) => p.route('**/v1/entries/*', (route) => flipByte(route)),
    });
    const r = await outcome(page);
    expect(r.state).toBe('failed');
    expect(r.text).toContain('核验失败');
    expect(await page.locator('[data-entry-seq].bad').count()).toBeGreaterThan(0);
  });

  it('fails when one entry of many is altered, and names it', async () => {
    const { page } = await open(path('paddy'), {
      locale: 'en-US',
      tamper: async (p) => {
        // Alter a letter of one signed body field of the batch entry only.
        await p.route(/\/v1\/entries\/\d+$/, async (route) => {
          const res = await route.fetch();
          const text = await res.text();
          if (!text.includes('"type":"batch.create"')) return route.fulfill({ response: res });
          await route.fulfill({ response: res, body: text.replace('"WC2026-DX07"', '"WC2026-DX08"') });
        });
      },
    });
    const r = await outcome(page);
    expect(r.state).toBe('failed');
    expect(r.text).toContain('A ledger entry differs from what this page shows');
    expect(await page.locator('[data-entry-seq].bad').count()).toBe(1);
  });

  it('fails when an inclusion proof is altered in transit', async () => {
    const { page } = await open(path('rice'), {
      locale: 'en-US',
      // A byte inside the first base64 hash of the proof.
      tamper: (p) => p.route('**/log/proof/inclusion*', (route) => flipByte(route, (b) => b.indexOf('"hashes":["') + 12)),
    });
    const r = await outcome(page);
    expect(r.state).toBe('failed');
    expect(r.text).toMatch(/inclusion proof|differs/);
  });

  it('fails when the latest checkpoint is altered in transit', async () => {
    const { page } = await open(path('rice'), {
      locale: 'en-US',
      tamper: (p) => p.route('**/log/checkpoint', (route) => flipByte(route, (b) => b.length - 10)),
    });
    const r = await outcome(page);
    expect(r.state).toBe('failed');
    expect(r.text).toContain('checkpoint');
  });

  it('fails when the page itself carries a checkpoint the log key did not sign', async () => {
    const { page } = await open(path('rice'), {
      tamper: (p) =>
        p.route(/\/01\//, async (route) => {
          const res = await route.fetch();
          const html = await res.text();
          // Change one character of the checkpoint's root hash in the pinned note.
          const altered = html.replace(/(\\n\d+\\n)([A-Za-z0-9+/])/, (_m, a: string, c: string) => `${a}${c === 'A' ? 'B' : 'A'}`);
          expect(altered).not.toBe(html);
          await route.fulfill({ response: res, body: altered });
        }),
    });
    const r = await outcome(page);
    expect(r.state).toBe('failed');
    expect(r.text).toContain('检查点签名无效');
  });

  it('shows everything but the check without JavaScript', async () => {
    const { page } = await open(path('rice-from-recalled'), { javaScriptEnabled: false });
    expect(await page.getAttribute('body', 'data-verification')).toBe('pending');
    expect(await page.locator('.recall[role="alert"]').isVisible()).toBe(true);
    expect(await page.locator('#journey').isVisible()).toBe(true);
    expect(await page.locator('noscript').count()).toBe(1);
    // "Checking…" is not shown where no check can run.
    expect(await page.locator('[data-verify-status]').first().isVisible()).toBe(false);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  });

  it.skipIf(!hasZbar)('the SVG QR code, as a browser draws it, decodes to the page URL', async () => {
    const lot = svc.info.batches.find((b) => b.role === 'rice')!;
    const context = await browser.newContext({ viewport: { width: 400, height: 400 } });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${svc.url}/qr${lot.path}.svg?size=300`);
    const png = await page.locator('svg').screenshot();
    expect(decodeQr(png)).toBe(`${svc.url}${lot.path}`);
  });

  it.skipIf(!hasZbar)('a printed label carries the code and the readable GTIN and lot', async () => {
    const lot = svc.info.batches.find((b) => b.role === 'rice')!;
    const context = await browser.newContext({ viewport: { width: 900, height: 1300 }, deviceScaleFactor: 3 });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${svc.url}/labels${lot.path}?format=a4-24&count=3`);
    const label = page.locator('.label').first();
    expect(await label.textContent()).toContain(`(01) ${lot.gtin}(10) ${lot.lot}`);
    expect(decodeQr(await label.locator('svg.qr').screenshot())).toBe(`${svc.url}${lot.path}`);
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('.toolbar').isVisible()).toBe(false);
  });
});
