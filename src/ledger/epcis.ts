// GS1 EPCIS 2.0 (JSON-LD binding, EPCIS 2.0 §10 and the CBV 2.0 vocabulary) export of the ledger:
// each statement about a batch becomes the EPCIS event that describes it, named by its CBV 2.0
// event hash (src/core/event-hash.ts) and carrying its ledger position (`lotproof:seq`,
// `lotproof:leafHash`) so a receiver can prove it against a signed checkpoint. docs/epcis.md
// gives the mapping table and the identifier choices.
import { toBase64 } from '../core/bytes.ts';
import { contextPrefixes, eventHashId } from '../core/event-hash.ts';
import { batchName, encodeDigitalLinkPath, parseBatchName } from '../core/gs1.ts';
import { formatTime } from '../core/time.ts';
import type { Entry } from '../core/entry.ts';
import { splitRecordName, toMicro } from './bodies.ts';
import type { BatchRow, Store } from './store.ts';
import { readEntry, traceBatches } from './views.ts';

export const EPCIS_CONTEXT = 'https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld';
/** The CBV master data prefix. The standard context defines it too; declaring it again makes
 *  hashers that read only the document's own context (the CBV reference implementation) expand it. */
export const CBVMDA = 'urn:epcglobal:cbv:mda:';

export type EpcisEvent = Record<string, unknown> & { type: string; eventTime: string; eventTimeZoneOffset: string; eventID: string };

/** The namespace of lotproof's EPCIS extension fields (`lotproof:seq`, …). */
export function lotproofNamespace(publicUrl: string): string {
  return `${publicUrl}/ns/lotproof#`;
}

/** The document's @context: the standard one, then the prefixes the export uses. */
export function epcisContext(publicUrl: string): [string, Record<string, string>] {
  return [EPCIS_CONTEXT, { cbvmda: CBVMDA, lotproof: lotproofNamespace(publicUrl) }];
}

/**
 * The class-level EPC of a batch: its GS1 Digital Link on id.gs1.org. Policy: the canonical
 * domain, not LOTPROOF_PUBLIC_URL, because it is the form the CBV 2.0 event hash normalises every
 * Digital Link to and the one other systems index; the shopper's page is the same path on the
 * public URL.
 */
export function batchEpcClass(name: string): string {
  const k = parseBatchName(name);
  if (!k) throw new Error(`${name} is not a batch name`);
  return `https://id.gs1.org${encodeDigitalLinkPath(k)}`;
}

/** Policy: actors have no GLN, so a party is named by its record on this log. */
export function actorUri(publicUrl: string, id: string): string {
  return `${publicUrl}/v1/actors/${id}`;
}

type Body = Record<string, any>;
interface Mapped {
  /** An EPCIS event; its eventID is added from its hash unless it repeats an earlier event. */
  event: Record<string, unknown>;
  /** The batches the event concerns, for a genealogy export. */
  batches: string[];
}

const UTC = '+00:00';
const nameOfBody = (b: Body) => batchName(b.gtin, b.lot);

function quantityOf(q: unknown, b: BatchRow): { quantity: number; uom: string } {
  const micro = toMicro(q as number | { amount: number; uom: string }, b.uom) ?? 0;
  return { quantity: micro / 1e6, uom: b.uom };
}

/** Copies the optional body fields that have no EPCIS field, as lotproof extensions. */
function extras(b: Body, names: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const n of names) if (b[n] !== undefined) out[`lotproof:${n}`] = b[n];
  return out;
}

/** A signed document reference, and where this log serves its bytes (for an importer to copy). */
function documentOf(b: Body, publicUrl: string): Record<string, unknown> {
  if (typeof b.document?.sha256 !== 'string') return {};
  return { 'lotproof:document': b.document, 'lotproof:documentUrl': `${publicUrl}/v1/documents/${b.document.sha256}` };
}

/**
 * A batch's attributes as instance/lot master data: CBV master data names where CBV has them
 * (lotNumber, countryOfOrigin, itemExpirationDate), the rest of the signed body as extensions.
 */
