// EPCIS 2.0 import: each event of an EPCISDocument becomes the lotproof statement body it
// describes (the export's mapping read backwards, docs/epcis.md), to be signed by the importing
// actor. The whole document is mapped and checked first; any event that cannot be mapped, or whose
// statement the actor may not sign, is an error and nothing is submitted. Statements stay the only
// way into the log: the server never takes an EPCIS event itself.
import { canonicalGs1Uri } from '../core/event-hash.ts';
import { formatTime } from '../core/time.ts';
import type { StatementType } from '../core/statement.ts';
import { parseDigitalLinkPath } from '../core/gs1.ts';
import { LedgerError } from '../core/errors.ts';
import { bodySchemas, type Role } from './bodies.ts';
import { ROLE_RULES } from './rules.ts';

export interface ImportedStatement {
  /** 1-based position of the event in the document's eventList. */
  event: number;
  type: StatementType;
  body: Record<string, unknown>;
  /** Where the document the body names can be fetched (`lotproof:documentUrl`), if the event says. */
  documentUrl?: string;
}

type Ev = Record<string, any>;

/**
 * The batch a class-level identifier names: a GS1 Digital Link with a lot on any domain, or an
 * EPC class URI (`urn:epc:class:lgtin:…`), read through the CBV 2.0 normaliser.
 */
function batchOfEpcClass(uri: unknown): string {
  if (typeof uri !== 'string') throw new Error('an epcClass is missing');
  const dl = canonicalGs1Uri(uri);
  const m = dl === undefined ? null : /^https:\/\/id\.gs1\.org(\/01\/\d{14}\/10\/[^/]+)$/.exec(dl);
  if (!m) throw new Error(`epcClass ${uri} does not name a batch (a GTIN with a lot, as a GS1 Digital Link or urn:epc:class:lgtin)`);
  const k = parseDigitalLinkPath(m[1]!);
  return `01/${k.gtin}/10/${k.lot}`;
}

/** The lotproof actor a party identifier names (`…/v1/actors/<id>` or `urn:lotproof:actor:<id>`), if any. */
function lotproofActor(uri: unknown): string | undefined {
  if (typeof uri !== 'string') return undefined;
  const m = /\/v1\/actors\/([a-z0-9][a-z0-9._-]{0,63})$/.exec(uri) ?? /^urn:lotproof:actor:([a-z0-9][a-z0-9._-]{0,63})$/.exec(uri);
  return m?.[1];
}

function actorOf(uri: unknown): string {
  if (typeof uri !== 'string') throw new Error('a party is missing');
  const id = lotproofActor(uri);
  if (id === undefined) throw new Error(`party ${uri} is not a lotproof actor (…/v1/actors/<id> or urn:lotproof:actor:<id>)`);
  return id;
}

/** The owning party of a source or destination list (else the possessing party). */
function party(list: unknown, key: 'source' | 'destination'): unknown {
  const parties = Array.isArray(list) ? (list as Ev[]) : [];
  const of = (t: string) => parties.find((p) => typeof p?.type === 'string' && p.type.replace(/^https:\/\/ref\.gs1\.org\/cbv\/SDT-/, '') === t)?.[key];
  return of('owning_party') ?? of('possessing_party');
}

const bareStep = (v: unknown) => (typeof v === 'string' ? v.replace(/^(https:\/\/ref\.gs1\.org\/cbv\/BizStep-|urn:epcglobal:cbv:bizstep:)/, '') : undefined);
const bareDisposition = (v: unknown) => (typeof v === 'string' ? v.replace(/^(https:\/\/ref\.gs1\.org\/cbv\/Disp-|urn:epcglobal:cbv:disp:)/, '') : undefined);

/**
 * Who signs an event's statement: `lotproof:actor` when a lotproof log exported it, else the
 * lotproof party it names as sender (shipping) or recipient (receiving), else nobody in particular.
 */
export function eventSigner(e: Ev): string | undefined {
  if (typeof e['lotproof:actor'] === 'string') return e['lotproof:actor'];
  const step = bareStep(e.bizStep);
  if (step === 'shipping') return lotproofActor(party(e.sourceList, 'source'));
  if (step === 'receiving' || step === 'arriving') return lotproofActor(party(e.destinationList, 'destination'));
  return undefined;
}

/** The optional body fields that travel as lotproof extensions. */
function extras(e: Ev, names: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const n of names) if (e[`lotproof:${n}`] !== undefined) out[n] = e[`lotproof:${n}`];
  return out;
}

function recordId(name: unknown, fallback: string): string {
  if (typeof name === 'string' && name.includes('/')) return name.slice(name.indexOf('/') + 1);
  return fallback;
}

function time(t: unknown): string {
  const ms = typeof t === 'string' ? Date.parse(t) : NaN;
  if (Number.isNaN(ms)) throw new Error('eventTime is not a time');
  return formatTime(ms);
}

function quantity(q: Ev): { amount: number; uom: string } {
  if (typeof q.quantity !== 'number' || typeof q.uom !== 'string') throw new Error('a quantity element needs quantity and uom');
  return { amount: q.quantity, uom: q.uom };
}

