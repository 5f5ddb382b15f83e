// SPEC §1 statements: the exact domain-separated bytes a party signs, sign/verify round trips
// and the refusal of every mutation; and the RFC 4648 §4 byte helpers of src/core/bytes.ts that
// make "one value, one spelling" hold for base64 and hex.
import { createPrivateKey, sign as nodeSign, verify as nodeVerify, createPublicKey } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  concatBytes,
  equalBytes,
  fromBase64,
  fromHex,
  fromUtf8,
  isBase64Of,
  nodeBuffer,
  toBase64,
  toHex,
  utf8,
} from '../../src/core/bytes.ts';
import { LedgerError } from '../../src/core/errors.ts';
import { encodePrivateKeyPem, generateKeyPair, keyPairFromSeed, sign } from '../../src/core/ed25519.ts';
import {
  STATEMENT_CONTEXT,
  signStatement,
  statementMessage,
  verifySubmission,
  type Statement,
  type Submission,
} from '../../src/core/statement.ts';

// RFC 8032 §7.1 TEST 1's key, so the signer is a published key pair.
const SEED = fromHex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60')!;
const PUB_B64 = '11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=';
const key = keyPairFromSeed(SEED);

function fixedStatement(): Statement {
  return {
    v: 1,
    type: 'batch.create',
    actor: 'lixin-farm',
    pub: PUB_B64,
    time: '2026-11-22T08:00:00.000Z',
    nonce: 'AAECAwQFBgcICQoLDA0ODw==',
    body: {
      gtin: '09506000134352',
      lot: 'W2026-09',
      product: { name: 'Blé complet', category: 'grain' },
      producedOn: '2026-09-01',
      quantity: { amount: 1000.5, uom: 'KGM' },
      origin: { country: 'CN' },
    },
  };
}

/** The statement's message spelled out by hand: the context line, then JCS with sorted keys. */
const HAND_BUILT_JCS =
  '{"actor":"lixin-farm",' +
  '"body":{"gtin":"09506000134352","lot":"W2026-09","origin":{"country":"CN"},"producedOn":"2026-09-01",' +
  '"product":{"category":"grain","name":"Bl\u00e9 complet"},"quantity":{"amount":1000.5,"uom":"KGM"}},' +
  '"nonce":"AAECAwQFBgcICQoLDA0ODw==",' +
  `"pub":"${PUB_B64}",` +
  '"time":"2026-11-22T08:00:00.000Z","type":"batch.create","v":1}';

// "lotproof/statement/v1" in ASCII, then one line feed.
const CONTEXT_HEX = '6c6f7470726f6f662f73746174656d656e742f76310a';

function handBuiltMessage(): Uint8Array {
  return concatBytes(fromHex(CONTEXT_HEX)!, new Uint8Array(Buffer.from(HAND_BUILT_JCS, 'utf8')));
}