function batchIlmd(b: Body): Record<string, unknown> {
  return {
    'cbvmda:lotNumber': b.lot,
    'cbvmda:countryOfOrigin': b.origin.country,
    ...(b.expiresOn !== undefined ? { 'cbvmda:itemExpirationDate': b.expiresOn } : {}),
    'lotproof:productName': b.product.name,
    'lotproof:productCategory': b.product.category,
    'lotproof:producedOn': b.producedOn,
    // The signed objects whole, so an import reproduces the batch as its producer described it.
    'lotproof:product': b.product,
    'lotproof:origin': b.origin,
    ...extras(b, ['ingredients', 'attributes']),
  };
}

/** The EPCIS events of one entry, each with its eventID (none for actor administration, log.init, serials, recall.close). */
export function entryEvents(store: Store, entry: Entry, leafHash: string, publicUrl: string): { event: EpcisEvent; batches: string[] }[] {
  const prefixes = contextPrefixes(epcisContext(publicUrl));
  return mapEntry(store, entry, leafHash, publicUrl).map(({ event, batches }) => ({
    batches,
    event: { ...event, eventID: typeof event.eventID === 'string' ? event.eventID : eventHashId(event, prefixes) } as EpcisEvent,
  }));
}

function mapEntry(store: Store, entry: Entry, leafHash: string, publicUrl: string): Mapped[] {
  const st = entry.statement;
  const b = st.body as Body;
  const ext = { 'lotproof:seq': entry.seq, 'lotproof:leafHash': leafHash, 'lotproof:actor': st.actor, 'lotproof:type': st.type };
  const at = (eventTime: string) => ({ eventTime, eventTimeZoneOffset: UTC });
  const batchRow = (name: string) => {
    const k = parseBatchName(name)!;
    return store.batchByKey(k.gtin, k.lot)!;
  };
  const entryUrl = `${publicUrl}/v1/entries/${entry.seq}`;
  const party = (type: string, key: 'source' | 'destination', actor: string) => [{ type, [key]: actorUri(publicUrl, actor) }];
  switch (st.type) {
    case 'batch.create': {
      const name = nameOfBody(b);
      return [{
        batches: [name],
        event: {
          type: 'ObjectEvent', ...at(st.time), quantityList: [{ epcClass: batchEpcClass(name), quantity: b.quantity.amount, uom: b.quantity.uom }],
          action: 'ADD', bizStep: 'commissioning', disposition: 'active', ilmd: batchIlmd(b), ...ext,
        },
      }];
    }
    case 'batch.transform': {
      const inputs = b.inputs as { batch: string; quantity: unknown }[];
      const outputs = b.outputs as Body[];
      // ILMD describes every output of a transformation alike; several outputs with their own
      // attributes travel whole as lotproof:outputs instead.
      const outputFields = outputs.length === 1 ? { ilmd: batchIlmd(outputs[0]!) } : { 'lotproof:outputs': outputs };
      return [{
        batches: [...inputs.map((i) => i.batch), ...outputs.map(nameOfBody)],
        event: {
          type: 'TransformationEvent', ...at(st.time),
          inputQuantityList: inputs.map((i) => ({ epcClass: batchEpcClass(i.batch), ...quantityOf(i.quantity, batchRow(i.batch)) })),
          outputQuantityList: outputs.map((o) => ({ epcClass: batchEpcClass(nameOfBody(o)), quantity: o.quantity.amount, uom: o.quantity.uom })),
          bizStep: 'commissioning', ...outputFields, ...ext,
        },
      }];
    }
    case 'handoff.ship':
      return [{
        batches: [b.batch],
        event: {
          type: 'ObjectEvent', ...at(b.shippedAt), quantityList: [{ epcClass: batchEpcClass(b.batch), ...quantityOf(b.quantity, batchRow(b.batch)) }],
          action: 'OBSERVE', bizStep: 'shipping', disposition: 'in_transit',
          sourceList: party('owning_party', 'source', st.actor), destinationList: party('owning_party', 'destination', b.to),
          'lotproof:shipment': `${st.actor}/${b.id}`, ...extras(b, ['fromLocation', 'toLocation', 'conditions']), ...ext,
        },
      }];
    case 'handoff.receive': {
      const { signer, id } = splitRecordName(b.shipment);
      const s = store.shipment(signer, id)!;
      const row = store.batchById(s.batchId)!;
      const name = batchName(row.gtin, row.lot);
      const accepted = b.outcome === 'accepted';
      const quantity = b.quantity !== undefined ? quantityOf(b.quantity, row) : { quantity: s.amount / 1e6, uom: row.uom };
      return [{
        batches: [name],
        event: {
          type: 'ObjectEvent', ...at(b.receivedAt), quantityList: [{ epcClass: batchEpcClass(name), ...quantity }], action: 'OBSERVE',
          // CBV 2.0: `receiving` is arrival and acceptance into inventory in one step; a refused
          // delivery only arrived, and goes back to the sender.
          bizStep: accepted ? 'receiving' : 'arriving', disposition: accepted ? 'in_progress' : 'returned',
          sourceList: party('owning_party', 'source', signer), destinationList: party('owning_party', 'destination', st.actor),
          'lotproof:shipment': b.shipment, 'lotproof:outcome': b.outcome, ...extras(b, ['conditions', 'note']), ...ext,
        },
      }];
    }
    case 'labreport.issue':
      return [{
        batches: [b.batch],
        event: {
          type: 'ObjectEvent', ...at(st.time), certificationInfo: entryUrl, quantityList: [{ epcClass: batchEpcClass(b.batch) }], action: 'OBSERVE',
          bizStep: 'inspecting', disposition: b.verdict === 'pass' ? 'conformant' : 'non_conformant',
          'lotproof:report': `${st.actor}/${b.id}`, 'lotproof:issuedOn': b.issuedOn, 'lotproof:verdict': b.verdict, 'lotproof:tests': b.tests,
          ...documentOf(b, publicUrl), ...ext,
        },
      }];
    case 'certificate.issue':
      // A certificate about an actor concerns no object, so it is no EPCIS event.
      if (!b.subject?.batch) return [];
      return [{
        batches: [b.subject.batch],
        event: {
          type: 'ObjectEvent', ...at(st.time), certificationInfo: entryUrl, quantityList: [{ epcClass: batchEpcClass(b.subject.batch) }], action: 'OBSERVE',
          bizStep: 'inspecting', 'lotproof:certificate': `${st.actor}/${b.id}`, 'lotproof:standard': b.standard,
          'lotproof:validFrom': b.validFrom, 'lotproof:validUntil': b.validUntil, ...extras(b, ['scope']), ...documentOf(b, publicUrl), ...ext,
        },
      }];
    case 'recall.issue': {
      const names = b.batches as string[];
      return [{
        batches: names,
        event: {
          type: 'ObjectEvent', ...at(st.time), quantityList: names.map((n) => ({ epcClass: batchEpcClass(n) })), action: 'OBSERVE',
          disposition: 'recalled', 'lotproof:recall': `${st.actor}/${b.id}`, 'lotproof:class': b.class, 'lotproof:reason': b.reason,
          'lotproof:instructions': b.instructions, ...extras(b, ['issuedOn']), ...ext,
        },
      }];
    }
    case 'labreport.revoke':
    case 'certificate.revoke': {
      // EPCIS 2.0 §7.4.1.4: an erroneous event is declared so by repeating it, same eventID, with
      // an errorDeclaration (which the event hash leaves out). The revocation names itself there.
      const { signer, id } = splitRecordName(st.type === 'labreport.revoke' ? b.report : b.certificate);
      const row = st.type === 'labreport.revoke' ? store.labReport(signer, id) : store.certificate(signer, id);
      if (!row) return [];
      const original = readEntry(store, row.seq);
      return entryEvents(store, original, toBase64(store.entry(row.seq)!.hash), publicUrl).map(({ event, batches }) => ({
        batches,
        event: {
          ...event,
          errorDeclaration: {
            declarationTime: st.time, reason: 'incorrect_data',
            'lotproof:seq': entry.seq, 'lotproof:leafHash': leafHash, 'lotproof:type': st.type, 'lotproof:reason': b.reason,
          },
        },
      }));
    }
    default:
      return [];
  }
}