/** A stable record id for an event without a lotproof name: from its eventID hash. */
function idFromEvent(e: Ev, prefix: string, index: number): string {
  const m = typeof e.eventID === 'string' ? /sha-256;([0-9a-f]{16})/.exec(e.eventID) : null;
  return `${prefix}-${m ? m[1] : String(index)}`;
}

function batchBodyFrom(name: string, ilmd: Ev | undefined, q: Ev, eventTime: string): Record<string, unknown> {
  const k = parseDigitalLinkPath(`/${name}`);
  const m = ilmd ?? {};
  const whole = m['lotproof:product'] as Ev | undefined;
  const product = whole && typeof whole === 'object' ? whole : { name: m['lotproof:productName'], category: m['lotproof:productCategory'] };
  if (typeof product.name !== 'string' || typeof product.category !== 'string') {
    throw new Error('commissioning needs ilmd lotproof:productName and lotproof:productCategory');
  }
  if (typeof m['cbvmda:countryOfOrigin'] !== 'string') throw new Error('commissioning needs ilmd cbvmda:countryOfOrigin');
  const body: Record<string, unknown> = {
    gtin: k.gtin,
    lot: k.lot,
    product,
    producedOn: typeof m['lotproof:producedOn'] === 'string' ? m['lotproof:producedOn'] : eventTime.slice(0, 10),
    quantity: quantity(q),
    origin: m['lotproof:origin'] && typeof m['lotproof:origin'] === 'object' ? m['lotproof:origin'] : { country: m['cbvmda:countryOfOrigin'] },
  };
  if (m['lotproof:ingredients'] !== undefined) body.ingredients = m['lotproof:ingredients'];
  if (m['lotproof:attributes'] !== undefined) body.attributes = m['lotproof:attributes'];
  if (typeof m['cbvmda:itemExpirationDate'] === 'string') body.expiresOn = m['cbvmda:itemExpirationDate'];
  return body;
}

/** Maps one event to its statement, or throws an Error saying why it cannot be. */
export function statementFromEvent(e: Ev, index: number): { type: StatementType; body: Record<string, unknown> } {
  const eventTime = time(e.eventTime);
  const quantities = Array.isArray(e.quantityList) ? (e.quantityList as Ev[]) : [];
  if (e.errorDeclaration) {
    const d = e.errorDeclaration as Ev;
    const reason = typeof d['lotproof:reason'] === 'string' ? d['lotproof:reason'] : typeof d.reason === 'string' ? d.reason : 'declared in error';
    if (typeof e['lotproof:report'] === 'string') return { type: 'labreport.revoke', body: { report: e['lotproof:report'], reason } };
    if (typeof e['lotproof:certificate'] === 'string') return { type: 'certificate.revoke', body: { certificate: e['lotproof:certificate'], reason } };
    throw new Error('an error declaration is supported only for a lotproof lab report or certificate');
  }
  if (e.type === 'TransformationEvent') {
    const ins = Array.isArray(e.inputQuantityList) ? (e.inputQuantityList as Ev[]) : [];
    const outs = Array.isArray(e.outputQuantityList) ? (e.outputQuantityList as Ev[]) : [];
    if (ins.length === 0) throw new Error('a TransformationEvent needs an inputQuantityList (class-level inputs)');
    let outputs: unknown[];
    if (Array.isArray(e['lotproof:outputs'])) outputs = e['lotproof:outputs'] as unknown[];
    else if (outs.length === 1) outputs = [batchBodyFrom(batchOfEpcClass(outs[0]!.epcClass), e.ilmd as Ev | undefined, outs[0]!, eventTime)];
    else throw new Error('a TransformationEvent needs exactly one output quantity with its ilmd, or lotproof:outputs');
    return { type: 'batch.transform', body: { inputs: ins.map((q) => ({ batch: batchOfEpcClass(q.epcClass), quantity: quantity(q) })), outputs } };
  }
  if (e.type !== 'ObjectEvent') throw new Error(`${String(e.type)} is not supported (ObjectEvent and TransformationEvent are)`);
  const first = quantities[0];
  if (!first) throw new Error('the event names no class-level quantity (epcList of serialised items is not supported)');
  const bizStep = bareStep(e.bizStep);
  const disposition = bareDisposition(e.disposition);
  if (e.action === 'ADD' && bizStep === 'commissioning') {
    return { type: 'batch.create', body: batchBodyFrom(batchOfEpcClass(first.epcClass), e.ilmd as Ev | undefined, first, eventTime) };
  }
  if (bizStep === 'shipping') {
    return {
      type: 'handoff.ship',
      body: {
        id: recordId(e['lotproof:shipment'], idFromEvent(e, 'ship', index)),
        batch: batchOfEpcClass(first.epcClass),
        to: actorOf(party(e.destinationList, 'destination')),
        quantity: quantity(first),
        shippedAt: eventTime,
        ...extras(e, ['fromLocation', 'toLocation', 'conditions']),
      },
    };
  }
  if (bizStep === 'receiving' || bizStep === 'arriving') {
    if (typeof e['lotproof:shipment'] !== 'string') throw new Error(`a ${bizStep} event needs lotproof:shipment naming the shipment (<sender>/<id>)`);
    const outcome = e['lotproof:outcome'] ?? (bizStep === 'arriving' || disposition === 'returned' ? 'rejected' : 'accepted');
    const body: Record<string, unknown> = { shipment: e['lotproof:shipment'], receivedAt: eventTime, outcome, ...extras(e, ['conditions', 'note']) };
    if (outcome === 'accepted' && typeof first.quantity === 'number') body.quantity = quantity(first);
    return { type: 'handoff.receive', body };
  }
  if (bizStep === 'inspecting' && e['lotproof:certificate'] !== undefined) {
    return {
      type: 'certificate.issue',
      body: {
        id: recordId(e['lotproof:certificate'], idFromEvent(e, 'cert', index)),
        subject: { batch: batchOfEpcClass(first.epcClass) },
        standard: e['lotproof:standard'],
        validFrom: e['lotproof:validFrom'],
        validUntil: e['lotproof:validUntil'],
        ...extras(e, ['scope', 'document']),
      },
    };
  }
  if (bizStep === 'inspecting') {
    if (!Array.isArray(e['lotproof:tests'])) throw new Error('an inspecting event needs lotproof:tests with the per-test results');
    return {
      type: 'labreport.issue',
      body: {
        id: recordId(e['lotproof:report'], idFromEvent(e, 'report', index)),
        batch: batchOfEpcClass(first.epcClass),
        issuedOn: typeof e['lotproof:issuedOn'] === 'string' ? e['lotproof:issuedOn'] : eventTime.slice(0, 10),
        tests: e['lotproof:tests'],
        verdict: e['lotproof:verdict'] ?? (disposition === 'conformant' ? 'pass' : 'fail'),
        ...extras(e, ['document']),
      },
    };
  }
  if (disposition === 'recalled') {
    return {
      type: 'recall.issue',
      body: {
        id: recordId(e['lotproof:recall'], idFromEvent(e, 'recall', index)),
        batches: quantities.map((q) => batchOfEpcClass(q.epcClass)),
        class: e['lotproof:class'] ?? 'II',
        reason: e['lotproof:reason'] ?? 'recalled',
        instructions: e['lotproof:instructions'] ?? 'see the producer',
        ...extras(e, ['issuedOn']),
      },
    };
  }
  throw new Error(`an ObjectEvent with action ${String(e.action)}, bizStep ${String(bizStep)} and disposition ${String(disposition)} has no lotproof statement`);
}

