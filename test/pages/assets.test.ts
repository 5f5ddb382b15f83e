// The pieces the page is made of: core/bytes.ts (which the browser runs too) against Node's Buffer, the
// verifier bundle, the string polyfills against the built-ins, escaping, and negotiation.
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import * as browserBytes from '../../src/core/bytes.ts';
import { acceptQuality } from '../../src/http/batches.ts';
import { buildVerifierScript } from '../../src/pages/assets.ts';
import { escapeHtml, html, jsonForScript } from '../../src/pages/html.ts';
import { langFromParam, negotiateLang } from '../../src/pages/i18n.ts';
import { parseLinkType } from '../../src/pages/linkset.ts';

// The reference: the same contracts written with Node's Buffer, as core/bytes.ts once was.
const B64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const nodeBytes = {
  toBase64: (b: Uint8Array) => Buffer.from(b).toString('base64'),
  fromBase64: (s: string) => {
    if (typeof s !== 'string' || !B64_RE.test(s)) return undefined;
    const out = new Uint8Array(Buffer.from(s, 'base64'));
    return Buffer.from(out).toString('base64') === s ? out : undefined;
  },
  toHex: (b: Uint8Array) => Buffer.from(b).toString('hex'),
  fromHex: (s: string) => (typeof s === 'string' && s.length % 2 === 0 && /^[0-9a-f]*$/.test(s) ? new Uint8Array(Buffer.from(s, 'hex')) : undefined),
  concatBytes: (a: Uint8Array, b: Uint8Array) => new Uint8Array(Buffer.concat([a, b])),
  equalBytes: (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b)),
  utf8: (s: string) => new Uint8Array(Buffer.from(s, 'utf8')),
};

describe('core/bytes.ts, which the browser runs too, agrees with Node\'s Buffer', () => {
  it('agrees on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 40 }), (a, b) => {
        expect(browserBytes.toBase64(a)).toBe(nodeBytes.toBase64(a));
        expect(browserBytes.fromBase64(nodeBytes.toBase64(a))).toEqual(a);
        expect(browserBytes.toHex(a)).toBe(nodeBytes.toHex(a));
        expect(browserBytes.fromHex(nodeBytes.toHex(a))).toEqual(a);
        expect(browserBytes.concatBytes(a, b)).toEqual(nodeBytes.concatBytes(a, b));
        expect(browserBytes.equalBytes(a, b)).toBe(nodeBytes.equalBytes(a, b));
      }),
      { numRuns: 300 },
    );
  });

  it('agrees on random and malformed text', () => {
    const samples = ['', 'AA==', 'AA=', 'AA', 'AB==', 'AAA=', 'AAB=', '-_8=', 'YWJj', 'YWJj\n', ' YWJj', 'YW=j', '====', 'ab', 'AB', '0g', 'abc'];
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.constantFrom(...samples), fc.base64String()), (s) => {
        expect(browserBytes.fromBase64(s)).toEqual(nodeBytes.fromBase64(s));
        expect(browserBytes.fromHex(s)).toEqual(nodeBytes.fromHex(s));
        expect(browserBytes.utf8(s)).toEqual(nodeBytes.utf8(s));
      }),
      { numRuns: 500 },
    );
    expect(() => browserBytes.fromUtf8(Uint8Array.of(0xff))).toThrow();
  });
});

