// GS1 EPCIS 2.0 (JSON-LD) export of the ledger, and the CBV 2.0 event hash that names each
// event (eventID `ni:///sha-256;<hex>?ver=CBV2.0`, RFC 6920). The pre-hash string follows the
// CBV 2.0 algorithm as the reference implementation (RalphTro/epcis-event-hash-generator)
// computes it: the canonical property order first, then every other field sorted, with bare CBV
// vocabulary expanded to its GS1 Web URI and prefixed names as `{namespace}local`.
import { toBase64 } from '../core/bytes.ts';
import { encodeDigitalLinkPath, parseBatchName } from '../core/gs1.ts';
import { sha256 } from '../core/hash.ts';
import { formatTime } from '../core/time.ts';
import type { Entry } from '../core/entry.ts';
import { splitRecordName, toMicro } from './bodies.ts';
import type { BatchRow, Store } from './store.ts';
import { readEntry } from './views.ts';

export const EPCIS_CONTEXT = 'https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld';
/** Prefixes the export declares or uses from the standard context. */
const STANDARD_PREFIXES: Record<string, string> = {
  cbvmda: 'urn:epcglobal:cbv:mda:',
  gs1: 'https://gs1.org/voc/',
  cbv: 'https://ref.gs1.org/cbv/',
  epcis: 'https://ref.gs1.org/epcis/',
};

export type EpcisEvent = Record<string, unknown> & { type: string; eventTime: string; eventTimeZoneOffset: string; eventID?: string };

// ---------------------------------------------------------------------------------------------
// The CBV 2.0 event hash
// ---------------------------------------------------------------------------------------------

const VOCAB: Record<string, string> = { bizStep: 'BizStep', disposition: 'Disp' };
const TYPED_LIST_VOCAB: Record<string, string> = { bizTransactionList: 'BTT', sourceList: 'SDT', destinationList: 'SDT' };
const IGNORED = new Set(['@context', 'type', 'eventID', 'recordTime', 'errorDeclaration']);

/** UTC with millisecond precision, 'Z' for the zero offset (CBV 2.0 hash rules 8 and 9). */
function hashTime(t: string): string {
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? t : formatTime(ms);
}

function hashNumber(n: number): string {
  return String(n);
}

function scalar(v: unknown): string {
  if (typeof v === 'number') return hashNumber(v);
  if (typeof v === 'boolean') return String(v);
  return String(v).trim();
}

/** `{namespace}local` for a prefixed name, the name itself for a standard one. */
function expandName(name: string, prefixes: Record<string, string>): string {
  const i = name.indexOf(':');
  if (i > 0) {
    const ns = prefixes[name.slice(0, i)];
    if (ns !== undefined) return `{${ns}}${name.slice(i + 1)}`;
  }
  return name;
}

/** A generic field's pre-hash text: name, `=value` if any, then its children, sorted. */
function genericField(name: string, value: unknown, prefixes: Record<string, string>): string {
  const key = expandName(name, prefixes);
  if (value === null || value === undefined) return key;
  if (Array.isArray(value)) {
    const vocab = TYPED_LIST_VOCAB[name];
    const parts = value.map((el) => {
      if (el !== null && typeof el === 'object') {
        // A typed element (bizTransaction, source, destination): its type first, then its value.
        const o = el as Record<string, unknown>;
        const typeValue = vocab && typeof o.type === 'string' && !o.type.includes(':') ? `https://ref.gs1.org/cbv/${vocab}-${o.type}` : o.type;
        const rest = Object.entries(o).filter(([k]) => k !== 'type');
        return `${typeValue !== undefined ? `type=${scalar(typeValue)}` : ''}${rest.map(([k, v]) => genericField(k, v, prefixes)).join('')}`;
      }
      return `${key}=${scalar(el)}`;
    });
    return `${key}${parts.sort().join('')}`;
  }
  if (typeof value === 'object') {
    const parts = Object.entries(value as Record<string, unknown>).map(([k, v]) => genericField(k, v, prefixes));
    return `${key}${parts.sort().join('')}`;
  }
  return `${key}=${scalar(value)}`;
}

function quantityList(name: string, list: unknown): string {
  if (!Array.isArray(list) || list.length === 0) return '';
  const parts = list.map((q) => {
    const e = q as { epcClass: string; quantity?: number; uom?: string };
    return `quantityElementepcClass=${e.epcClass}${e.quantity !== undefined ? `quantity=${hashNumber(e.quantity)}` : ''}${e.uom !== undefined ? `uom=${e.uom}` : ''}`;
  });
  return `${name}${parts.sort().join('')}`;
}

function epcList(name: string, list: unknown): string {
  if (!Array.isArray(list) || list.length === 0) return '';
  return `${name}${list.map((x) => `epc=${scalar(x)}`).sort().join('')}`;
}

