// GS1 identifiers: GTIN check digits (GS1 General Specifications §7.9.1), AI (10) batch/lot and
// AI (21) serial over CSET 82 (Figure 7.11-1), ISO 3166-1 alpha-2 country codes, and the paths
// of GS1 Digital Link URIs (GS1 Digital Link Standard: URI Syntax 1.x, ISO/IEC 18975).
import { LedgerError } from './errors.ts';

const badGtin = (message: string) => new LedgerError('invalid_gtin', message);
const badLot = () =>
  new LedgerError('invalid_lot', 'a lot (GS1 AI 10) is 1–20 characters of the GS1 82-character set');
const badSerial = () =>
  new LedgerError('invalid_serial', 'a serial (GS1 AI 21) is 1–20 characters of the GS1 82-character set');
const badLink = (message: string) => new LedgerError('invalid_digital_link', message);

// ---------------------------------------------------------------------------------------------
// GTIN
// ---------------------------------------------------------------------------------------------

/**
 * The GS1 standard check digit (§7.9.1) of the data digits of a GS1 key, given without the check
 * digit: the first 13 digits of a GTIN-14 (or the 7, 11 or 12 of a GTIN-8/12/13, the 17 of an
 * SSCC). Weights 3 and 1 alternate leftwards from the rightmost data digit, so left-padding with
 * zeros does not change the result. Throws `invalid_gtin` unless given 1 to 17 digits.
 */
export function gtinCheckDigit(first13: string): number {
  if (typeof first13 !== 'string' || !/^\d{1,17}$/.test(first13)) {
    throw badGtin('check digit input must be 1 to 17 decimal digits');
  }
  let sum = 0;
  for (let i = 0; i < first13.length; i++) {
    const digit = first13.charCodeAt(first13.length - 1 - i) - 48;
    sum += i % 2 === 0 ? digit * 3 : digit;
  }
  return (10 - (sum % 10)) % 10;
}

function hasValidCheckDigit(digits: string): boolean {
  return gtinCheckDigit(digits.slice(0, -1)) === digits.charCodeAt(digits.length - 1) - 48;
}

/** True for exactly 14 ASCII digits whose last digit is the §7.9.1 check digit of the first 13. */
export function isValidGtin14(s: string): boolean {
  return typeof s === 'string' && /^\d{14}$/.test(s) && hasValidCheckDigit(s);
}

/**
 * The GTIN-14 form of a GTIN-8, GTIN-12, GTIN-13 or GTIN-14: left-padded with zeros, as AI (01)
 * carries every GTIN in a 14-digit field. Undefined when the input is not 8, 12, 13 or 14 digits
 * or its check digit is wrong.
 */
export function normalizeGtin(s: string): string | undefined {
  if (typeof s !== 'string' || !/^(?:\d{8}|\d{12,14})$/.test(s)) return undefined;
  const gtin14 = s.padStart(14, '0');
  return hasValidCheckDigit(gtin14) ? gtin14 : undefined;
}

// ---------------------------------------------------------------------------------------------
// AI (10) batch/lot and AI (21) serial: format X..20, i.e. 1 to 20 characters of CSET 82
// ---------------------------------------------------------------------------------------------

/**
 * The GS1 AI encodable character set 82 (General Specifications Figure 7.11-1) in code point
 * order: `!"%&'()*+,-./`, the digits, `:;<=>?`, `A`–`Z`, `_`, `a`–`z`. All printable ASCII; not in
 * it are space, `#`, `$`, `@`, `[`, `\`, `]`, `^`, backquote, `{`, `|`, `}` and `~`.
 */
export const CSET82 =
  '!"%&\'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz';