describe('the verifier bundle', () => {
  it('is browser code only, small, and built the same way every time', async () => {
    const [a, b] = await Promise.all([buildVerifierScript(), buildVerifierScript()]);
    expect(a).toEqual(b);
    const js = new TextDecoder().decode(a);
    expect(a.length).toBeLessThan(60 * 1024);
    expect(js).not.toMatch(/\bBuffer\b|\brequire\(|\bprocess\./);
    expect(js).toContain('lotproof/statement/v1');
    expect(js).toContain('lotproof-verify');
  });
});

describe('string polyfills', () => {
  it('match the built-in isWellFormed and toWellFormed', async () => {
    const proto = String.prototype as unknown as Record<string, unknown>;
    const isWF = proto.isWellFormed as (this: string) => boolean;
    const toWF = proto.toWellFormed as (this: string) => string;
    delete proto.isWellFormed;
    delete proto.toWellFormed;
    try {
      vi.resetModules();
      await import('../../src/pages/browser-polyfills.ts');
      expect(proto.isWellFormed).not.toBe(isWF);
      const units = fc.array(fc.constantFrom(0x41, 0xd800, 0xdbff, 0xdc00, 0xdfff, 0x4e2d, 0xd83d, 0xde00), { maxLength: 8 });
      fc.assert(
        fc.property(units, (codes) => {
          const s = String.fromCharCode(...codes);
          expect(s.isWellFormed()).toBe(isWF.call(s));
          expect(s.toWellFormed()).toBe(toWF.call(s));
        }),
        { numRuns: 2000 },
      );
    } finally {
      proto.isWellFormed = isWF;
      proto.toWellFormed = toWF;
    }
  });
});

describe('escaping', () => {
  it('escapes every interpolation and nothing else', () => {
    expect(escapeHtml(`<a href="x" title='y'>&amp;</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;');
    expect(html`<p title="${'"><script>'}">${['<b>', 1, null, undefined, false]}</p>`.value).toBe('<p title="&quot;&gt;&lt;script&gt;">&lt;b&gt;1</p>');
    expect(html`<p>${html`<b>${'<i>'}</b>`}</p>`.value).toBe('<p><b>&lt;i&gt;</b></p>');
    expect(escapeHtml('a\ud800b')).toBe('a\ufffdb');
  });

  it('writes JSON a script block cannot be broken out of, and that parses back', () => {
    const value = { a: '</script><script>alert(1)</script>', b: '<!--', c: '\u2028\u2029', d: 'a&b' };
    const s = jsonForScript(value).value;
    expect(s).not.toMatch(/[<>\u2028\u2029]/);
    expect(JSON.parse(s)).toEqual(value);
  });
});

describe('negotiation', () => {
  it('reads ?lang=', () => {
    expect(langFromParam('en')).toBe('en');
    expect(langFromParam('EN-gb')).toBe('en');
    expect(langFromParam('zh')).toBe('zh-CN');
    expect(langFromParam('zh-Hant-TW')).toBe('zh-CN');
    expect(langFromParam('fr')).toBeUndefined();
    expect(langFromParam('')).toBeUndefined();
  });

  it('reads Accept-Language with qualities', () => {
    expect(negotiateLang(undefined)).toBe('zh-CN');
    expect(negotiateLang('en;q=0.9, zh;q=0.8')).toBe('en');
    expect(negotiateLang('en;q=0.5, zh-CN')).toBe('zh-CN');
    expect(negotiateLang('en;q=0, zh;q=0.1')).toBe('zh-CN');
    expect(negotiateLang('en;q=0')).toBe('zh-CN');
    expect(negotiateLang('de, en-US;q=0.7')).toBe('en');
    expect(negotiateLang('garbage;;;,,,')).toBe('zh-CN');
  });

  it('reads Accept with the most specific range winning', () => {
    expect(acceptQuality('application/json', 'application/json')).toBe(1);
    expect(acceptQuality('application/json', 'text/html')).toBe(0);
    expect(acceptQuality('text/*;q=0.5, text/html;q=0.2', 'text/html')).toBe(0.2);
    expect(acceptQuality('*/*;q=0.8, text/html', 'text/html')).toBe(1);
    expect(acceptQuality('*/*;q=0.8', 'application/json')).toBe(0.8);
    expect(acceptQuality(undefined, 'text/html')).toBe(1);
  });

  it('reads GS1 link types in every spelling', () => {
    expect(parseLinkType('gs1:certificationInfo')).toBe('certificationInfo');
    expect(parseLinkType('https://gs1.org/voc/pip')).toBe('pip');
    expect(parseLinkType('http://gs1.org/voc/traceability')).toBe('traceability');
    expect(parseLinkType('recallStatus')).toBe('recallStatus');
    expect(parseLinkType('gs1:nope')).toBeUndefined();
    expect(parseLinkType('schema:pip')).toBeUndefined();
  });
});