// ---------------------------------------------------------------------------------------------
// Which entries an export covers
// ---------------------------------------------------------------------------------------------

export interface EpcisSelection {
  /** Only this batch's genealogy: itself, what it was made from and what was made from it. */
  batch?: BatchRow;
  /** loggedAt range in ms: from inclusive, until exclusive. */
  fromMs?: number;
  untilMs?: number;
  /** The first entry to look at, and at most how many entries one page covers. */
  start: number;
  limit: number;
}

export interface EpcisPage {
  seqs: number[];
  /** With a batch: the names of its genealogy, to keep only the events about them. */
  batchNames?: Set<string>;
  /** The `start` of the next page, when this one stopped at the limit. */
  next?: number;
}

/** The first seq whose loggedAt is at or after `ms`. loggedAt never decreases (sequencer policy). */
function firstSeqAtOrAfter(store: Store, size: number, ms: number): number {
  let lo = 0;
  let hi = size;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (Date.parse(readEntry(store, mid).loggedAt) < ms) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The seqs of the entries that describe a set of batches, from the projections' indexes. */
function batchSeqs(store: Store, ids: number[]): number[] {
  const seqs = new Set<number>();
  const add = (s: number | null) => {
    if (s !== null) seqs.add(s);
  };
  for (const id of ids) {
    add(store.batchById(id)!.seq);
    for (const l of [...store.linksFrom(id), ...store.linksTo(id)]) add(l.seq);
    for (const s of store.shipmentsFor(id)) [s.seq, s.receiveSeq].forEach(add);
    for (const r of store.labReportsFor(id)) [r.seq, r.revokedSeq].forEach(add);
    for (const c of store.certificatesForBatch(id)) [c.seq, c.revokedSeq].forEach(add);
    for (const r of store.recallsFor(id)) add(r.seq);
  }
  return [...seqs].sort((x, y) => x - y);
}

/** The entries one page of an export covers, in log order. */
export function selectEntries(store: Store, size: number, sel: EpcisSelection): EpcisPage {
  const lo = Math.max(sel.start, sel.fromMs !== undefined ? firstSeqAtOrAfter(store, size, sel.fromMs) : 0);
  const hi = sel.untilMs !== undefined ? firstSeqAtOrAfter(store, size, sel.untilMs) : size;
  if (sel.batch) {
    const ids = [sel.batch.id, ...traceBatches(store, sel.batch, 'up').rows, ...traceBatches(store, sel.batch, 'down').rows];
    const batchNames = new Set(ids.map((id) => store.batchById(id)!).map((r) => batchName(r.gtin, r.lot)));
    const all = batchSeqs(store, ids).filter((s) => s >= lo && s < hi);
    const seqs = all.slice(0, sel.limit);
    return { seqs, batchNames, ...(all.length > sel.limit ? { next: all[sel.limit]! } : {}) };
  }
  const end = Math.min(hi, lo + sel.limit);
  const seqs: number[] = [];
  for (let s = lo; s < end; s++) seqs.push(s);
  return { seqs, ...(end < hi ? { next: end } : {}) };
}

/** An EPCISDocument of the events of `seqs` (about `batchNames` only, when given). */
export function epcisDocument(store: Store, publicUrl: string, page: Pick<EpcisPage, 'seqs' | 'batchNames'>, nowMs: number): Record<string, unknown> {
  const events: EpcisEvent[] = [];
  for (const seq of page.seqs) {
    const row = store.entry(seq);
    if (!row) break;
    for (const { event, batches } of entryEvents(store, readEntry(store, seq), toBase64(row.hash), publicUrl)) {
      if (page.batchNames && !batches.some((n) => page.batchNames!.has(n))) continue;
      events.push(event);
    }
  }
  return {
    '@context': epcisContext(publicUrl),
    type: 'EPCISDocument',
    schemaVersion: '2.0',
    creationDate: formatTime(nowMs),
    epcisBody: { eventList: events },
  };
}
