// The EPCIS Event Hash ID of GS1 CBV 2.0 (§8.9): the canonical pre-hash string of an EPCIS 2.0
// event and its name `ni:///sha-256;<hex>?ver=CBV2.0` (RFC 6920). Ported from GS1's reference
// implementation of the algorithm (RalphTro/epcis-event-hash-generator, MIT licence: hash_generator.py,
// json_to_py.py, json_xml_model_mismatch_correction.py, dl_normaliser.py) so that both give the same
// ID for the same JSON-LD event; test/vectors/epcis/event-hash holds its published examples.
//
// Where the reference and the prose of the algorithm differ, the reference wins, because it is
// what other implementations test against: everything after bizLocation (bizTransactionList,
// sourceList, destinationList, ilmd and extensions) is sorted together; keys and values with a
// prefix are expanded only for prefixes the document's own `@context` declares; every value that
// reads as a number is written as Python writes it (`0012` → `12`, `0.00001` → `1e-05`), true and
// false as `True` and `False`. Two deliberate differences: (1) bare CBV vocabulary is expanded from
// the event alone, where the reference looks at the whole document (so an ID would otherwise depend
// on the other events shipped with it); (2) sub-millisecond times round half up, as the CBV text
// says, where the reference rounds half to even.
import { toHex, utf8 } from './bytes.ts';
import { gtinCheckDigit } from './gs1.ts';
import { sha256 } from './hash.ts';

/** Prefix → namespace IRI, e.g. `{ cbvmda: 'urn:epcglobal:cbv:mda:' }`, as a document's @context declares them. */
export type Prefixes = Record<string, string>;

// ---------------------------------------------------------------------------------------------
// The CBV vocabulary a JSON-LD event may write as bare strings (from the EPCIS 2.0 context)
// ---------------------------------------------------------------------------------------------

const CBV = 'https://ref.gs1.org/cbv/';
const GS1_VOC = 'https://gs1.org/voc/';
const words = (s: string) => s.split(' ');
const BIZ_STEPS = words(
  'accepting arriving assembling collecting commissioning consigning creating_class_instance cycle_counting decommissioning departing destroying disassembling dispensing encoding entering_exiting holding inspecting installing killing loading other packing picking receiving removing repackaging repairing replacing reserving retail_selling sampling sensor_reporting shipping staging_outbound stock_taking stocking storing transporting unloading unpacking void_shipping',
);
const DISPOSITIONS = words(
  'active available completeness_inferred completeness_verified conformant container_closed container_open damaged destroyed dispensed disposed encoded expired in_progress in_transit inactive mismatch_class mismatch_instance mismatch_quantity needs_replacement no_pedigree_match non_conformant non_sellable_other partially_dispensed recalled reserved retail_sold returned sellable_accessible sellable_not_accessible stolen unavailable unknown',
);
const SOURCE_DEST_TYPES = words('owning_party possessing_party location');
const BIZ_TRANSACTION_TYPES = words('bol cert desadv inv pedigree po poc prodorder recadv rma testprd testres upevt');
const ERROR_REASONS = words('did_not_occur incorrect_data');
const MEASUREMENT_TYPES = words(
  'AbsoluteHumidity AbsorbedDose AbsorbedDoseRate Acceleration Altitude AmountOfSubstance AmountOfSubstancePerUnitVolume Angle AngularAcceleration AngularMomentum AngularVelocity Area Capacitance Conductance Conductivity Count Density Dimensionless DoseEquivalent DoseEquivalentRate DynamicViscosity ElectricCharge ElectricCurrent ElectricCurrentDensity ElectricFieldStrength Energy Exposure Force Frequency Illuminance Inductance Irradiance KinematicViscosity Length LinearMomentum Luminance LuminousFlux LuminousIntensity MagneticFlux MagneticFluxDensity MagneticVectorPotential Mass MassConcentration MassFlowRate MassPerAreaTime MemoryCapacity MolalityOfSolute MolarEnergy MolarMass MolarVolume Power Pressure RadiantFlux RadiantIntensity Radioactivity RelativeHumidity Resistance Resistivity SolidAngle SpecificVolume Speed SurfaceDensity SurfaceTension Temperature Time Torque Voltage Volume VolumeFlowRate VolumeFraction VolumetricFlux Wavenumber',
);
const SENSOR_EXCEPTIONS = words('ALARM_CONDITION ERROR_CONDITION');
const COMPONENTS = words('altitude axial_distance azimuth easting elevation_angle height latitude longitude northing polar_angle spherical_radius x y z');

