// RFC 8785 JSON Canonicalization Scheme: cyberphone/json-canonicalization's input/output pairs,
// the RFC's Appendix B number samples, the deterministic es6testfile checksums, and the inputs
// JCS must refuse (lone surrogates, non-finite numbers, nesting beyond 64 levels).
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/bytes.ts';
import { LedgerError } from '../../src/core/errors.ts';
import { canonicalBytes, canonicalJson } from '../../src/core/jcs.ts';

const DIR = fileURLToPath(new URL('../vectors/rfc8785/', import.meta.url));
const numbers = JSON.parse(readFileSync(`${DIR}numbers.json`, 'utf8'));

/** The binary64 value with these IEEE-754 bits (hex, big-endian). */
function double(bits: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${bits}`));
  return view.getFloat64(0);
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof LedgerError) return e.code;
    throw e;
  }
  return undefined;
}

describe('cyberphone/json-canonicalization testdata', () => {
  const names = readdirSync(`${DIR}input`).filter((f) => f.endsWith('.json')).sort();

  it('has the six published input/output pairs', () => {
    expect(names).toEqual(['arrays.json', 'french.json', 'structures.json', 'unicode.json', 'values.json', 'weird.json']);
    expect(readdirSync(`${DIR}output`).sort()).toEqual(names);
  });

  for (const name of names) {
    it(`${name}: canonicalBytes equals output/${name} byte for byte`, () => {
      const input = JSON.parse(readFileSync(`${DIR}input/${name}`, 'utf8'));
      const expected = new Uint8Array(readFileSync(`${DIR}output/${name}`));
      const bytes = canonicalBytes(input);
      expect(toHex(bytes)).toBe(toHex(expected));
      expect(canonicalJson(input)).toBe(new TextDecoder().decode(expected));
      // Canonical output is a fixed point.
      expect(toHex(canonicalBytes(JSON.parse(canonicalJson(input))))).toBe(toHex(expected));
    });
  }
});

describe('RFC 8785 Appendix B number samples', () => {
  const samples: { ieee754: string; json: string | null; comment?: string }[] = numbers.appendixB.samples;

  it('has all 26 rows of the table', () => {
    expect(samples.length).toBe(26);
    expect(samples.filter((s) => s.json === null).length).toBe(2);
  });

  for (const s of samples) {
    if (s.json === null) {
      it(`${s.ieee754} (${s.comment}) is refused`, () => {
        expect(codeOf(() => canonicalJson(double(s.ieee754)))).toBe('invalid_json');
        expect(codeOf(() => canonicalJson({ n: [double(s.ieee754)] }))).toBe('invalid_json');
      });
    } else {
      it(`${s.ieee754} → ${s.json}`, () => {
        expect(canonicalJson(double(s.ieee754))).toBe(s.json);
        expect(canonicalJson([double(s.ieee754)])).toBe(`[${s.json}]`);
      });
    }
  }

  it('refuses negative infinity too', () => {
    expect(codeOf(() => canonicalJson(-Infinity))).toBe('invalid_json');
    expect(codeOf(() => canonicalJson(Number.NaN))).toBe('invalid_json');
  });
});

describe('es6testfile (cyberphone/json-canonicalization testdata/README.md)', () => {
  const gen = numbers.es6testfile;

  /** The generator of testdata/numgen.go, as its README describes it. */
  function* values(): Generator<bigint> {
    for (const h of gen.staticU64s as string[]) yield BigInt(`0x${h}`);
    const serialStart = BigInt(`0x${gen.serialStart}`);
    for (let i = 0; i < gen.serialCount; i++) yield serialStart + BigInt(i);
    let block = new Uint8Array(32);
    for (;;) {
      block = new Uint8Array(createHash('sha256').update(block).digest());
      const view = new DataView(block.buffer);
      for (let o = 0; o < 32; o += 8) {
        const bits = view.getBigUint64(o, true);
        const f = view.getFloat64(o, true);
        if (f !== 0 && Number.isFinite(f)) yield bits;
      }
    }
  }

  it('the first 100,000 lines hash to the published SHA-256 at 1,000, 10,000 and 100,000 lines', () => {
    const checksums: { lines: number; sha256: string; bytes: number }[] = gen.checksums;
    expect(checksums.map((c) => c.lines)).toEqual([1000, 10000, 100000]);
    const hash = createHash('sha256');
    const view = new DataView(new ArrayBuffer(8));
    let lines = 0;
    let bytes = 0;
    const seen: string[] = [];
    for (const bits of values()) {
      view.setBigUint64(0, bits);
      const line = `${bits.toString(16)},${canonicalJson(view.getFloat64(0))}\n`;
      hash.update(line);
      lines++;
      bytes += line.length;
      const c = checksums.find((x) => x.lines === lines);
      if (c) {
        expect(bytes, `size of the first ${lines} lines`).toBe(c.bytes);
        seen.push(`${lines} ${hash.copy().digest('hex')}`);
        if (c === checksums[checksums.length - 1]) break;
      }
    }
    expect(seen).toEqual(checksums.map((c) => `${c.lines} ${c.sha256}`));
  });

  it('agrees with the sample lines of the README', () => {
    const sample: [string, string][] = [
      ['4340000000000001', '9007199254740994'],
      ['4340000000000002', '9007199254740996'],
      ['444b1ae4d6e2ef50', '1e+21'],
      ['3eb0c6f7a0b5ed8d', '0.000001'],
      ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
      ['8000000000000000', '0'],
      ['0', '0'],
    ];
    for (const [bits, text] of sample) expect(canonicalJson(double(bits.padStart(16, '0')))).toBe(text);
  });
});

describe('RFC 8785 §3.2.3 property sorting', () => {
  it('sorts by UTF-16 code units, not code points or locale', () => {
    // U+1F600 (surrogates D83D DE00) sorts before U+FB33 in UTF-16, after it in code points.
    const v = { '\u{1F600}': 1, '\uFB33': 2, 'é': 3, e: 4, E: 5, '': 6 };
    expect(canonicalJson(v)).toBe('{"":6,"E":5,"e":4,"é":3,"\u{1F600}":1,"\uFB33":2}');
  });

  it('escapes only what JSON requires, in the RFC 8785 §3.2.2.2 spelling', () => {
    const s = '\u0000\u0007\b\t\n\u000b\f\r\u001f "\\/\u007f\u2028\u00e9';
    expect(canonicalJson(s)).toBe('"\\u0000\\u0007\\b\\t\\n\\u000b\\f\\r\\u001f \\"\\\\/\u007f\u2028\u00e9"');
  });
});

describe('values JCS refuses', () => {
  it('lone surrogates in strings and keys are refused with invalid_json', () => {
    for (const s of ['\uD800', '\uDFFF', 'a\uD83D', '\uDE00b', '\uDE00\uD83D']) {
      expect(codeOf(() => canonicalJson(s))).toBe('invalid_json');
      expect(codeOf(() => canonicalJson({ k: [s] }))).toBe('invalid_json');
      expect(codeOf(() => canonicalJson({ [s]: 1 }))).toBe('invalid_json');
      expect(codeOf(() => canonicalBytes({ [s]: 1 }))).toBe('invalid_json');
    }
    // A well-formed pair is fine.
    expect(canonicalJson('\uD83D\uDE00')).toBe('"\u{1F600}"');
    // What JSON.parse makes of a lone escaped surrogate is refused too.
    expect(codeOf(() => canonicalJson(JSON.parse('{"a":"\\ud800"}')))).toBe('invalid_json');
  });

  it('NaN and ±Infinity are refused with invalid_json, wherever they are', () => {
    for (const n of [Number.NaN, Infinity, -Infinity]) {
      expect(codeOf(() => canonicalJson(n))).toBe('invalid_json');
      expect(codeOf(() => canonicalJson({ a: { b: [1, n] } }))).toBe('invalid_json');
    }
  });

  it('values JSON has no form for are refused with invalid_json', () => {
    const bad: unknown[] = [undefined, () => 1, Symbol('s'), 10n, [1, undefined], { a: undefined }, new Date(0), new Map(), new Uint8Array(2), { toJSON: () => 1 }];
    for (const v of bad) expect(codeOf(() => canonicalJson(v))).toBe('invalid_json');
    expect(canonicalJson(Object.assign(Object.create(null), { b: 1, a: 2 }))).toBe('{"a":2,"b":1}');
  });

  /** `depth` nested arrays around `inner`. */
  const nest = (depth: number, inner: unknown): unknown => {
    let v = inner;
    for (let i = 0; i < depth; i++) v = [v];
    return v;
  };
  const nestObjects = (depth: number): unknown => {
    let v: unknown = 1;
    for (let i = 0; i < depth; i++) v = { k: v };
    return v;
  };

  it('nesting of up to 64 levels is canonicalised, beyond 64 is refused with json_too_deep', () => {
    // The same limit as the HTTP layer's reader: 64 nested arrays or objects.
    expect(canonicalJson(nest(64, 1))).toBe(`${'['.repeat(64)}1${']'.repeat(64)}`);
    expect(canonicalJson(nest(63, []))).toBe(`${'['.repeat(64)}${']'.repeat(64)}`);
    expect(canonicalJson(nestObjects(64))).toBe(`${'{"k":'.repeat(64)}1${'}'.repeat(64)}`);
    expect(codeOf(() => canonicalJson(nest(65, 1)))).toBe('json_too_deep');
    expect(codeOf(() => canonicalJson(nest(64, [])))).toBe('json_too_deep');
    expect(codeOf(() => canonicalJson(nestObjects(65)))).toBe('json_too_deep');
    expect(codeOf(() => canonicalJson(nest(1000, 1)))).toBe('json_too_deep');
  });
});

// The checks and the serialisation jcs.ts did before it became one pass: RFC 8785 input checks,
// then the `canonicalize` package (RFC 8785's own reference list names it). The one pass must
// write the same text and refuse the same values with the same first fault.
function referenceCheck(v: unknown, depth: number): void {
  switch (typeof v) {
    case 'string':
      if (!v.isWellFormed()) throw new LedgerError('invalid_json', 'a string contains a lone surrogate');
      return;
    case 'number':
      if (!Number.isFinite(v)) throw new LedgerError('invalid_json', 'a number is not finite');
      return;
    case 'boolean':
      return;
    case 'object':
      if (v === null) return;
      if (depth >= 64) throw new LedgerError('json_too_deep', 'JSON nesting is deeper than 64 levels');
      if (Array.isArray(v)) {
        for (const x of v) referenceCheck(x, depth + 1);
        return;
      }
      if (Object.getPrototypeOf(v) !== Object.prototype && Object.getPrototypeOf(v) !== null) {
        throw new LedgerError('invalid_json', 'only plain JSON objects can be canonicalised');
      }
      for (const [k, x] of Object.entries(v)) {
        if (!k.isWellFormed()) throw new LedgerError('invalid_json', 'a key contains a lone surrogate');
        referenceCheck(x, depth + 1);
      }
      return;
    default:
      throw new LedgerError('invalid_json', `a ${typeof v} is not JSON`);
  }
}

function reference(v: unknown): string {
  referenceCheck(v, 0);
  return canonicalize(v)!;
}

const outcome = (f: () => string) => {
  try {
    return { text: f() };
  } catch (e) {
    if (!(e instanceof LedgerError)) throw e;
    return { code: e.code, message: e.message };
  }
};

describe('the one-pass canonicaliser', () => {
  const lone = fc.constantFrom('\uD800', '\uDFFF', 'a\uDBFFb');
  const key = fc.oneof(fc.string({ unit: 'binary', maxLength: 6 }), fc.constantFrom('__proto__', 'constructor', '', '\u00e9', '\u{1F600}'), lone);
  const leaf = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 12 }),
    lone,
    fc.double(),
    fc.integer(),
    fc.constantFrom(-0, 1e21, 5e-324, Number.MAX_VALUE, NaN, Infinity),
    fc.boolean(),
    fc.constant(null),
    fc.constantFrom(undefined, () => 1, Symbol('s'), 1n, new Date(0), new Map()),
  );
  const value = fc.letrec((tie) => ({
    v: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, fc.array(tie('v'), { maxLength: 4 }), fc.dictionary(key, tie('v'), { maxKeys: 5 })),
  })).v;

  it('writes what `canonicalize` writes, and refuses what the old checks refused, with the same first fault', () => {
    fc.assert(
      fc.property(value, (v) => {
        expect(outcome(() => canonicalJson(v))).toEqual(outcome(() => reference(v)));
      }),
      { numRuns: 5000 },
    );
  });

  it('agrees on deep nesting and on a submission-shaped statement', () => {
    let deep: unknown = 1;
    for (let d = 0; d < 70; d++) {
      deep = d % 2 ? [deep] : { k: deep };
      expect(outcome(() => canonicalJson(deep))).toEqual(outcome(() => reference(deep)));
    }
    const statement = { v: 1, type: 'batch.create', actor: 'farm', pub: 'AAAA', time: '2026-11-29T00:00:00.000Z', nonce: 'BBBB', body: { gtin: '09506000134352', lot: 'L1', quantity: { amount: 1.5, uom: 'KGM' }, attributes: { 品种: '稻花香', grade: 'I' } } };
    expect(canonicalJson(statement)).toBe(reference(statement));
  });
});