// `%-?` is the run U+0025..U+003F, all of which is in CSET 82.
const X_UP_TO_20 = /^[!"%-?A-Z_a-z]{1,20}$/;

/** AI (10) BATCH/LOT, format X..20: 1 to 20 characters of CSET 82. */
export function isValidLot(s: string): boolean {
  return typeof s === 'string' && X_UP_TO_20.test(s);
}

/** AI (21) SERIAL, format X..20: 1 to 20 characters of CSET 82. */
export function isValidSerial(s: string): boolean {
  return typeof s === 'string' && X_UP_TO_20.test(s);
}

// ---------------------------------------------------------------------------------------------
// ISO 3166-1 alpha-2
// ---------------------------------------------------------------------------------------------

// The 249 officially assigned ISO 3166-1 alpha-2 codes. Reserved codes (EU, UK, AN, ...) and
// user-assigned codes (AA, QM–QZ, XA–XZ, ZZ) are not country codes here.
const ISO3166_ALPHA2 = new Set(
  (
    'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ ' +
    'BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ ' +
    'CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ ' +
    'DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR ' +
    'GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY ' +
    'HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP ' +
    'KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY ' +
    'MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ ' +
    'NA NC NE NF NG NI NL NO NP NR NU NZ OM ' +
    'PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW ' +
    'SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ ' +
    'TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ ' +
    'VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW'
  ).split(' '),
);

/** True for an officially assigned ISO 3166-1 alpha-2 code in upper case ("DE"; not "de"). */
export function isCountryCode(s: string): boolean {
  return typeof s === 'string' && ISO3166_ALPHA2.has(s);
}

// ---------------------------------------------------------------------------------------------
// Batch names (SPEC §3)
// ---------------------------------------------------------------------------------------------

/** What a lotproof Digital Link names: a batch (GTIN-14 and lot), or one serialised item of it. */
export interface DigitalLinkKey {
  gtin: string;
  lot: string;
  serial?: string;
}

/**
 * The ledger's name of a batch, `01/<gtin>/10/<lot>`, with the lot as it is (not percent-encoded).
 * It is unambiguous although a lot may contain `/`, because the GTIN is always 14 digits. Throws
 * `invalid_gtin` or `invalid_lot` for values a batch cannot have.
 */
export function batchName(gtin: string, lot: string): string {
  if (!isValidGtin14(gtin)) throw badGtin('a batch GTIN is 14 digits with a valid check digit');
  if (!isValidLot(lot)) throw badLot();
  return `01/${gtin}/10/${lot}`;
}

/** The GTIN-14 and lot of a name that `batchName` makes, or undefined for any other string. */
export function parseBatchName(name: string): { gtin: string; lot: string } | undefined {
  if (typeof name !== 'string') return undefined;
  const m = /^01\/(\d{14})\/10\/([^]*)$/.exec(name);
  if (!m) return undefined;
  const gtin = m[1]!;
  const lot = m[2]!;
  return isValidGtin14(gtin) && isValidLot(lot) ? { gtin, lot } : undefined;
}

// ---------------------------------------------------------------------------------------------
// GS1 Digital Link paths
// ---------------------------------------------------------------------------------------------

const HEX = '0123456789ABCDEF';
const UTF8 = new TextEncoder();
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/**
 * Percent-encodes one value for a GS1 Digital Link path element: every character except the
 * RFC 3986 §2.3 unreserved set (`A–Z a–z 0–9 - . _ ~`) becomes `%XX`, upper-case hex, one per
 * UTF-8 byte. On CSET 82 this keeps letters, digits, `-`, `.` and `_` and encodes the 17
 * characters `! " % & ' ( ) * + , / : ; < = > ?` (as %21 %22 %25 %26 %27 %28 %29 %2A %2B %2C
 * %2F %3A %3B %3C %3D %3E %3F). This is what GS1's reference syntax engine writes
 * (gs1/gs1-syntax-engine, src/c-lib/dl.c, URIescape), and the Digital Link ABNF (grammar 1.0–1.2
 * in gs1/digital-link.js, XSYMBOL) names the same forms for all of them except `"`, which it
 * lists raw although RFC 3986 does not allow it in a URI. `+` is encoded as well: the engine
 * notes that %2B is preferred in path info.
 */
export function encodeDigitalLinkValue(value: string): string {
  let out = '';
  for (const ch of value) {
    if (UNRESERVED.test(ch)) {
      out += ch;
      continue;
    }
    for (const byte of UTF8.encode(ch)) out += `%${HEX[byte >> 4]}${HEX[byte & 15]}`;
  }
  return out;
}

// A path segment as RFC 3986 §3.3 defines it: pchar = unreserved / pct-encoded / sub-delims / ":" / "@".
const SEGMENT = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})*$/;

/**
 * The value carried by one Digital Link path segment, or undefined when the segment is not a
 * well-formed RFC 3986 path segment: a `%` not followed by two hex digits, or a character that a
 * URI cannot carry raw in a segment (space, `"`, `<`, `>`, `#`, `?`, `/`, any non-ASCII, ...).
 * Hex digits may be of either case, and sub-delimiters such as `(` or `+` may come unencoded;
 * `+` is a plus sign, not a space (that meaning belongs to query strings only). Each `%XX`
 * becomes the one character U+00XX: GS1 AI values are ASCII, so an octet above 0x7F fails every
 * GS1 character set, whatever it would mean as UTF-8.
 *
 * Policy: stricter than GS1's syntax engine, which keeps a malformed `%` as a literal `%`, and
 * than the Digital Link ABNF 1.0–1.2, which lists `"` unencoded: neither is a URI, and no browser
 * sends one.
 */
export function decodeDigitalLinkValue(segment: string): string | undefined {
  if (typeof segment !== 'string' || !SEGMENT.test(segment)) return undefined;
  return segment.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) =>
    String.fromCharCode(parseInt(hex, 16)),
  );
}

/**
 * `/01/<gtin>/10/<lot>[/21/<serial>]`, the lot and serial encoded by `encodeDigitalLinkValue`:
 * the path of the GS1 Digital Link URI of a batch or item. Qualifiers come in the order the GS1
 * Barcode Syntax Dictionary gives for AI (01), `dlpkey=22,10,21`. Throws `invalid_gtin` unless
 * the GTIN is a GTIN-14 with a valid check digit, `invalid_lot` / `invalid_serial` unless the
 * lot / serial is X..20 over CSET 82.
 */