describe('the statement message', () => {
  it('the fixed key is RFC 8032 TEST 1', () => {
    expect(toBase64(key.publicKey)).toBe(PUB_B64);
    expect(toHex(key.publicKey)).toBe('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
  });

  it('is exactly "lotproof/statement/v1\\n" || JCS(statement)', () => {
    expect(STATEMENT_CONTEXT).toBe('lotproof/statement/v1\n');
    const msg = statementMessage(fixedStatement());
    expect(toHex(msg)).toBe(toHex(handBuiltMessage()));
    expect(toHex(msg.subarray(0, 22))).toBe(CONTEXT_HEX);
    // "é" is the two UTF-8 bytes C3 A9, not an escape and not Latin-1.
    expect(toHex(msg)).toContain(toHex(utf8('"Bl')) + 'c3a9' + toHex(utf8(' complet"')));
  });

  it('does not depend on the order in which the statement was written', () => {
    const st = fixedStatement();
    const shuffled = Object.fromEntries(Object.entries(st).reverse()) as unknown as Statement;
    shuffled.body = Object.fromEntries(Object.entries(st.body).reverse());
    expect(toHex(statementMessage(shuffled))).toBe(toHex(handBuiltMessage()));
  });

  it('signStatement signs the hand-built bytes, as OpenSSL signs them', () => {
    const sub = signStatement(fixedStatement(), key);
    const openssl = nodeSign(null, handBuiltMessage(), createPrivateKey(encodePrivateKeyPem(key)));
    expect(sub.sig).toBe(openssl.toString('base64'));
    expect(sub.sig).toBe(toBase64(sign(handBuiltMessage(), SEED)));
    const spki = createPublicKey(createPrivateKey(encodePrivateKeyPem(key)));
    expect(nodeVerify(null, handBuiltMessage(), spki, fromBase64(sub.sig)!)).toBe(true);
    // Without the context line the signature is not valid: the domain separation is real.
    expect(nodeVerify(null, Buffer.from(HAND_BUILT_JCS, 'utf8'), spki, fromBase64(sub.sig)!)).toBe(false);
  });
});

describe('verifySubmission', () => {
  const good = (): Submission => signStatement(fixedStatement(), key);

  it('accepts a fresh signature, and a copy with its keys reordered', () => {
    expect(verifySubmission(good())).toBe(true);
    const sub = good();
    const reordered: Submission = { sig: sub.sig, statement: Object.fromEntries(Object.entries(sub.statement).reverse()) as unknown as Statement };
    expect(verifySubmission(reordered)).toBe(true);
    const kp = generateKeyPair();
    expect(verifySubmission(signStatement({ ...fixedStatement(), pub: toBase64(kp.publicKey) }, kp))).toBe(true);
  });

  it('refuses any change to the statement', () => {
    const other = generateKeyPair();
    const mutations: [string, (st: any) => void][] = [
      ['v', (st) => (st.v = 2)],
      ['type', (st) => (st.type = 'labreport.issue')],
      ['actor', (st) => (st.actor = 'lixin-farn')],
      ['pub', (st) => (st.pub = toBase64(other.publicKey))],
      ['time', (st) => (st.time = '2026-11-22T08:00:00.001Z')],
      ['nonce', (st) => (st.nonce = 'AAECAwQFBgcICQoLDA0OEA==')],
      ['body field', (st) => (st.body.lot = 'W2026-10')],
      ['nested body field', (st) => (st.body.quantity.amount = 1000.4)],
      ['number spelling', (st) => (st.body.quantity.amount = 10005e-1 + 1e-12)],
      ['unicode normalisation', (st) => (st.body.product.name = 'Ble\u0301 complet')],
      ['added body field', (st) => (st.body.expiresOn = '2027-09-01')],
      ['removed body field', (st) => delete st.body.origin],
      ['added statement field', (st) => (st.extra = null)],
      ['body emptied', (st) => (st.body = {})],
    ];
    for (const [name, mutate] of mutations) {
      const sub = good();
      const st = structuredClone(sub.statement);
      mutate(st);
      expect(verifySubmission({ statement: st, sig: sub.sig }), name).toBe(false);
    }
  });

  it('refuses any change to the signature, and non-canonical spellings of it', () => {
    const sub = good();
    const sig = fromBase64(sub.sig)!;
    expect(sig.length).toBe(64);
    for (let byte = 0; byte < 64; byte += 7) {
      const c = sig.slice();
      c[byte] = c[byte]! ^ 0x10;
      expect(verifySubmission({ ...sub, sig: toBase64(c) }), `byte ${byte}`).toBe(false);
    }
    // 64 bytes end in one byte of data: "xy==" where y carries 2 bits and 4 zero bits.
    expect(sub.sig.endsWith('==')).toBe(true);
    const last = sub.sig[sub.sig.length - 3]!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const trailing = alphabet[alphabet.indexOf(last) | 1]!;
    const nonCanonical = `${sub.sig.slice(0, -3)}${trailing}==`;
    expect(nonCanonical).not.toBe(sub.sig);
    expect(toHex(new Uint8Array(Buffer.from(nonCanonical, 'base64')))).toBe(toHex(sig)); // a lax decoder sees the same bytes
    expect(verifySubmission({ ...sub, sig: nonCanonical })).toBe(false);
    expect(verifySubmission({ ...sub, sig: sub.sig.slice(0, -2) })).toBe(false);
    expect(verifySubmission({ ...sub, sig: '' })).toBe(false);
    expect(verifySubmission({ ...sub, sig: toBase64(sig.subarray(0, 63)) })).toBe(false);
    expect(verifySubmission({ ...sub, sig: toBase64(concatBytes(sig, new Uint8Array(1))) })).toBe(false);
  });

  it('refuses a pub that is not canonical base64 of 32 bytes', () => {
    const sub = good();
    const pubs = [PUB_B64.slice(0, -1), PUB_B64.replace('/', '_'), `${PUB_B64.slice(0, -2)}p=`, toBase64(new Uint8Array(31)), ''];
    for (const pub of pubs) {
      expect(verifySubmission({ statement: { ...sub.statement, pub }, sig: sub.sig }), pub).toBe(false);
    }
  });

  it('a statement JCS refuses never verifies: it throws LedgerError invalid_json', () => {
    const sub = good();
    const st = { ...sub.statement, body: { x: Number.NaN } };
    expect(() => verifySubmission({ statement: st, sig: sub.sig })).toThrow(LedgerError);
    expect(() => verifySubmission({ statement: { ...sub.statement, actor: '\ud800' }, sig: sub.sig })).toThrow(/lone surrogate/);
  });
});

// ---------------------------------------------------------------------------------------------
// src/core/bytes.ts
// ---------------------------------------------------------------------------------------------

describe('fromBase64 / toBase64 (RFC 4648 §4, canonical only)', () => {
  it('round-trips every length, including offsets into a larger buffer', () => {
    for (let n = 0; n < 70; n++) {
      const big = new Uint8Array(n + 10).map((_, i) => (i * 151 + n) & 0xff);
      const b = big.subarray(5, 5 + n);
      const s = toBase64(b);
      expect(s).toBe(Buffer.from(b).toString('base64'));
      expect(toHex(fromBase64(s)!)).toBe(toHex(b));
    }
    expect(fromBase64('')).toEqual(new Uint8Array(0));
    expect(toBase64(new Uint8Array([1, 2, 3, 4]).subarray(1, 3))).toBe('AgM=');
  });

  it('refuses the URL-safe alphabet', () => {
    expect(fromBase64('+/8=')).toEqual(new Uint8Array([0xfb, 0xff]));
    expect(fromBase64('-_8=')).toBeUndefined();
    expect(fromBase64('-_8')).toBeUndefined();
    expect(fromBase64('ab-c')).toBeUndefined();
    expect(fromBase64('ab_c')).toBeUndefined();
  });

  it('refuses missing or misplaced padding', () => {
    for (const s of ['AA', 'AAA', 'AAAAAA', 'A', 'A=', 'A==', 'A===', 'AA=', 'AA===', '====', 'AA==AA==', 'AAA=AAAA', '=AAA']) {
      expect(fromBase64(s), s).toBeUndefined();
    }
    expect(fromBase64('AA==')).toEqual(new Uint8Array([0]));
    expect(fromBase64('AAA=')).toEqual(new Uint8Array([0, 0]));
  });

  it('refuses non-zero trailing bits', () => {
    // One byte: 2 data bits in the second character, 4 must be zero. Two bytes: 2 must be zero.
    for (const s of ['AB==', 'AP==', 'Ah==', 'AAB=', 'AAD=', '//9=']) {
      expect(fromBase64(s), s).toBeUndefined();
    }
    expect(fromBase64('AQ==')).toEqual(new Uint8Array([1]));
    expect(fromBase64('AAE=')).toEqual(new Uint8Array([0, 1]));
    expect(fromBase64('//8=')).toEqual(new Uint8Array([0xff, 0xff]));
  });

  it('refuses whitespace, other characters and non-strings', () => {
    for (const s of [' AA==', 'AA== ', 'AA==\n', 'AA\n==', 'A A=', 'AA.=', 'AAé=', '\u0000AAA']) {
      expect(fromBase64(s), JSON.stringify(s)).toBeUndefined();
    }
    for (const v of [undefined, null, 1, ['AA=='], { s: 'AA==' }]) {
      expect(fromBase64(v as unknown as string)).toBeUndefined();
    }
  });
});

describe('isBase64Of: canonical base64 of n bytes, without decoding', () => {
  const agrees = (s: string) => {
    for (const n of [0, 1, 2, 3, 16, 32, 64, Math.floor((s.length * 3) / 4), Math.floor((s.length * 3) / 4) - 1, Math.floor((s.length * 3) / 4) - 2]) {
      expect(isBase64Of(s, n), `${JSON.stringify(s)} of ${n} bytes`).toBe(fromBase64(s)?.length === n);
    }
  };

  it('answers as fromBase64 does, on encodings, their one-character changes and noise', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 70 }), fc.nat(), fc.constantFrom(...'AQgw+/=-_ a9'), (bytes, at, c) => {
        const s = toBase64(bytes);
        agrees(s);
        // One character replaced: where it lands in the last data character, trailing bits.
        const i = s.length === 0 ? 0 : at % s.length;
        agrees(s.slice(0, i) + c + s.slice(i + 1));
        agrees(s.slice(0, -1));
        agrees(`${s}=`);
      }),
      { numRuns: 3000 },
    );
    fc.assert(fc.property(fc.string({ unit: fc.constantFrom(...'AB+/=z9_'), maxLength: 24 }), agrees), { numRuns: 3000 });
  });

  it('refuses non-strings and the spellings fromBase64 refuses', () => {
    for (const v of [undefined, null, 44, ['AA==']]) expect(isBase64Of(v, 1)).toBe(false);
    for (const s of ['AB==', 'AAB=', 'AA=A', 'AA', '-_8=', 'AA==\n']) for (const n of [0, 1, 2, 3]) expect(isBase64Of(s, n), s).toBe(false);
    expect(isBase64Of(PUB_B64, 32)).toBe(true);
    expect(isBase64Of(PUB_B64, 31)).toBe(false);
    expect(isBase64Of('', 0)).toBe(true);
  });
});