/** The CBV 2.0 pre-hash string of an event (the algorithm's output before SHA-256). */
export function eventPreHash(event: EpcisEvent, prefixes: Record<string, string> = STANDARD_PREFIXES): string {
  const e = event as Record<string, unknown>;
  let out = `eventType=${event.type}eventTime=${hashTime(event.eventTime)}eventTimeZoneOffset=${event.eventTimeZoneOffset}`;
  const ci = e.certificationInfo;
  if (ci !== undefined) out += (Array.isArray(ci) ? ci : [ci]).map((c) => `certificationInfo=${scalar(c)}`).sort().join('');
  if (e.parentID !== undefined) out += `parentID=${scalar(e.parentID)}`;
  out += epcList('epcList', e.epcList) + epcList('inputEPCList', e.inputEPCList) + epcList('childEPCs', e.childEPCs);
  out += quantityList('quantityList', e.quantityList) + quantityList('childQuantityList', e.childQuantityList) + quantityList('inputQuantityList', e.inputQuantityList);
  out += epcList('outputEPCList', e.outputEPCList) + quantityList('outputQuantityList', e.outputQuantityList);
  for (const k of ['action', 'transformationID', 'bizStep', 'disposition'] as const) {
    const v = e[k];
    if (v === undefined) continue;
    const vocab = VOCAB[k];
    out += `${k}=${vocab && typeof v === 'string' && !v.includes(':') ? `https://ref.gs1.org/cbv/${vocab}-${v}` : scalar(v)}`;
  }
  for (const k of ['readPoint', 'bizLocation'] as const) {
    const v = e[k] as Record<string, unknown> | undefined;
    if (!v) continue;
    const ext = Object.entries(v).filter(([n]) => n !== 'id').map(([n, x]) => genericField(n, x, prefixes)).sort().join('');
    out += `${k}id=${scalar(v.id)}${ext}`;
  }
  const ordered = new Set(['eventTime', 'eventTimeZoneOffset', 'certificationInfo', 'parentID', 'epcList', 'inputEPCList', 'childEPCs', 'quantityList', 'childQuantityList', 'inputQuantityList', 'outputEPCList', 'outputQuantityList', 'action', 'transformationID', 'bizStep', 'disposition', 'readPoint', 'bizLocation']);
  const rest = Object.entries(e)
    .filter(([k]) => !ordered.has(k) && !IGNORED.has(k))
    .map(([k, v]) => genericField(k, v, prefixes));
  return out + rest.sort().join('');
}

/** The eventID: `ni:///sha-256;<hex of SHA-256(pre-hash)>?ver=CBV2.0`. */
export function eventHash(event: EpcisEvent, prefixes?: Record<string, string>): string {
  const hex = Buffer.from(sha256(new TextEncoder().encode(eventPreHash(event, prefixes)))).toString('hex');
  return `ni:///sha-256;${hex}?ver=CBV2.0`;
}

// ---------------------------------------------------------------------------------------------
// The ledger as EPCIS events
// ---------------------------------------------------------------------------------------------

export interface EpcisExportOptions {
  /** Base of the service, for entry links and the lotproof namespace. */
  publicUrl: string;
  /** Only events about these batches (a genealogy); all when absent. */
  batchNames?: Set<string>;
  /** loggedAt range, RFC 3339 (inclusive from, exclusive until). */
  from?: string;
  until?: string;
  /** Entries [start, end) to look at. */
  start: number;
  end: number;
}

/** The class-level EPC of a batch: its GS1 Digital Link on id.gs1.org (canonical for hashing). */
export function batchEpcClass(batchName: string): string {
  const k = parseBatchName(batchName)!;
  return `https://id.gs1.org${encodeDigitalLinkPath(k)}`;
}

const day = (d: string) => `${d}T00:00:00.000Z`;

function actorUri(publicUrl: string, id: string): string {
  return `${publicUrl}/v1/actors/${id}`;
}

export function lotproofNamespace(publicUrl: string): string {
  return `${publicUrl}/ns/lotproof#`;
}

function quantityOf(q: unknown, b: BatchRow): { quantity: number; uom: string } {
  const micro = toMicro(q as number | { amount: number; uom: string }, b.uom) ?? 0;
  return { quantity: micro / 1e6, uom: b.uom };
}