export interface EpcisImport {
  statements: ImportedStatement[];
  /** Events left to the other signers they name (1-based positions). */
  skipped: number[];
}

/**
 * Maps a whole EPCISDocument for `actor` (of role `role`). Events whose signer is another party
 * (see eventSigner) are skipped; every other event must map to a statement with a valid body that
 * the role may sign. Throws LedgerError('invalid_epcis') listing every bad event.
 */
export function statementsFromEpcis(doc: unknown, actor: string, role: Role): EpcisImport {
  const d = doc as Ev;
  if (!d || typeof d !== 'object' || d.type !== 'EPCISDocument' || !Array.isArray(d.epcisBody?.eventList)) {
    throw new LedgerError('invalid_epcis', 'not an EPCISDocument with epcisBody.eventList');
  }
  const statements: ImportedStatement[] = [];
  const skipped: number[] = [];
  const errors: string[] = [];
  (d.epcisBody.eventList as Ev[]).forEach((e, i) => {
    const n = i + 1;
    const step = e && typeof e === 'object' ? bareStep(e.bizStep) ?? bareDisposition(e.disposition) : undefined;
    const what = `event ${n} (${String(e?.type)}${step ? ` ${step}` : ''})`;
    try {
      if (!e || typeof e !== 'object' || Array.isArray(e)) throw new Error('is not an object');
      const signer = eventSigner(e);
      if (signer !== undefined && signer !== actor) {
        skipped.push(n);
        return;
      }
      const { type, body } = statementFromEvent(e, n);
      if (!ROLE_RULES[type].includes(role)) throw new Error(`maps to ${type}, which a ${role} may not sign`);
      const r = bodySchemas[type].safeParse(body);
      if (!r.success) {
        const issue = r.error.issues[0]!;
        throw new Error(`maps to ${type}, whose body.${issue.path.join('.')} is invalid: ${issue.message}`);
      }
      const documentUrl = e['lotproof:documentUrl'];
      statements.push({ event: n, type, body, ...(typeof documentUrl === 'string' && body.document !== undefined ? { documentUrl } : {}) });
    } catch (err) {
      errors.push(`${what}: ${(err as Error).message}`);
    }
  });
  if (errors.length > 0) throw new LedgerError('invalid_epcis', errors.join('\n'), { errors });
  return { statements, skipped };
}