export function encodeDigitalLinkPath(k: DigitalLinkKey): string {
  if (!isValidGtin14(k.gtin)) throw badGtin('a Digital Link GTIN is 14 digits with a valid check digit');
  if (!isValidLot(k.lot)) throw badLot();
  let path = `/01/${k.gtin}/10/${encodeDigitalLinkValue(k.lot)}`;
  if (k.serial !== undefined) {
    if (!isValidSerial(k.serial)) throw badSerial();
    path += `/21/${encodeDigitalLinkValue(k.serial)}`;
  }
  return path;
}

// The key qualifiers of AI (01) in their one permitted order, and the alternative that excludes
// them (GS1 Barcode Syntax Dictionary: `01 ... dlpkey=22,10,21|235`).
const GTIN_QUALIFIERS: readonly string[] = ['22', '10', '21'];
const GTIN_ALTERNATIVE_QUALIFIERS: readonly string[] = ['235'];

/**
 * The GTIN-14, lot and optional serial named by the path of a GS1 Digital Link URI,
 * `/01/<gtin>/10/<lot>[/21/<serial>]`. The input is the raw path as received, still
 * percent-encoded (such as `new URL(url).pathname`), without query string or fragment.
 *
 * Throws LedgerError with code
 * - `invalid_digital_link` when the path is not of that shape: no leading `/`; an empty segment
 *   (double or trailing slash); a primary key other than AI (01); an AI that is not a key
 *   qualifier of (01); qualifiers repeated or out of the order (22), (10), (21); a (22) or (235)
 *   qualifier, or no (10); an AI without a value; a `?` or `#`; a segment that is not a
 *   well-formed percent-encoded URI segment (see `decodeDigitalLinkValue`);
 * - `invalid_gtin` when the GTIN is not 8, 12, 13 or 14 digits or its check digit is wrong;
 * - `invalid_lot` / `invalid_serial` when the decoded value is not 1–20 characters of CSET 82.
 * Shape is checked before values, so the code names the first thing wrong in that order.
 *
 * Policy: a GTIN-8, GTIN-12 or GTIN-13 is accepted and returned as a GTIN-14, as GS1 resolvers
 * accept legacy URIs (the syntax engine's "permit zero-suppressed GTIN" option, which GS1 calls
 * deprecated); `encodeDigitalLinkPath` always writes 14 digits. Policy: no custom path stem before
 * `/01/`; lotproof serves these paths at its root. Policy: Digital Links that GS1 accepts but that
 * name no lotproof batch (a GTIN alone, with a CPV (22) or a TPX (235), other primary keys) are
 * refused as `invalid_digital_link`: a batch is named by GTIN and lot (SPEC §3).
 */
export function parseDigitalLinkPath(path: string): DigitalLinkKey {
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw badLink('a Digital Link path starts with "/"');
  }
  if (/[?#]/.test(path)) throw badLink('a Digital Link path comes without query string or fragment');
  const segments = path.slice(1).split('/');
  if (segments.includes('')) {
    throw badLink('a Digital Link path has no empty segments (double or trailing slash)');
  }
  if (segments.length % 2 !== 0) throw badLink('every AI in a Digital Link path is followed by its value');

  const values = new Map<string, string>();
  let lastRank = -1;
  for (let i = 0; i < segments.length; i += 2) {
    const ai = segments[i]!;
    if (i === 0) {
      if (ai !== '01') throw badLink(`the primary key must be AI (01) GTIN, not "${ai}"`);
    } else {
      const rank = GTIN_QUALIFIERS.indexOf(ai);
      if (rank < 0 && !GTIN_ALTERNATIVE_QUALIFIERS.includes(ai)) {
        throw badLink(`"${ai}" is not a key qualifier of AI (01)`);
      }
      if (rank >= 0 && rank <= lastRank) {
        throw badLink('the key qualifiers of a GTIN come once each, in the order (22), (10), (21)');
      }
      if (ai !== '10' && ai !== '21') {
        throw badLink(`AI (${ai}) qualifies a GTIN, but lotproof names items by (10) and (21) only`);
      }
      lastRank = rank;
    }
    const value = decodeDigitalLinkValue(segments[i + 1]!);
    if (value === undefined) throw badLink(`the value of AI (${ai}) is not a well-formed URI path segment`);
    values.set(ai, value);
  }
  const lot = values.get('10');
  if (lot === undefined) throw badLink('a lotproof Digital Link names a batch: AI (01), then AI (10)');

  const gtin = normalizeGtin(values.get('01')!);
  if (gtin === undefined) throw badGtin('a GTIN is 8, 12, 13 or 14 digits with a valid check digit');
  if (!isValidLot(lot)) throw badLot();
  const serial = values.get('21');
  if (serial === undefined) return { gtin, lot };
  if (!isValidSerial(serial)) throw badSerial();
  return { gtin, lot, serial };
}