/** The EPCIS events of one entry (none for actor administration, log.init and serials). */
export function entryEvents(store: Store, entry: Entry, leafHash: string, publicUrl: string): { event: EpcisEvent; batches: string[] }[] {
  const st = entry.statement;
  const b = st.body as Record<string, any>;
  const ext = { 'lotproof:seq': entry.seq, 'lotproof:leafHash': leafHash, 'lotproof:actor': st.actor, 'lotproof:type': st.type };
  const base = (eventTime: string) => ({ eventTime, eventTimeZoneOffset: '+00:00' });
  const batchRow = (name: string) => {
    const k = parseBatchName(name)!;
    return store.batchByKey(k.gtin, k.lot);
  };
  const entryUrl = (seq: number) => `${publicUrl}/v1/entries/${seq}`;
  switch (st.type) {
    case 'batch.create': {
      const name = `01/${b.gtin}/10/${b.lot}`;
      return [{ batches: [name], event: createEvent(name, b, base(st.time), ext) }];
    }
    case 'batch.transform': {
      const inputs = (b.inputs as { batch: string; quantity: unknown }[]).map((i) => ({ epcClass: batchEpcClass(i.batch), ...quantityOf(i.quantity, batchRow(i.batch)!) }));
      const outputs = (b.outputs as Record<string, any>[]).map((o) => ({ epcClass: batchEpcClass(`01/${o.gtin}/10/${o.lot}`), quantity: o.quantity.amount, uom: o.quantity.uom }));
      const names = [...(b.inputs as { batch: string }[]).map((i) => i.batch), ...(b.outputs as Record<string, any>[]).map((o) => `01/${o.gtin}/10/${o.lot}`)];
      // ILMD describes the outputs of a transformation; with one output it is that batch's.
      const outs = b.outputs as Record<string, any>[];
      const ilmd = outs.length === 1 ? batchIlmd(outs[0]!) : undefined;
      return [{ batches: names, event: { type: 'TransformationEvent', ...base(st.time), inputQuantityList: inputs, outputQuantityList: outputs, bizStep: 'commissioning', ...(ilmd ? { ilmd } : {}), ...ext } }];
    }
    case 'handoff.ship': {
      const row = batchRow(b.batch)!;
      return [{
        batches: [b.batch],
        event: {
          type: 'ObjectEvent', ...base(b.shippedAt), quantityList: [{ epcClass: batchEpcClass(b.batch), ...quantityOf(b.quantity, row) }], action: 'OBSERVE',
          bizStep: 'shipping', disposition: 'in_transit',
          sourceList: [{ type: 'owning_party', source: actorUri(publicUrl, st.actor) }],
          destinationList: [{ type: 'owning_party', destination: actorUri(publicUrl, b.to) }],
          'lotproof:shipment': `${st.actor}/${b.id}`, ...ext,
        },
      }];
    }
    case 'handoff.receive': {
      const { signer, id } = splitRecordName(b.shipment);
      const s = store.shipment(signer, id)!;
      const row = store.batchById(s.batchId)!;
      const name = `01/${row.gtin}/10/${row.lot}`;
      const quantity = b.quantity !== undefined ? quantityOf(b.quantity, row) : { quantity: s.amount / 1e6, uom: row.uom };
      return [{
        batches: [name],
        event: {
          type: 'ObjectEvent', ...base(b.receivedAt), quantityList: [{ epcClass: batchEpcClass(name), ...quantity }], action: 'OBSERVE',
          bizStep: 'receiving', disposition: b.outcome === 'accepted' ? 'in_progress' : 'returned',
          sourceList: [{ type: 'owning_party', source: actorUri(publicUrl, signer) }],
          destinationList: [{ type: 'owning_party', destination: actorUri(publicUrl, st.actor) }],
          'lotproof:shipment': b.shipment, 'lotproof:outcome': b.outcome, ...ext,
        },
      }];
    }
    case 'labreport.issue':
      return [{ batches: [b.batch], event: reportEvent(b, base(st.time), entryUrl(entry.seq), ext) }];
    case 'certificate.issue': {
      if (!b.subject?.batch) return [];
      return [{
        batches: [b.subject.batch],
        event: {
          type: 'ObjectEvent', ...base(st.time), certificationInfo: entryUrl(entry.seq), quantityList: [{ epcClass: batchEpcClass(b.subject.batch) }], action: 'OBSERVE',
          bizStep: 'inspecting', 'lotproof:certificate': `${st.actor}/${b.id}`, 'lotproof:standard': b.standard,
          'lotproof:validFrom': b.validFrom, 'lotproof:validUntil': b.validUntil, ...ext,
        },
      }];
    }
    case 'recall.issue': {
      const names = b.batches as string[];
      return [{
        batches: names,
        event: {
          type: 'ObjectEvent', ...base(st.time), quantityList: names.map((n) => ({ epcClass: batchEpcClass(n) })), action: 'OBSERVE',
          disposition: 'recalled', 'lotproof:recall': `${st.actor}/${b.id}`, 'lotproof:class': b.class, 'lotproof:reason': b.reason,
          'lotproof:instructions': b.instructions, ...ext,
        },
      }];
    }
    case 'labreport.revoke':
    case 'certificate.revoke': {
      // EPCIS declares an error by repeating the erroneous event, same eventID, with an
      // errorDeclaration; the revocation's own entry is named inside the declaration.
      const name = st.type === 'labreport.revoke' ? b.report : b.certificate;
      const { signer, id } = splitRecordName(name);
      const row = st.type === 'labreport.revoke' ? store.labReport(signer, id) : store.certificate(signer, id);
      if (!row) return [];
      const original = readEntry(store, row.seq);
      const originalRow = store.entry(row.seq)!;
      const events = entryEvents(store, original, toBase64(originalRow.hash), publicUrl);
      return events.map(({ event, batches }) => ({
        batches,
        event: {
          ...event,
          eventID: eventHash(event, prefixesFor(publicUrl)),
          errorDeclaration: { declarationTime: st.time, reason: 'incorrect_data', 'lotproof:seq': entry.seq, 'lotproof:leafHash': leafHash, 'lotproof:reason': b.reason },
        },
      }));
    }
    default:
      return [];
  }
}