type Vocab = Map<string, string>;
const vocab = (terms: string[], base: string): Vocab => new Map(terms.map((t) => [t, base + t]));
const V_BIZSTEP = vocab(BIZ_STEPS, `${CBV}BizStep-`);
const V_DISP = vocab(DISPOSITIONS, `${CBV}Disp-`);
const V_SDT = vocab(SOURCE_DEST_TYPES, `${CBV}SDT-`);
const V_BTT = vocab(BIZ_TRANSACTION_TYPES, `${CBV}BTT-`);
const V_ER = vocab(ERROR_REASONS, `${CBV}ER-`);
const V_MEASUREMENT = vocab(MEASUREMENT_TYPES, GS1_VOC);
const V_EXCEPTION = vocab(SENSOR_EXCEPTIONS, GS1_VOC);
const V_COMPONENT = vocab(COMPONENTS, `${CBV}Comp-`);

/** Event fields the EPCIS context maps (JSON-LD keeps them on expansion); other keys need a prefix. */
const STANDARD_KEYS = new Set(
  words(
    'action bizLocation bizRules bizStep bizTransaction bizTransactionList booleanValue certificationInfo chemicalSubstance childEPCs childQuantityList component coordinateReferenceSystem correctiveEventIDs dataProcessingMethod declarationTime destination destinationList deviceID deviceMetadata disposition endTime epcClass epcList errorDeclaration eventID eventTime eventTimeZoneOffset exception hexBinaryValue id ilmd inputEPCList inputQuantityList maxValue meanValue microorganism minValue outputEPCList outputQuantityList parentID percRank percValue persistentDisposition quantity quantityList rawData readPoint reason recordTime sDev sensorElementList sensorMetadata sensorReport set source sourceList startTime stringValue time transformationID type unset uom uriValue value',
  ),
);

type Json = unknown;
type Obj = Record<string, Json>;
const isObj = (v: Json): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const asList = (v: Json): Json[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

/**
 * The IRIs that JSON-LD expansion of the event yields under the CBV and GS1 vocabularies: the
 * bare-string vocabulary of its standard fields, and every value already written as such an IRI.
 * The reference replaces any value that is the unique suffix (after `-` or `/`) of one of these.
 */
function expandedVocabulary(event: Obj, prefixes: Prefixes): Set<string> {
  const out = new Set<string>();
  const expand = (v: Json, table: Vocab) => {
    if (typeof v !== 'string') return;
    const hit = table.get(v);
    if (hit !== undefined) out.add(hit);
    const i = v.indexOf(':');
    if (i > 0) {
      const ns = { cbv: CBV, gs1: GS1_VOC, ...prefixes }[v.slice(0, i)];
      if (ns !== undefined) out.add(ns + v.slice(i + 1));
    }
  };
  for (const v of asList(event.bizStep)) expand(v, V_BIZSTEP);
  for (const v of asList(event.disposition)) expand(v, V_DISP);
  if (isObj(event.persistentDisposition)) {
    for (const v of [...asList(event.persistentDisposition.set), ...asList(event.persistentDisposition.unset)]) expand(v, V_DISP);
  }
  for (const k of ['sourceList', 'destinationList'] as const) for (const el of asList(event[k])) if (isObj(el)) expand(el.type, V_SDT);
  for (const el of asList(event.bizTransactionList)) if (isObj(el)) expand(el.type, V_BTT);
  if (isObj(event.errorDeclaration)) expand(event.errorDeclaration.reason, V_ER);
  for (const se of asList(event.sensorElementList)) {
    if (!isObj(se)) continue;
    for (const r of asList(se.sensorReport)) {
      if (!isObj(r)) continue;
      expand(r.type, V_MEASUREMENT);
      expand(r.exception, V_EXCEPTION);
      expand(r.component, V_COMPONENT);
    }
  }
  const walk = (v: Json) => {
    if (typeof v === 'string') {
      if (v.startsWith('https://ref.gs1.org/cbv') || v.startsWith('https://gs1.org/voc')) out.add(v);
    } else if (Array.isArray(v)) v.forEach(walk);
    else if (isObj(v)) {
      // Expansion drops keys that map to no IRI, and everything under them.
      for (const [k, x] of Object.entries(v)) if (STANDARD_KEYS.has(k) || k.includes(':')) walk(x);
    }
  };
  walk(event);
  return out;
}

function replaceBareStrings(v: Json, expanded: Set<string>): Json {
  if (typeof v === 'string') {
    let match: string | undefined;
    let n = 0;
    for (const x of expanded) {
      if (x.endsWith(`-${v}`) || x.endsWith(`/${v}`)) {
        match = x;
        n++;
      }
    }
    return n === 1 ? match : v;
  }
  if (Array.isArray(v)) return v.map((x) => replaceBareStrings(x, expanded));
  if (isObj(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, replaceBareStrings(x, expanded)]));
  return v;
}

// ---------------------------------------------------------------------------------------------
// Python's text forms (the reference writes values with str())
// ---------------------------------------------------------------------------------------------

/** Python's str <, by code point (JavaScript's compares UTF-16 code units). */
function cmpStr(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      const xs = x >= 0xd800 && x <= 0xdfff;
      const ys = y >= 0xd800 && y <= 0xdfff;
      if (xs !== ys) return xs ? 1 : -1;
      return x - y;
    }
  }
  return a.length - b.length;
}
const sortStrings = (a: string[]) => a.sort(cmpStr);

