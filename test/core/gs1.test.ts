// GS1 identifiers and Digital Link paths: GS1's own reference test tables (gs1/gs1-syntax-engine),
// examples from gs1/digital-link.js and the GS1 standards, edge cases, and property tests.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LedgerError } from '../../src/core/errors.ts';
import {
  CSET82,
  batchName,
  decodeDigitalLinkValue,
  encodeDigitalLinkPath,
  encodeDigitalLinkValue,
  gtinCheckDigit,
  isCountryCode,
  isValidGtin14,
  isValidLot,
  isValidSerial,
  normalizeGtin,
  parseBatchName,
  parseDigitalLinkPath,
  type DigitalLinkKey,
} from '../../src/core/gs1.ts';

const VECTORS = fileURLToPath(new URL('../vectors/gs1/', import.meta.url));
const load = (name: string): unknown => JSON.parse(readFileSync(VECTORS + name, 'utf8'));

const CODES = ['invalid_gtin', 'invalid_lot', 'invalid_serial', 'invalid_digital_link'];

/** The code of the LedgerError that `f` throws; anything else thrown fails the test. */
function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof LedgerError) return e.code;
    throw e;
  }
  return 'accepted';
}

// GTINs used below: 09506000134352 and 09520123456788 carry GS1's example prefix 950 (the second
// is the GTIN of the Digital Link specification's examples, dl.c:1630); 04012345123456 has check
// digit 6; 9780345418913 is an ISBN, a GTIN-13, used in gs1/digital-link.js.
const GTIN = '09506000134352';

// ---------------------------------------------------------------------------------------------
// GS1 reference tables: gs1/gs1-syntax-engine linters
// ---------------------------------------------------------------------------------------------

interface LintCase {
  input: string;
  valid: boolean;
}
interface Linters {
  cset82: LintCase[];
  csum: LintCase[];
  iso3166alpha2: LintCase[];
}
const linters = load('syntax-engine-linters.json') as Linters;