describe('base64 without Node\'s Buffer (as bundled for the browser)', () => {
  it('encodes, decodes and refuses exactly as with it', async () => {
    const saved = globalThis.Buffer;
    let web: typeof import('../../src/core/bytes.ts');
    // The module picks its codec when it loads: load a second copy while Buffer is hidden.
    Reflect.deleteProperty(globalThis, 'Buffer');
    try {
      const copy = '../../src/core/bytes.ts?without-buffer';
      web = (await import(/* @vite-ignore */ copy)) as typeof web;
    } finally {
      globalThis.Buffer = saved;
    }
    const samples: string[] = ['', 'AA==', 'AAA=', '+/8=', '//8=', 'AQ==', 'AAE='];
    for (let n = 0; n < 70; n++) samples.push(toBase64(new Uint8Array(n).map((_, i) => (i * 151 + n) & 0xff)));
    for (const s of samples) {
      expect(web.fromBase64(s), s).toEqual(fromBase64(s));
      expect(web.toBase64(fromBase64(s)!)).toBe(s);
    }
    for (const s of ['-_8=', 'AA', 'A===', 'AB==', 'AAD=', ' AA==', 'AA\n==', 'AAé=']) {
      expect(web.fromBase64(s), s).toBeUndefined();
      expect(fromBase64(s), s).toBeUndefined();
    }
    for (const s of ['', 'Blé', '€ 𝄞 批次', 'x'.repeat(5000)]) expect(web.utf8(s), s.slice(0, 9)).toEqual(utf8(s));
  });
});