/** Python's str.strip(): the characters str.isspace() accepts, at both ends. */
function pyStrip(s: string): string {
  return s.replace(/^[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g, '');
}

/** Python's repr() of a finite float that is not an integer. */
function pyFloatRepr(x: number): string {
  const [mant, exp] = x.toExponential().split('e') as [string, string];
  const neg = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  const e = Number(exp);
  const decpt = e + 1;
  let body: string;
  if (decpt <= -4 || decpt > 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    body = `${m}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  } else if (decpt <= 0) {
    body = `0.${'0'.repeat(-decpt)}${digits}`;
  } else if (decpt >= digits.length) {
    body = `${digits}${'0'.repeat(decpt - digits.length)}.0`;
  } else {
    body = `${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
  }
  return neg ? `-${body}` : body;
}

const PY_FLOAT = /^[+-]?(?:(?:\d(?:_?\d)*(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d(?:_?\d)*)?|inf(?:inity)?|nan)$/i;

/** The reference's numeric canonical form: what Python's float() reads is written back as int or repr. */
function canonicalNumber(text: string): string {
  if (!PY_FLOAT.test(text)) return text;
  const lower = text.toLowerCase();
  if (lower.endsWith('nan')) return text;
  if (lower.endsWith('inf') || lower.endsWith('infinity')) throw new Error(`the value ${text} cannot be hashed (infinite)`);
  const x = Number(text.replace(/_/g, ''));
  if (!Number.isFinite(x)) throw new Error(`the value ${text} cannot be hashed (infinite)`);
  return Number.isInteger(x) ? BigInt(x).toString() : pyFloatRepr(x);
}

/** How Python's str() writes a JSON scalar. */
function pyScalar(v: Json): string {
  if (typeof v === 'string') return v;
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v).toString() : pyFloatRepr(v);
  return String(v);
}

/** CBV 2.0 rules 8 and 9: UTC, 'Z', milliseconds (sub-millisecond digits round half up). */
function canonicalTime(text: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/.exec(text);
  if (!m) return text;
  const [, y, mo, d, h, mi, s = '0', frac = '', zone = 'Z'] = m;
  const date = new Date(Date.UTC(2000, Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)));
  date.setUTCFullYear(Number(y));
  // A field out of range (month 13, 25 o'clock) is not a time to the reference either.
  if (date.getUTCMonth() !== Number(mo) - 1 || date.getUTCDate() !== Number(d) || date.getUTCHours() !== Number(h) || date.getUTCMinutes() !== Number(mi)) return text;
  let ms = date.getTime();
  ms += Number(frac.padEnd(3, '0').slice(0, 3)) + (Number(frac[3] ?? '0') >= 5 ? 1 : 0);
  if (zone !== 'Z' && zone !== 'z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const z = zone.slice(1).replace(':', '');
    ms -= sign * (Number(z.slice(0, 2)) * 60 + Number(z.slice(2, 4) || '0')) * 60_000;
  }
  const iso = new Date(ms).toISOString();
  return iso.length === 24 ? iso : text;
}

// ---------------------------------------------------------------------------------------------
// GS1 identifiers: EPC URIs and GS1 Digital Links to the constrained canonical Digital Link
// (CBV 2.0 rules 17 and 18; GS1 Digital Link 1.2 §4.11; EPC Tag Data Standard URI forms)
// ---------------------------------------------------------------------------------------------

const withCheck = (digits: string) => digits + String(gtinCheckDigit(digits));
/** GS1 Digital Link Table 7-1: characters an EPC URI may hold that a Digital Link percent-encodes. */
const dlEncode = (s: string) =>
  s.replace(/!/g, '%21').replace(/\(/g, '%28').replace(/\)/g, '%29').replace(/\*/g, '%2A').replace(/\+/g, '%2B').replace(/,/g, '%2C').replace(/:/g, '%3A');

const X = String.raw`(?:%2[125-9A-Fa-f]|%3[0-9A-Fa-f]|%4[1-9A-Fa-f]|%5[0-9AaFf]|%6[1-9A-Fa-f]|%7[0-9Aa]|[!')(*+,.0-9:;=A-Za-z_-])`;
const CPI = String.raw`(?:%2[3dfDF]|%3[0-9]|%4[1-9A-Fa-f]|%5[0-9Aa]|[0-9A-Z-])`;
/** Company prefix of 6–12 digits and a reference, `total` digits together. */
const cp = (total: number, dotRef = false) =>
  `(?:${[6, 7, 8, 9, 10, 11, 12].map((n) => (total - n > 0 ? String.raw`\d{${n}}\.\d{${total - n}}` : dotRef ? String.raw`\d{${n}}\.\.` : String.raw`\d{${n}}\.`)).join('|')})`;
const cpFree = (max: number, chars: string) => `(?:${[6, 7, 8, 9, 10, 11, 12].map((n) => String.raw`\d{${n}}\.${chars}{1,${max - n}}`).join('|')})`;
const re = (s: string) => new RegExp(`^${s}$`);

const EPC = {
  sgtin: re(String.raw`urn:epc:id:sgtin:${cp(13)}\.${X}{1,20}`),
  sscc: re(String.raw`urn:epc:id:sscc:${cp(17)}`),
  sgln: re(String.raw`urn:epc:id:sgln:${cp(12)}\.${X}{1,20}`),
  grai: re(String.raw`urn:epc:id:grai:${cp(12, true)}\.${X}{1,16}`),
  giai: re(String.raw`urn:epc:id:giai:${cpFree(30, X)}`),
  gsrn: re(String.raw`urn:epc:id:gsrn:${cp(17)}`),
  gsrnp: re(String.raw`urn:epc:id:gsrnp:${cp(17)}`),
  gdti: re(String.raw`urn:epc:id:gdti:${cp(12, true)}${X}{1,20}`),
  cpi: re(String.raw`urn:epc:id:cpi:${cpFree(30, CPI)}\.\d{1,12}`),
  sgcn: re(String.raw`urn:epc:id:sgcn:${cp(12)}\.\d{1,12}`),
  ginc: re(String.raw`urn:epc:id:ginc:${cpFree(30, X)}`),
  gsin: re(String.raw`urn:epc:id:gsin:${cp(16)}`),
  itip: re(String.raw`urn:epc:id:itip:${cp(13)}\.\d{2}\.\d{2}\.${X}{1,20}`),
  upui: re(String.raw`urn:epc:id:upui:${cp(13)}\.${X}{1,28}`),
  pgln: re(String.raw`urn:epc:id:pgln:${cp(12)}`),
  lgtin: re(String.raw`urn:epc:class:lgtin:${cp(13)}\.${X}{1,20}`),
  patSgtin: re(String.raw`urn:epc:idpat:sgtin:${cp(13)}\.\*`),
  patGrai: re(String.raw`urn:epc:idpat:grai:${cp(12, true)}\.\*`),
  patGdti: re(String.raw`urn:epc:idpat:gdti:${cp(12, true)}\.\*`),
  patSgcn: re(String.raw`urn:epc:idpat:sgcn:${cp(12, true)}\.\*`),
  patCpi: re(String.raw`urn:epc:idpat:cpi:${cpFree(30, CPI)}\.\*`),
  patItip: re(String.raw`urn:epc:idpat:itip:${cp(13)}\.\d{2}\.\d{2}\.\*`),
  patUpui: re(String.raw`urn:epc:idpat:upui:${cp(13)}\.\*`),
};

const DL_KEYS = '01|gtin|8006|itip|8010|cpid|414|gln|417|party|8017|gsrnp|8018|gsrn|255|gcn|00|sscc|253|gdti|401|ginc|402|gsin|8003|grai|8004|giai';
const DL_URI = new RegExp(
  String.raw`^https?:(\/\/((([^\/?#]*)@)?([^\/?#:]*)(:([^\/?#]*))?))?((([^?#]*)(\/(${DL_KEYS})\/)(\d{4}[^\/]+)(\/[^\/]+\/[^\/]+)?[\/]?(\?([^?\n]*))?(#([^\n]*))?)|(\/[A-Za-z_-]{10}$))`,
);
const DL_CANONICAL = /^(?:https:\/\/id.gs1.org\/(01|8006|8010|414|417|8017|8018|255|00|253|401|402|8003|8004)\/(\d{4}[^\/]+)(\/[^\/]+\/[^\/]+)?[\/]?(\?([^?\n]*))?(#([^\n]*))?|(\/[A-Za-z_-]{10}$))/;
const DL_SHORT_NAMES: [string, string][] = [
  ['/gtin/', '/01/'], ['/itip/', '/8006/'], ['/cpid/', '/8010/'], ['/gln/', '/414/'], ['/party/', '/417/'], ['/gsrnp/', '/8017/'], ['/gsrn/', '/8018/'],
  ['/gcn/', '/255/'], ['/sscc/', '/00/'], ['/gdti/', '/253/'], ['/ginc/', '/401/'], ['/gsin/', '/402/'], ['/grai/', '/8003/'], ['/giai/', '/8004/'],
  ['/cpv/', '/22/'], ['/lot/', '/10/'], ['/ser/', '/21/'],
];
const DL_PRIMARY = ['/00/', '/01/', '/253/', '/255/', '/401/', '/402/', '/414/', '/417/', '/8003/', '/8004/', '/8006/', '/8010/', '/8017/', '/8018/'];
const C = String.raw`[\x22\x27\x2D\x2E\x30-\x39\x3B-\x3F\x41-\x5A\x5F\x61-\x7A]`;
const DL_VALID = [
  String.raw`00\/(\d{18})`, String.raw`01\/(\d{14})\/21\/(${C}{0,20})`, String.raw`01\/(\d{14})\/10\/(${C}{0,20})`, String.raw`01\/(\d{14})`,
  String.raw`01\/(\d{14})\/235\/(${C}{0,28})`, String.raw`253\/(\d{13})(${C}{0,17})`, String.raw`255\/(\d{13})(\d{0,12})`, String.raw`401\/(${C}{0,30})`,
  String.raw`402\/(\d{17})`, String.raw`414\/(\d{13})`, String.raw`414\/(\d{13})\/254\/(${C}{0,20})`, String.raw`417\/(\d{13})`,
  String.raw`8003\/(\d{14})(${C}{0,16})`, String.raw`8004\/(${C}{0,30})`, String.raw`8006\/(\d{18})\/21\/(${C}{0,20})`, String.raw`8006\/(\d{18})\/10\/(${C}{0,20})`,
  String.raw`8006\/(\d{18})`, String.raw`8010\/([\x23\x2D\x2F\x30-\x39\x41-\x5A]{0,30})\/8011/(\d{0,12})`, String.raw`8010\/([\x23\x2D\x2F\x30-\x39\x41-\x5A]{0,30})`,
  String.raw`8017\/(\d{18})`, String.raw`8018\/(\d{18})`,
].map((p) => new RegExp(String.raw`^https:\/\/id.gs1.org\/${p}$`));

/**
 * The constrained canonical GS1 Digital Link of an EPC URI, EPC class or pattern URI, or a GS1
 * Digital Link (any domain, short names, query and key qualifiers above the finest level
 * removed), or undefined for anything else.
 */
export function canonicalGs1Uri(uri: string): string | undefined {
  const partition = uri.indexOf('.');
  if (partition < 0) return undefined;
  const dl = (path: string) => `https://id.gs1.org/${path}`;
  const gtinOf = (prefixStart: number) => {
    const company = uri.slice(prefixStart, partition);
    const item = uri.slice(partition + 1, partition + 1 + (13 - company.length));
    return withCheck(item.slice(0, 1) + company + item.slice(1));
  };
  const key12 = (prefixStart: number) => {
    const company = uri.slice(prefixStart, partition);
    return company + uri.slice(partition + 1, partition + 1 + (12 - company.length));
  };
  if (EPC.sgtin.test(uri)) return dl(`01/${gtinOf(17)}/21/${dlEncode(uri.slice(32))}`);
  if (EPC.sscc.test(uri)) {
    const company = uri.slice(16, partition);
    return dl(`00/${withCheck(uri.slice(partition + 1, partition + 2) + company + uri.slice(partition + 2))}`);
  }
  if (EPC.sgln.test(uri)) {
    const ext = uri.slice(30);
    return dl(`414/${withCheck(key12(16))}${ext === '0' ? '' : `/254/${dlEncode(ext)}`}`);
  }
  if (EPC.grai.test(uri)) return dl(`8003/${withCheck(`0${key12(16)}`)}${dlEncode(uri.slice(30))}`);
  if (EPC.giai.test(uri)) return dl(`8004/${uri.slice(16, partition)}${dlEncode(uri.slice(partition + 1))}`);
  if (EPC.gsrn.test(uri)) return dl(`8018/${withCheck(uri.slice(16, partition) + uri.slice(partition + 1))}`);
  if (EPC.gsrnp.test(uri)) return dl(`8017/${withCheck(uri.slice(17, partition) + uri.slice(partition + 1))}`);
  if (EPC.gdti.test(uri)) return dl(`253/${withCheck(key12(16))}${dlEncode(uri.slice(30))}`);
  if (EPC.cpi.test(uri)) {
    const sep = uri.lastIndexOf('.');
    return dl(`8010/${dlEncode(uri.slice(15, partition) + uri.slice(partition + 1, sep))}/8011/${uri.slice(sep + 1)}`);
  }
  if (EPC.sgcn.test(uri)) return dl(`255/${withCheck(key12(16))}${uri.slice(30)}`);
  if (EPC.ginc.test(uri)) return dl(`401/${uri.slice(16, partition)}${dlEncode(uri.slice(partition + 1))}`);
  if (EPC.gsin.test(uri)) return dl(`402/${withCheck(uri.slice(16, partition) + uri.slice(partition + 1))}`);
  if (EPC.itip.test(uri)) return dl(`8006/${gtinOf(16)}${uri.slice(31, 33)}${uri.slice(34, 36)}/21/${dlEncode(uri.slice(37))}`);
  if (EPC.upui.test(uri)) return dl(`01/${gtinOf(16)}/235/${dlEncode(uri.slice(31))}`);
  if (EPC.pgln.test(uri)) return dl(`417/${withCheck(key12(16))}`);
  if (EPC.lgtin.test(uri)) return dl(`01/${gtinOf(20)}/10/${dlEncode(uri.slice(35))}`);
  if (EPC.patSgtin.test(uri)) return dl(`01/${gtinOf(20)}`);
  if (EPC.patGrai.test(uri)) return dl(`8003/${withCheck(`0${key12(19)}`)}`);
  if (EPC.patGdti.test(uri)) return dl(`253/${withCheck(key12(19))}`);
  if (EPC.patSgcn.test(uri)) return dl(`255/${withCheck(key12(19))}`);
  if (EPC.patCpi.test(uri)) return dl(`8010/${dlEncode(uri.slice(18, partition) + uri.slice(partition + 1, uri.lastIndexOf('.')))}`);
  if (EPC.patItip.test(uri)) return dl(`8006/${gtinOf(19)}${uri.slice(34, 36)}${uri.slice(37, 39)}`);
  if (EPC.patUpui.test(uri)) return dl(`01/${gtinOf(19)}`);

  if (!DL_URI.test(uri)) return undefined;
  let u = uri.includes('?') ? uri.slice(0, uri.indexOf('?')) : uri;
  for (const [from, to] of DL_SHORT_NAMES) u = u.replaceAll(from, to);
  if (!DL_CANONICAL.test(u)) {
    const key = DL_PRIMARY.find((k) => u.includes(k));
    if (key !== undefined) u = `https://id.gs1.org${u.slice(u.indexOf(key))}`;
  }
  if (!/^https:\/\/id.gs1.org\/01\/\d{14}/.test(u)) {
    if (/^https:\/\/id.gs1.org\/01\/\d{13}/.test(u)) u = u.replaceAll('/01/', '/01/0');
    else if (/^https:\/\/id.gs1.org\/01\/\d{12}/.test(u)) u = u.replaceAll('/01/', '/01/00');
    else if (/^https:\/\/id.gs1.org\/01\/\d{8}/.test(u)) u = u.replaceAll('/01/', '/01/000000');
  }
  // Strip a consumer product variant (AI 22), then keep only the finest level (serial over lot).
  const x = u.slice(u.indexOf('/22/') + 4);
  if (new RegExp(String.raw`^https:\/\/id.gs1.org\/(?:8006\/\d{18}|01\/\d{14})\/22\/(${C}{0,20})$`).test(u)) {
    u = u.slice(0, u.indexOf('/22/')) + x.slice(x.indexOf('/'), -1);
  }
  if (new RegExp(String.raw`^https:\/\/id.gs1.org\/(?:8006\/\d{18}|01\/\d{14})\/22\/([\x2F\x22\x27\x2D\x2E\x30-\x39\x3B-\x3F\x41-\x5A\x5F\x61-\x7A]{0,20})$`).test(u)) {
    u = u.slice(0, u.indexOf('/22/')) + x.slice(x.indexOf('/'));
  }
  if (new RegExp(String.raw`^https:\/\/id.gs1.org\/(?:8006\/\d{18}|01\/(\d{14}))\/10\/(${C}{0,20})\/21\/(${C}{0,20})$`).test(u)) {
    const y = u.slice(u.indexOf('/10/') + 4);
    u = u.slice(0, u.indexOf('/10/')) + y.slice(y.indexOf('/'));
  }
  return DL_VALID.some((r) => r.test(u)) ? u : undefined;
}

// ---------------------------------------------------------------------------------------------
// The pre-hash string
// ---------------------------------------------------------------------------------------------

/** A field as the reference models it (XML-like): name, text value, children. */
interface PyNode {
  name: string;
  value: string;
  children: PyItem[];
}
/** A typed list element (bizTransaction, source, destination): its first two fields, unsorted. */
interface PyPair {
  pair: [PyNode, PyNode];
}
type PyItem = PyNode | PyPair;
const isPair = (x: PyItem): x is PyPair => 'pair' in x;
const KEEP_ORDER = ['bizTransaction', 'source', 'destination'];
const TYPED_LISTS = ['sourceList', 'destinationList', 'bizTransactionList'];

function cmpNode(a: PyItem, b: PyItem): number {
  if (isPair(a) || isPair(b)) return 0;
  return cmpStr(a.name, b.name) || cmpStr(a.value, b.value) || cmpChildren(a.children, b.children);
}
function cmpChildren(a: PyItem[], b: PyItem[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = cmpNode(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

function replacePrefix(text: string, prefixes: Prefixes, isValue: boolean): string {
  const i = text.indexOf(':');
  if (i < 0) return text;
  const prefix = text.slice(0, i);
  if (!Object.prototype.hasOwnProperty.call(prefixes, prefix)) return text;
  const ns = prefixes[prefix]!;
  return isValue ? ns + text.slice(i + 1) : `{${ns}}${text.slice(i + 1)}`;
}

/** json_to_py: lists become repeated fields, objects fields sorted unless typed (source, …). */
function toPy(v: Json, prefixes: Prefixes): PyNode {
  if (Array.isArray(v)) {
    const node: PyNode = { name: '', value: '', children: v.map((x) => toPy(x, prefixes)) };
    if (!KEEP_ORDER.some((k) => v.includes(k))) node.children.sort(cmpNode);
    return node;
  }
  if (isObj(v)) {
    const node: PyNode = { name: 'type' in v ? pyScalar(v.type) : '', value: '#text' in v ? pyScalar(v['#text']) : '', children: [] };
    for (const [key, val] of Object.entries(v)) {
      if (key === '#text' || key === 'rdfs:comment' || key === 'comment' || key.startsWith('@xmlns')) continue;
      const child = toPy(val, prefixes);
      const name = replacePrefix(key, prefixes, false);
      if (Array.isArray(val)) for (const el of child.children as PyNode[]) node.children.push({ name, value: el.value, children: el.children });
      else node.children.push({ name, value: child.value, children: child.children });
    }
    if (!KEEP_ORDER.some((k) => k in v)) node.children.sort(cmpNode);
    return node;
  }
  return { name: '', value: pyScalar(typeof v === 'string' ? replacePrefix(v, prefixes, true) : v), children: [] };
}

/** json_xml_model_mismatch_correction: `…List` fields group their elements, as in the XML binding. */
function toXmlModel(node: PyNode): PyNode {
  const level = [...node.children];
  const lists = new Map<string, PyNode[]>();
  for (const el of node.children) {
    if (isPair(el) || !el.name.endsWith('List')) continue;
    const group = lists.get(el.name) ?? [];
    group.push({ name: el.name.slice(0, -4), value: el.value, children: el.children });
    lists.set(el.name, group);
    level.splice(level.indexOf(el), 1);
  }
  for (const [name, els] of lists) {
    if (TYPED_LISTS.includes(name)) {
      level.push({
        name,
        value: '',
        children: els.map((e) => {
          if (e.children.length < 2) throw new Error(`a ${name} element needs a type and a value`);
          return { pair: [e.children[0] as PyNode, e.children[1] as PyNode] };
        }),
      });
    } else level.push({ name, value: '', children: els });
  }
  const epcs: PyNode[] = [];
  for (const el of [...level]) {
    if (!isPair(el) && el.name === 'childEPCs') {
      epcs.push({ name: 'epc', value: el.value, children: [] });
      level.splice(level.indexOf(el), 1);
    }
  }
  if (epcs.length > 0) level.push({ name: 'childEPCs', value: '', children: epcs });
  const children = level.map((el) => (isPair(el) || TYPED_LISTS.includes(el.name) ? el : toXmlModel(el)));
  let name = node.name;
  if (name === 'inputEPC' || name === 'outputEPC') name = 'epc';
  if (name === 'inputQuantity' || name === 'outputQuantity' || name === 'childQuantity' || (name === 'quantity' && children.length > 0)) name = 'quantityElement';
  return { name, value: node.value, children };
}

/** A property order: field names, each with the order of its own fields (or null). */
type Order = [string, Order | null][];
const QUANTITY: Order = [['quantityElement', [['epcClass', null], ['quantity', null], ['uom', null]]]];
const PROP_ORDER: Order = [
  ['eventTime', null],
  ['eventTimeZoneOffset', null],
  ['certificationInfo', null],
  ['parentID', null],
  ['epcList', [['epc', null]]],
  ['inputEPCList', [['epc', null]]],
  ['childEPCs', [['epc', null]]],
  ['quantityList', QUANTITY],
  ['childQuantityList', QUANTITY],
  ['inputQuantityList', QUANTITY],
  ['outputEPCList', [['epc', null]]],
  ['outputQuantityList', QUANTITY],
  ['action', null],
  ['transformationID', null],
  ['bizStep', null],
  ['disposition', null],
  ['persistentDisposition', [['set', null], ['unset', null]]],
  ['readPoint', [['id', null]]],
  ['bizLocation', [['id', null]]],
  // bizTransactionList, sourceList and destinationList are listed here by the reference with an
  // order that matches no field, so they fall through to the sorted remainder, as ilmd does.
  [
    'sensorElementList',
    [
      [
        'sensorElement',
        [
          ['sensorMetadata', words('time startTime endTime deviceID deviceMetadata rawData dataProcessingMethod bizRules').map((n) => [n, null])],
          [
            'sensorReport',
            words(
              'type exception deviceID deviceMetadata rawData dataProcessingMethod time microorganism chemicalSubstance value component stringValue booleanValue hexBinaryValue uriValue minValue maxValue meanValue sDev percRank percValue uom coordinateReferenceSystem',
            ).map((n) => [n, null]),
          ],
        ],
      ],
    ],
  ],
];

function canonicalValue(text: string): string {
  const t = text
    .replaceAll('urn:epcglobal:cbv:bizstep:', `${CBV}BizStep-`)
    .replaceAll('urn:epcglobal:cbv:disp:', `${CBV}Disp-`)
    .replaceAll('urn:epcglobal:cbv:btt:', `${CBV}BTT-`)
    .replaceAll('urn:epcglobal:cbv:sdt:', `${CBV}SDT-`)
    .replaceAll('urn:epcglobal:cbv:er:', `${CBV}ER-`);
  const n = canonicalNumber(t);
  return canonicalGs1Uri(n) ?? n;
}

function removeItem(list: PyItem[], item: PyItem): void {
  const i = list.indexOf(item);
  if (i >= 0) list.splice(i, 1);
}

/** Extensions inside a standard field with an extension point (readPoint, sensorReport, …). */
function takeUserExtensions(list: PyItem[]): PyItem[] {
  if (list.length <= 1) return [];
  if (list.some((c) => !isPair(c) && (c.name.includes('eventTime') || c.name.includes('action')))) return [];
  const ext = list.filter((c) => !isPair(c) && c.name.includes('{') && c.name.includes('/}'));
  for (const e of ext) removeItem(list, e);
  return ext;
}

function fieldInOrder(child: PyNode, order: Order | null): string {
  const grand = order ? inOrder(child.children, order) : '';
  let text = '';
  if (child.value) {
    text = pyStrip(child.value);
    const lower = child.name.toLowerCase();
    text = lower.includes('time') && !lower.includes('offset') ? canonicalTime(text) : canonicalValue(text);
    if (text) text = `=${text}`;
  }
  return text || grand ? child.name + text + grand : '';
}

/** Fields in the canonical property order; what is consumed is removed from `list`. */
function inOrder(list: PyItem[], order: Order): string {
  let out = '';
  const ext = takeUserExtensions(list);
  for (const [name, sub] of order) {
    const values: string[] = [];
    for (const child of list.filter((c): c is PyNode => !isPair(c) && c.name === name)) {
      const s = fieldInOrder(child, sub);
      if (s) values.push(s);
      if (child.children.length === 0) removeItem(list, child);
    }
    out += sortStrings(values).join('');
  }
  return ext.length > 0 ? out + generic(ext) : out;
}

/** Everything else: `name=value` and children, siblings sorted (typed list elements keep their order). */
function generic(children: PyItem[]): string {
  const values = children.map((c) => {
    if (isPair(c)) return generic(c.pair);
    let text = pyStrip(c.value);
    if (text) text = `=${canonicalValue(text)}`;
    return c.name + text + generic(c.children);
  });
  if (children.length > 1 && !children.some((c) => !isPair(c) && KEEP_ORDER.includes(c.name))) sortStrings(values);
  return values.join('');
}

const NOT_HASHED = ['recordTime', 'eventID', 'type', 'errorDeclaration'];

/**
 * The CBV 2.0 pre-hash string of one EPCIS 2.0 event in JSON-LD. `prefixes` are the ones its
 * document's @context declares. Throws when the reference implementation could not hash it either.
 */
export function eventPreHash(event: Record<string, unknown>, prefixes: Prefixes = {}): string {
  const replaced = replaceBareStrings(event, expandedVocabulary(event, prefixes)) as Obj;
  const root = toXmlModel(toPy(replaced, prefixes));
  const ordered = inOrder(root.children, PROP_ORDER);
  const rest = root.children.filter((c) => isPair(c) || !NOT_HASHED.includes(c.name));
  return `eventType=${root.name}${ordered}${rest.length > 0 ? generic(rest) : ''}`;
}

/** The EPCIS Event Hash ID: `ni:///sha-256;<hex of SHA-256(pre-hash string)>?ver=CBV2.0`. */
export function eventHashId(event: Record<string, unknown>, prefixes: Prefixes = {}): string {
  return `ni:///sha-256;${toHex(sha256(utf8(eventPreHash(event, prefixes))))}?ver=CBV2.0`;
}

/** The prefixes a document's @context declares inline (string-valued entries of its objects). */
export function contextPrefixes(context: unknown): Prefixes {
  const out: Prefixes = {};
  for (const c of Array.isArray(context) ? context : [context]) {
    if (!isObj(c)) continue;
    for (const [k, v] of Object.entries(c)) if (typeof v === 'string') out[k] = v;
  }
  return out;
}

/** The events of an EPCISDocument or EPCISQueryDocument, in order. */
export function documentEvents(doc: unknown): Record<string, unknown>[] {
  if (!isObj(doc) || !isObj(doc.epcisBody)) return [];
  const body = doc.epcisBody;
  if (Array.isArray(body.eventList)) return body.eventList as Obj[];
  if (isObj(body.queryResults) && isObj(body.queryResults.resultsBody) && Array.isArray(body.queryResults.resultsBody.eventList)) {
    return body.queryResults.resultsBody.eventList as Obj[];
  }
  return isObj(body.event) ? [body.event] : [];
}