describe('GS1 syntax engine linter tables', () => {
  it('csum: GTIN-8/12/13/14 and SSCC check digits (General Specifications §7.9.1)', () => {
    expect(linters.csum.length).toBe(14);
    for (const { input, valid } of linters.csum) {
      if (/^\d+$/.test(input)) {
        expect(gtinCheckDigit(input.slice(0, -1)) === Number(input.at(-1)), input).toBe(valid);
        if ([8, 12, 13, 14].includes(input.length)) {
          expect(normalizeGtin(input) !== undefined, input).toBe(valid);
          if (valid) expect(normalizeGtin(input)).toBe(input.padStart(14, '0'));
        }
        expect(isValidGtin14(input), input).toBe(valid && input.length === 14);
      } else if (!valid) {
        expect(normalizeGtin(input), JSON.stringify(input)).toBeUndefined();
        expect(isValidGtin14(input)).toBe(false);
        const data = input.slice(0, -1);
        if (/\D/.test(data) || data === '') expect(codeOf(() => gtinCheckDigit(data))).toBe('invalid_gtin');
      } else {
        throw new Error(`unknown csum vector ${JSON.stringify(input)}`);
      }
    }
  });

  it('cset82: exactly the 82 characters GS1 accepts, byte by byte', () => {
    const singles = linters.cset82.filter((c) => c.input.length === 1);
    expect(singles.map((c) => c.input.charCodeAt(0))).toEqual(
      Array.from({ length: 255 }, (_, i) => i + 1),
    );
    expect(singles.filter((c) => c.valid).map((c) => c.input).join('')).toBe(CSET82);
    for (const { input, valid } of linters.cset82) {
      if (input.length === 0) {
        // The character-set linter accepts the empty string; X..20 needs at least one character.
        expect(valid).toBe(true);
        expect(isValidLot(input)).toBe(false);
      } else if (input.length <= 20) {
        expect(isValidLot(input), JSON.stringify(input)).toBe(valid);
        expect(isValidSerial(input), JSON.stringify(input)).toBe(valid);
      } else {
        throw new Error(`unknown cset82 vector ${JSON.stringify(input)}`);
      }
    }
  });

  it('iso3166alpha2: all 676 two-letter codes, 249 assigned', () => {
    expect(linters.iso3166alpha2.length).toBe(682);
    const assigned = linters.iso3166alpha2.filter((c) => c.valid).map((c) => c.input);
    expect(assigned.length).toBe(249);
    for (const { input, valid } of linters.iso3166alpha2) {
      expect(isCountryCode(input), input).toBe(valid);
    }
    for (const code of assigned) expect(isCountryCode(code.toLowerCase())).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// GS1 reference tables: gs1/gs1-syntax-engine Digital Link tests
// ---------------------------------------------------------------------------------------------

interface ParseCase {
  line: number;
  uri: string;
  valid: boolean;
  elementString?: string;
  ais?: [string, string][];
  options?: string[];
}
interface EscapeCase {
  line: number;
  value: string;
  path: string;
  query: string;
}
interface UnescapeCase {
  line: number;
  input: string;
  path: string;
  query: string;
}
interface GenerateCase {
  line: number;
  ok: boolean;
  stem: string | null;
  aiData: string;
  uri: string;
}
const dl = load('syntax-engine-dl.json') as {
  parse: ParseCase[];
  escape: EscapeCase[];
  unescape: UnescapeCase[];
  generate: GenerateCase[];
};

/** The path (still percent-encoded) and query of an absolute URI; the whole string if it is none. */
function splitUri(uri: string): { path: string; query: string | undefined } {
  const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*([^?#]*)(\?[^#]*)?/.exec(uri);
  return m ? { path: m[1]!, query: m[2] } : { path: uri, query: undefined };
}

function keyOf(ais: [string, string][]): DigitalLinkKey {
  const get = (ai: string) => ais.find(([a]) => a === ai)?.[1];
  const serial = get('21');
  return serial === undefined ? { gtin: get('01')!, lot: get('10')! } : { gtin: get('01')!, lot: get('10')!, serial };
}

describe('GS1 syntax engine Digital Link tables', () => {
  it('parse: lotproof agrees with GS1 on every path it is given', () => {
    const tally = { accepted: 0, refusedValid: 0, refusedInvalid: 0, queryOnly: 0 };
    for (const c of dl.parse) {
      const where = `dl.c:${c.line} ${c.uri}`;
      if (typeof c.valid !== 'boolean') throw new Error(`unknown vector at ${where}`);
      const { path, query } = splitUri(c.uri);
      const outcome = codeOf(() => parseDigitalLinkPath(path));
      if (!c.valid) {
        if (query !== undefined) {
          tally.queryOnly++;
          continue;
        }
        expect(CODES, where).toContain(outcome);
        tally.refusedInvalid++;
        continue;
      }
      const queryKeys = new Set(
        (query ?? '').slice(1).split('&').map((p) => p.split('=')[0]),
      );
      const pathAis = c.ais!.filter(([ai]) => !queryKeys.has(ai));
      const segments = path.split('/').slice(1);
      const names = pathAis.map(([ai]) => ai).join(',');
      const options = (c.options ?? []).filter((o) => o !== 'zeroSuppressedGtin');
      const isBatch =
        options.length === 0 &&
        segments.length === 2 * pathAis.length &&
        segments[0] === '01' &&
        (names === '01,10' || names === '01,10,21');
      if (isBatch) {
        expect(parseDigitalLinkPath(path), where).toStrictEqual(keyOf(pathAis));
        tally.accepted++;
      } else {
        expect(CODES, where).toContain(outcome);
        tally.refusedValid++;
      }
    }
    // Pinned so that a change in the vectors or in the classification cannot go unnoticed.
    // 73 cases GS1 accepts, 45 it refuses (13 of them for their query string only).
    expect(tally).toEqual({ accepted: 2, refusedValid: 71, refusedInvalid: 32, queryOnly: 13 });
  });

  it('escape: encodeDigitalLinkValue writes what GS1 writes into a path', () => {
    expect(dl.escape.length).toBe(10);
    for (const c of dl.escape) expect(encodeDigitalLinkValue(c.value), `dl.c:${c.line}`).toBe(c.path);
  });

  it('unescape: the same values, except that a malformed % is refused', () => {
    const malformed = ['ABC%2', 'ABCD%', 'A%4gB', 'A%4GB', 'A%g4B', 'A%G4B'];
    for (const c of dl.unescape) {
      const decoded = decodeDigitalLinkValue(c.input);
      if (malformed.includes(c.input)) expect(decoded, `dl.c:${c.line}`).toBeUndefined();
      else expect(decoded, `dl.c:${c.line}`).toBe(c.path);
    }
    expect(dl.unescape.filter((c) => malformed.includes(c.input)).length).toBe(malformed.length);
  });

  it('generate: encodeDigitalLinkPath writes the path GS1 generates for (01)(10)[(21)]', () => {
    let applicable = 0;
    for (const c of dl.generate) {
      if (!c.ok) continue;
      const stem = (c.stem ?? 'https://id.gs1.org').replace(/\/$/, '');
      expect(c.uri.startsWith(stem)).toBe(true);
      const path = c.uri.slice(stem.length).split('?')[0]!;
      const names = path.split('/').filter((_, i) => i % 2 === 1).join(',');
      if (names !== '01,10' && names !== '01,10,21') continue;
      const ais = [...c.aiData.matchAll(/\((\d{2,4})\)([^(]*)/g)].map((m) => [m[1]!, m[2]!] as [string, string]);
      const key = keyOf(ais);
      expect(encodeDigitalLinkPath(key), `dl.c:${c.line}`).toBe(path);
      expect(parseDigitalLinkPath(path)).toStrictEqual(key);
      applicable++;
    }
    expect(applicable).toBe(5);
  });
});

// ---------------------------------------------------------------------------------------------
// gs1/digital-link.js examples (tests/index.js at 3042dc0af4ec1ec4b833cae57cee98db6c271caa)
// ---------------------------------------------------------------------------------------------

describe('gs1/digital-link.js examples', () => {
  const accepted: [number, string, DigitalLinkKey][] = [
    [173, '/01/9780345418913/10/38737643', { gtin: '09780345418913', lot: '38737643' }],
    [
      190,
      '/01/9780345418913/10/38737643/21/58943',
      { gtin: '09780345418913', lot: '38737643', serial: '58943' },
    ],
    [
      594,
      '/01/01234565/10/12345/21/4512',
      { gtin: '00000001234565', lot: '12345', serial: '4512' },
    ],
    [632, '/01/12345670/10/4512', { gtin: '00000012345670', lot: '4512' }],
  ];
  it.each(accepted)('line %i: %s', (_, path, key) => {
    expect(parseDigitalLinkPath(path)).toStrictEqual(key);
  });

  const refused: [number, string, string][] = [
    // Qualifiers out of order; digital-link.js accepts line 604 only after sorting them.
    [599, '/01/01234567/21/12345/10/4512', 'invalid_digital_link'],
    [604, '/01/01234565/21/12345/10/4512', 'invalid_digital_link'],
    // Trailing slash: digital-link.js accepts it, GS1's syntax engine does not (dl.c:1531).
    [589, '/01/01234565/', 'invalid_digital_link'],
    [517, '/my/custom/path/01/0123456789d/21/12345/10/4512', 'invalid_digital_link'],
    [622, '/00/123456789123456789/10/4512', 'invalid_digital_link'],
    [637, '/gtin/012345678905', 'invalid_digital_link'],
  ];
  it.each(refused)('line %i: %s', (_, path, code) => {
    expect(codeOf(() => parseDigitalLinkPath(path))).toBe(code);
  });

  it('lines 639-641: check digits of a GTIN-12', () => {
    expect(normalizeGtin('012345678905')).toBe('00012345678905');
    expect(normalizeGtin('012345678906')).toBeUndefined();
    expect(codeOf(() => parseDigitalLinkPath('/01/012345678906/10/A'))).toBe('invalid_gtin');
  });
});

// ---------------------------------------------------------------------------------------------
// GTIN
// ---------------------------------------------------------------------------------------------

const digits = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: n, maxLength: n });
const gtin14 = digits(13).map((d) => d + gtinCheckDigit(d));

describe('GTIN', () => {
  it('computes the check digits of known GTINs', () => {
    expect(gtinCheckDigit('0950600013435')).toBe(2);
    expect(gtinCheckDigit('0952012345678')).toBe(8);
    expect(gtinCheckDigit('0401234512345')).toBe(6);
    expect(gtinCheckDigit('978034541891')).toBe(3);
    expect(gtinCheckDigit('0000000000000')).toBe(0);
    for (const g of [GTIN, '09520123456788', '04012345123456', '09521234543213', '12312312312333']) {
      expect(isValidGtin14(g), g).toBe(true);
    }
  });

  it('refuses wrong check digits, wrong lengths and non-digits', () => {
    for (const g of ['09506000134353', '09506000134350', '04012345123457', '12312312312332']) {
      expect(isValidGtin14(g), g).toBe(false);
    }
    for (const g of ['0950600013435', '095060001343520', '', ' 9506000134352', '0950600013435२', '0950600013435a']) {
      expect(isValidGtin14(g), JSON.stringify(g)).toBe(false);
      expect(normalizeGtin(g), JSON.stringify(g)).toBeUndefined();
    }
    expect(codeOf(() => gtinCheckDigit('095060001343a'))).toBe('invalid_gtin');
    expect(codeOf(() => gtinCheckDigit(''))).toBe('invalid_gtin');
    expect(codeOf(() => gtinCheckDigit('1'.repeat(18)))).toBe('invalid_gtin');
  });

  it('normalises GTIN-8/12/13/14 to 14 digits and nothing else', () => {
    expect(normalizeGtin('02345673')).toBe('00000002345673');
    expect(normalizeGtin('416000336108')).toBe('00416000336108');
    expect(normalizeGtin('9780345418913')).toBe('09780345418913');
    expect(normalizeGtin(GTIN)).toBe(GTIN);
    // Zero-padded GTIN-8s of 9, 10 and 11 digits have valid check digits but are no GTIN format.
    for (const g of ['002345673', '0002345673', '00002345673']) expect(normalizeGtin(g)).toBeUndefined();
  });

  it('property: every 14-digit string with its computed check digit is valid, every one-digit change is not', () => {
    fc.assert(
      fc.property(gtin14, fc.nat(13), fc.integer({ min: 1, max: 9 }), (g, pos, delta) => {
        expect(isValidGtin14(g)).toBe(true);
        expect(normalizeGtin(g)).toBe(g);
        const changed = g.slice(0, pos) + ((Number(g[pos]) + delta) % 10) + g.slice(pos + 1);
        expect(isValidGtin14(changed)).toBe(false);
      }),
    );
  });

  it('property: left-padding does not change the check digit', () => {
    fc.assert(
      fc.property(fc.constantFrom(7, 11, 12), fc.integer({ min: 1, max: 5 }), (n, pad) => {
        const d = '9'.repeat(n - 1) + '7';
        expect(gtinCheckDigit('0'.repeat(pad) + d)).toBe(gtinCheckDigit(d));
      }),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// AI (10) lot, AI (21) serial, CSET 82
// ---------------------------------------------------------------------------------------------

const cset82Char = fc.constantFrom(...CSET82);
const x20 = fc.string({ unit: cset82Char, minLength: 1, maxLength: 20 });
const NOT_CSET82 = [' ', '#', '$', '@', '[', '\\', ']', '^', '`', '{', '|', '}', '~', '\n', '\t', '\0', '\x7f', 'é', 'ß', '€', '😀', '\u00a0'];

describe('lot and serial (X..20 over CSET 82)', () => {
  it('CSET82 is 82 distinct printable ASCII characters in code point order', () => {
    expect(CSET82.length).toBe(82);
    expect([...CSET82].sort().join('')).toBe(CSET82);
    expect(new Set(CSET82).size).toBe(82);
    expect(/^[!-~]+$/.test(CSET82)).toBe(true);
  });

  it('accepts every character class of the set, alone and together', () => {
    for (const ch of CSET82) {
      expect(isValidLot(ch), ch).toBe(true);
      expect(isValidSerial(ch), ch).toBe(true);
    }
    for (const lot of ['ABC123', 'abc-def_01', '!"%&\'()*+,-./', ':;<=>?', 'A/B', '2026-11-22', '%25', '........']) {
      expect(isValidLot(lot), lot).toBe(true);
    }
  });

  it('takes 1 to 20 characters: not 0, not 21', () => {
    expect(isValidLot('')).toBe(false);
    expect(isValidLot('L'.repeat(20))).toBe(true);
    expect(isValidLot('L'.repeat(21))).toBe(false);
    expect(isValidSerial('9'.repeat(20))).toBe(true);
    expect(isValidSerial('9'.repeat(21))).toBe(false);
    // Short but outside the set: CSET 82 is ASCII only.
    expect(isValidLot('é'.repeat(10))).toBe(false);
  });

  it('refuses characters outside the set', () => {
    for (const ch of NOT_CSET82) {
      expect(isValidLot(`AB${ch}C`), JSON.stringify(ch)).toBe(false);
      expect(isValidSerial(ch), JSON.stringify(ch)).toBe(false);
    }
  });

  it('property: a value is valid iff it is 1..20 characters of CSET82', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 24 }), (s) => {
        const expected = s.length >= 1 && s.length <= 20 && [...s].every((c) => CSET82.includes(c));
        expect(isValidLot(s)).toBe(expected);
        expect(isValidSerial(s)).toBe(expected);
      }),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Country codes
// ---------------------------------------------------------------------------------------------

describe('isCountryCode', () => {
  it('accepts assigned alpha-2 codes in upper case only', () => {
    for (const c of ['DE', 'US', 'GB', 'CN', 'BQ', 'SS', 'CW', 'SX', 'AX', 'AQ', 'UM']) expect(isCountryCode(c), c).toBe(true);
    for (const c of ['de', 'De', 'UK', 'EU', 'AN', 'YU', 'CS', 'XK', 'ZZ', 'AA', 'QM', 'DEU', 'D', '', ' DE']) {
      expect(isCountryCode(c), c).toBe(false);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Batch names
// ---------------------------------------------------------------------------------------------

describe('batchName and parseBatchName', () => {
  it('names a batch by its unencoded Digital Link path, without leading slash', () => {
    expect(batchName(GTIN, 'L2026-11')).toBe(`01/${GTIN}/10/L2026-11`);
    expect(batchName(GTIN, 'A/21/B')).toBe(`01/${GTIN}/10/A/21/B`);
    expect(parseBatchName(`01/${GTIN}/10/A/21/B`)).toStrictEqual({ gtin: GTIN, lot: 'A/21/B' });
    // Names are not percent-encoded: "%20" in a name is the three characters of a lot.
    expect(parseBatchName(`01/${GTIN}/10/L%201`)).toStrictEqual({ gtin: GTIN, lot: 'L%201' });
  });

  it('refuses what is not a batch', () => {
    expect(codeOf(() => batchName('9506000134352', 'L1'))).toBe('invalid_gtin');
    expect(codeOf(() => batchName('09506000134353', 'L1'))).toBe('invalid_gtin');
    expect(codeOf(() => batchName(GTIN, ''))).toBe('invalid_lot');
    expect(codeOf(() => batchName(GTIN, 'L'.repeat(21)))).toBe('invalid_lot');
    expect(codeOf(() => batchName(GTIN, 'a b'))).toBe('invalid_lot');
    for (const name of [
      `/01/${GTIN}/10/L1`,
      `01/${GTIN}/10/`,
      `01/${GTIN}/10/${'L'.repeat(21)}`,
      `01/9506000134352/10/L1`,
      `01/09506000134353/10/L1`,
      `01/${GTIN}/21/L1`,
      `01/${GTIN}/10/L 1`,
      `01/${GTIN}`,
      '',
    ]) {
      expect(parseBatchName(name), name).toBeUndefined();
    }
  });

  it('property: parseBatchName inverts batchName', () => {
    fc.assert(
      fc.property(gtin14, x20, (gtin, lot) => {
        expect(parseBatchName(batchName(gtin, lot))).toStrictEqual({ gtin, lot });
      }),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Digital Link paths
// ---------------------------------------------------------------------------------------------

describe('encodeDigitalLinkPath', () => {
  it('writes /01/<gtin>/10/<lot>[/21/<serial>]', () => {
    expect(encodeDigitalLinkPath({ gtin: GTIN, lot: 'ABC123' })).toBe(`/01/${GTIN}/10/ABC123`);
    expect(encodeDigitalLinkPath({ gtin: GTIN, lot: 'ABC123', serial: '12345' })).toBe(`/01/${GTIN}/10/ABC123/21/12345`);
  });

  it('percent-encodes the 17 CSET82 characters outside the RFC 3986 unreserved set, upper-case hex', () => {
    expect(encodeDigitalLinkValue(CSET82)).toBe(
      '%21%22%25%26%27%28%29%2A%2B%2C-.%2F0123456789%3A%3B%3C%3D%3E%3F' +
        'ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz',
    );
    expect(encodeDigitalLinkPath({ gtin: GTIN, lot: 'A/B', serial: '1+1=2' })).toBe(`/01/${GTIN}/10/A%2FB/21/1%2B1%3D2`);
    expect(encodeDigitalLinkValue('é')).toBe('%C3%A9');
  });

  it('refuses keys that are not a batch or item', () => {
    expect(codeOf(() => encodeDigitalLinkPath({ gtin: '9506000134352', lot: 'L' }))).toBe('invalid_gtin');
    expect(codeOf(() => encodeDigitalLinkPath({ gtin: '09506000134351', lot: 'L' }))).toBe('invalid_gtin');
    expect(codeOf(() => encodeDigitalLinkPath({ gtin: GTIN, lot: 'L'.repeat(21) }))).toBe('invalid_lot');
    expect(codeOf(() => encodeDigitalLinkPath({ gtin: GTIN, lot: 'L#1' }))).toBe('invalid_lot');
    expect(codeOf(() => encodeDigitalLinkPath({ gtin: GTIN, lot: 'L', serial: '' }))).toBe('invalid_serial');
    expect(codeOf(() => encodeDigitalLinkPath({ gtin: GTIN, lot: 'L', serial: 'S~1' }))).toBe('invalid_serial');
  });
});

describe('parseDigitalLinkPath', () => {
  it('reads batches and items', () => {
    expect(parseDigitalLinkPath(`/01/${GTIN}/10/ABC123`)).toStrictEqual({ gtin: GTIN, lot: 'ABC123' });
    expect(parseDigitalLinkPath(`/01/${GTIN}/10/ABC123/21/12345`)).toStrictEqual({
      gtin: GTIN,
      lot: 'ABC123',
      serial: '12345',
    });
  });

  it('normalises GTIN-8/12/13 in the path to 14 digits', () => {
    expect(parseDigitalLinkPath('/01/02345673/10/L').gtin).toBe('00000002345673');
    expect(parseDigitalLinkPath('/01/416000336108/10/L').gtin).toBe('00416000336108');
    expect(parseDigitalLinkPath('/01/9506000134352/10/L').gtin).toBe(GTIN);
  });

  it('decodes percent-encoded delimiters inside values instead of splitting on them', () => {
    expect(parseDigitalLinkPath(`/01/${GTIN}/10/A%2F21%2FB`)).toStrictEqual({ gtin: GTIN, lot: 'A/21/B' });
    expect(parseDigitalLinkPath(`/01/${GTIN}/10/A%2f21%2fB/21/%3F%25%26`)).toStrictEqual({
      gtin: GTIN,
      lot: 'A/21/B',
      serial: '?%&',
    });
    // Sub-delimiters are legal raw in a segment and mean themselves; "+" is not a space.
    expect(parseDigitalLinkPath(`/01/${GTIN}/10/A+B(1)*,;=:!'&`).lot).toBe("A+B(1)*,;=:!'&");
    // Percent-encoded unreserved characters are equivalent to the characters (RFC 3986 §2.3).
    expect(parseDigitalLinkPath(`/01/${GTIN}/10/%41%62%2D%5F`).lot).toBe('Ab-_');
  });

  it('counts the length of the decoded value', () => {
    const lot20 = '%2F'.repeat(20);
    expect(parseDigitalLinkPath(`/01/${GTIN}/10/${lot20}`).lot).toBe('/'.repeat(20));
    expect(codeOf(() => parseDigitalLinkPath(`/01/${GTIN}/10/${lot20}%2F`))).toBe('invalid_lot');
    expect(codeOf(() => parseDigitalLinkPath(`/01/${GTIN}/10/${'L'.repeat(21)}`))).toBe('invalid_lot');
    expect(codeOf(() => parseDigitalLinkPath(`/01/${GTIN}/10/L/21/${'S'.repeat(21)}`))).toBe('invalid_serial');
  });

  const refused: [string, string, string][] = [
    ['qualifiers out of order', `/01/${GTIN}/21/S1/10/L1`, 'invalid_digital_link'],
    ['serial without lot', `/01/${GTIN}/21/S1`, 'invalid_digital_link'],
    ['GTIN alone', `/01/${GTIN}`, 'invalid_digital_link'],
    ['repeated lot', `/01/${GTIN}/10/L1/10/L2`, 'invalid_digital_link'],
    ['repeated serial', `/01/${GTIN}/10/L1/21/S/21/S`, 'invalid_digital_link'],
    ['CPV qualifier', `/01/${GTIN}/22/V1/10/L1`, 'invalid_digital_link'],
    ['TPX qualifier', `/01/${GTIN}/235/TPX1`, 'invalid_digital_link'],
    ['data attribute in the path', `/01/${GTIN}/10/L1/17/261231`, 'invalid_digital_link'],
    ['unknown AI', `/01/${GTIN}/10/L1/99/X`, 'invalid_digital_link'],
    ['other primary key', '/00/006141411234567890/10/L1', 'invalid_digital_link'],
    ['repeated primary key', `/01/${GTIN}/01/${GTIN}/10/L1`, 'invalid_digital_link'],
    ['convenience alphas', `/gtin/${GTIN}/lot/L1`, 'invalid_digital_link'],
    ['custom stem', `/products/01/${GTIN}/10/L1`, 'invalid_digital_link'],
    ['AI without value', `/01/${GTIN}/10/L1/21`, 'invalid_digital_link'],
    ['double slash', `/01/${GTIN}//10/L1`, 'invalid_digital_link'],
    ['double slash at the start', `//01/${GTIN}/10/L1`, 'invalid_digital_link'],
    ['trailing slash', `/01/${GTIN}/10/L1/`, 'invalid_digital_link'],
    ['empty lot', `/01/${GTIN}/10/`, 'invalid_digital_link'],
    ['no leading slash', `01/${GTIN}/10/L1`, 'invalid_digital_link'],
    ['empty', '', 'invalid_digital_link'],
    ['root', '/', 'invalid_digital_link'],
    ['query string', `/01/${GTIN}/10/L1?17=261231`, 'invalid_digital_link'],
    ['fragment', `/01/${GTIN}/10/L1#x`, 'invalid_digital_link'],
    ['truncated percent-encoding', `/01/${GTIN}/10/L%2`, 'invalid_digital_link'],
    ['bare percent', `/01/${GTIN}/10/50%`, 'invalid_digital_link'],
    ['non-hex percent-encoding', `/01/${GTIN}/10/L%zz`, 'invalid_digital_link'],
    ['raw space', `/01/${GTIN}/10/L 1`, 'invalid_digital_link'],
    ['raw double quote', `/01/${GTIN}/10/L"1`, 'invalid_digital_link'],
    ['raw <', `/01/${GTIN}/10/L<1`, 'invalid_digital_link'],
    ['raw non-ASCII', `/01/${GTIN}/10/Lé`, 'invalid_digital_link'],
    ['percent-encoded space', `/01/${GTIN}/10/L%201`, 'invalid_lot'],
    ['percent-encoded #', `/01/${GTIN}/10/L%231`, 'invalid_lot'],
    ['percent-encoded NUL', `/01/${GTIN}/10/L%001`, 'invalid_lot'],
    ['percent-encoded UTF-8', `/01/${GTIN}/10/L%C3%A9`, 'invalid_lot'],
    ['raw ~ (unreserved, not CSET 82)', `/01/${GTIN}/10/L~1`, 'invalid_lot'],
    ['raw @ (pchar, not CSET 82)', `/01/${GTIN}/10/L@1`, 'invalid_lot'],
    ['raw $ (pchar, not CSET 82)', `/01/${GTIN}/10/L$1`, 'invalid_lot'],
    ['bad serial character', `/01/${GTIN}/10/L1/21/S%7E`, 'invalid_serial'],
    ['bad check digit', '/01/09506000134353/10/L1', 'invalid_gtin'],
    ['GTIN of 11 digits', '/01/00002345673/10/L1', 'invalid_gtin'],
    ['GTIN of 15 digits', `/01/0${GTIN}/10/L1`, 'invalid_gtin'],
    ['GTIN with a letter', '/01/0950600013435X/10/L1', 'invalid_gtin'],
    ['shape before values', '/01/123/21/S/10/L', 'invalid_digital_link'],
    ['GTIN before lot', '/01/123/10/a%20b', 'invalid_gtin'],
  ];
  it.each(refused)('refuses %s: %s', (_, path, code) => {
    expect(codeOf(() => parseDigitalLinkPath(path))).toBe(code);
  });

  it('property: encode then parse returns the key, for every lot and serial of CSET 82', () => {
    fc.assert(
      fc.property(gtin14, x20, fc.option(x20, { nil: undefined }), (gtin, lot, serial) => {
        const key: DigitalLinkKey = serial === undefined ? { gtin, lot } : { gtin, lot, serial };
        const path = encodeDigitalLinkPath(key);
        expect(path).toMatch(/^\/01\/\d{14}\/10\/(?:[A-Za-z0-9._-]|%[0-9A-F]{2})+(?:\/21\/(?:[A-Za-z0-9._-]|%[0-9A-F]{2})+)?$/);
        expect(parseDigitalLinkPath(path)).toStrictEqual(key);
      }),
      { numRuns: 2000 },
    );
  });

  // "." and ".." are dot-segments: every URL parser removes them from a path (RFC 3986 §5.2.4,
  // WHATWG URL, which also treats %2E as a dot), so no Digital Link can carry them as a lot or
  // serial value. Every other X..20 value survives a browser's URL parsing unchanged.
  const DOT_SEGMENTS = ['.', '..'];

  it('property: the encoded path survives WHATWG URL parsing, dot-segments aside', () => {
    fc.assert(
      fc.property(gtin14, x20, fc.option(x20, { nil: undefined }), (gtin, lot, serial) => {
        fc.pre(!DOT_SEGMENTS.includes(lot) && (serial === undefined || !DOT_SEGMENTS.includes(serial)));
        const key: DigitalLinkKey = serial === undefined ? { gtin, lot } : { gtin, lot, serial };
        const path = encodeDigitalLinkPath(key);
        const url = new URL(`https://example.com${path}?17=261231#frag`);
        expect(url.pathname).toBe(path);
        expect(parseDigitalLinkPath(url.pathname)).toStrictEqual(key);
      }),
      { numRuns: 1000 },
    );
    expect(new URL(`https://example.com${encodeDigitalLinkPath({ gtin: GTIN, lot: '..' })}`).pathname).toBe(`/01/${GTIN}/`);
  });

  it('property: arbitrary input is accepted or refused with one of the four codes, never anything else', () => {
    const pathish = fc.string({
      unit: fc.constantFrom('/', '01', '10', '21', '22', '%', '2F', 'zz', GTIN, 'L', ' ', '~', '"', '#', '?', 'é'),
      maxLength: 12,
    });
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), pathish), (s) => {
        const outcome = codeOf(() => parseDigitalLinkPath(s));
        expect([...CODES, 'accepted']).toContain(outcome);
        if (outcome === 'accepted') {
          expect(encodeDigitalLinkPath(parseDigitalLinkPath(s))).toBeTypeOf('string');
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('property: a lot with one character outside CSET 82 is refused as invalid_lot', () => {
    fc.assert(
      fc.property(x20, fc.constantFrom(...NOT_CSET82), fc.nat(20), (lot, bad, at) => {
        const i = at % (lot.length + 1);
        const value = (lot.slice(0, i) + bad + lot.slice(i)).slice(0, 20);
        fc.pre(!isValidLot(value));
        expect(codeOf(() => parseDigitalLinkPath(`/01/${GTIN}/10/${encodeDigitalLinkValue(value)}`))).toBe('invalid_lot');
      }),
    );
  });
});