describe('hex, UTF-8 and byte helpers', () => {
  it('fromHex takes lowercase, even-length hex only', () => {
    expect(fromHex('')).toEqual(new Uint8Array(0));
    expect(fromHex('00ff7f')).toEqual(new Uint8Array([0, 255, 127]));
    for (const s of ['ABCD', 'aB', 'abc', 'zz', '0x00', ' 00', '00 ', 'g0']) expect(fromHex(s), s).toBeUndefined();
    expect(fromHex(1 as unknown as string)).toBeUndefined();
    expect(toHex(new Uint8Array([9, 10, 11, 12]).subarray(1, 3))).toBe('0a0b');
  });

  it('fromUtf8 throws on invalid UTF-8 instead of replacing it', () => {
    for (const bad of [[0xff], [0xc0, 0x80], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0x80]]) {
      expect(() => fromUtf8(new Uint8Array(bad)), toHex(new Uint8Array(bad))).toThrow();
    }
    expect(fromUtf8(new Uint8Array([0x42, 0x6c, 0xc3, 0xa9]))).toBe('Blé');
    expect(toHex(utf8('€'))).toBe('e282ac');
  });

  it('nodeBuffer copies arrays small enough for V8\'s heap and views larger ones', () => {
    for (const n of [0, 1, 32, 64, 65, 640]) {
      const b = new Uint8Array(n + 2).map((_, i) => i * 7).subarray(1, n + 1);
      const nb = nodeBuffer(b);
      expect(Buffer.isBuffer(nb)).toBe(true);
      expect(toHex(nb), String(n)).toBe(toHex(b));
      if (n === 0) continue;
      // A view shares its bytes with b; a copy does not.
      b[0] = b[0]! ^ 0xff;
      expect(nb[0] === b[0], String(n)).toBe(n > 64);
    }
    expect(toBase64(new Uint8Array(32).fill(0xfb))).toBe(Buffer.alloc(32, 0xfb).toString('base64'));
  });

  it('utf8 answers are views of their own bytes, which later encodings leave alone', () => {
    // Under 4 KiB they are slices of Node's shared Buffer pool (src/core/bytes.ts).
    const texts = ['a', '批次 2026-11-30', 'x'.repeat(640), 'y'.repeat(4095), 'z'.repeat(4097)];
    const bytes = texts.map((t) => utf8(t));
    for (let i = 0; i < 200; i++) utf8(`filler ${i} ${'w'.repeat(i * 3)}`);
    texts.forEach((t, i) => {
      expect(bytes[i]).toBeInstanceOf(Uint8Array);
      expect(fromUtf8(bytes[i]!)).toBe(t);
    });
  });

  it('equalBytes compares length and every byte', () => {
    const a = new Uint8Array([1, 2, 3]);
    expect(equalBytes(a, new Uint8Array([1, 2, 3]))).toBe(true);
    expect(equalBytes(a, new Uint8Array([1, 2, 2]))).toBe(false);
    expect(equalBytes(a, new Uint8Array([0, 2, 3]))).toBe(false);
    expect(equalBytes(a, new Uint8Array([1, 2]))).toBe(false);
    expect(equalBytes(a, new Uint8Array([1, 2, 3, 0]))).toBe(false);
    expect(equalBytes(new Uint8Array(0), new Uint8Array(0))).toBe(true);
  });

  it('concatBytes joins views, not their underlying buffers', () => {
    const buf = new Uint8Array([9, 1, 2, 9, 9, 3, 9]);
    expect(concatBytes(buf.subarray(1, 3), new Uint8Array(0), buf.subarray(5, 6))).toEqual(new Uint8Array([1, 2, 3]));
    expect(concatBytes()).toEqual(new Uint8Array(0));
  });
});