/** A batch's attributes as EPCIS instance/lot master data (CBV master data names where they exist). */
function batchIlmd(b: Record<string, any>): Record<string, unknown> {
  const ilmd: Record<string, unknown> = {
    'cbvmda:lotNumber': b.lot,
    'cbvmda:countryOfOrigin': b.origin.country,
    'lotproof:productName': b.product.name,
    'lotproof:productCategory': b.product.category,
    'lotproof:producedOn': b.producedOn,
  };
  if (b.expiresOn) ilmd['cbvmda:itemExpirationDate'] = b.expiresOn;
  // The signed fields whole, so an import reproduces the batch as its producer described it.
  ilmd['lotproof:product'] = b.product;
  ilmd['lotproof:origin'] = b.origin;
  if (b.ingredients !== undefined) ilmd['lotproof:ingredients'] = b.ingredients;
  if (b.attributes !== undefined) ilmd['lotproof:attributes'] = b.attributes;
  return ilmd;
}

function createEvent(name: string, b: Record<string, any>, base: { eventTime: string; eventTimeZoneOffset: string }, ext: Record<string, unknown>): EpcisEvent {
  const ilmd = batchIlmd(b);
  return {
    type: 'ObjectEvent', ...base, quantityList: [{ epcClass: batchEpcClass(name), quantity: b.quantity.amount, uom: b.quantity.uom }], action: 'ADD',
    bizStep: 'commissioning', disposition: 'active', ilmd, ...ext,
  };
}

function reportEvent(b: Record<string, any>, base: { eventTime: string; eventTimeZoneOffset: string }, reportUrl: string, ext: Record<string, unknown>): EpcisEvent {
  return {
    type: 'ObjectEvent', ...base, certificationInfo: reportUrl, quantityList: [{ epcClass: batchEpcClass(b.batch) }], action: 'OBSERVE',
    bizStep: 'inspecting', disposition: b.verdict === 'pass' ? 'conformant' : 'non_conformant', 'lotproof:report': `${(ext['lotproof:actor'] as string)}/${b.id}`,
    'lotproof:issuedOn': b.issuedOn, 'lotproof:verdict': b.verdict, 'lotproof:tests': b.tests, ...ext,
  };
}

function prefixesFor(publicUrl: string): Record<string, string> {
  return { ...STANDARD_PREFIXES, lotproof: lotproofNamespace(publicUrl) };
}

/** An EPCISDocument of the ledger's events, each named by its CBV 2.0 event hash. */
export function epcisDocument(store: Store, opts: EpcisExportOptions, nowMs: number): Record<string, unknown> {
  const prefixes = prefixesFor(opts.publicUrl);
  const events: EpcisEvent[] = [];
  for (let seq = opts.start; seq < opts.end; seq++) {
    const row = store.entry(seq);
    if (!row) break;
    const entry = readEntry(store, seq);
    if (opts.from && entry.loggedAt < opts.from) continue;
    if (opts.until && entry.loggedAt >= opts.until) continue;
    for (const { event, batches } of entryEvents(store, entry, toBase64(row.hash), opts.publicUrl)) {
      if (opts.batchNames && !batches.some((n) => opts.batchNames!.has(n))) continue;
      events.push(event.eventID ? event : { ...event, eventID: eventHash(event, prefixes) });
    }
  }
  return {
    '@context': [EPCIS_CONTEXT, { lotproof: prefixes.lotproof }],
    type: 'EPCISDocument',
    schemaVersion: '2.0',
    creationDate: formatTime(nowMs),
    epcisBody: { eventList: events },
  };
}
