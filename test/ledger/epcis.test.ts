// EPCIS 2.0 export of a full farm-to-shelf flow: it must validate against GS1's EPCIS 2.0 JSON
// Schema, map every record type, name each event by its CBV 2.0 hash (test/core/event-hash.test.ts
// pins the hash to the reference implementation), declare revocations as EPCIS error declarations,
// and select one batch's genealogy, a time range or a page of entries.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contextPrefixes, eventHashId } from '../../src/core/event-hash.ts';
import { batchBody, GTIN, GTIN2, makeHarness, type Harness } from '../support.ts';

const schema = JSON.parse(readFileSync(join(import.meta.dirname, '../vectors/epcis/EPCIS-JSON-Schema.json'), 'utf8'));
const ajv = new (Ajv as unknown as typeof Ajv.default)({ strict: false, allErrors: true });
(addFormats as unknown as typeof addFormats.default)(ajv);
const validate = ajv.compile(schema);

function expectValidEpcis(doc: unknown) {
  const ok = validate(doc);
  expect(validate.errors ?? [], JSON.stringify(validate.errors?.slice(0, 5))).toEqual([]);
  expect(ok).toBe(true);
}

const HOUR = 3_600_000;
const W = `01/${GTIN}/10/W1`;
const F = `01/${GTIN2}/10/F1`;
const X = `01/${GTIN}/10/X1`;
let h: Harness;
let doc: any;
let events: any[];
const seqOf: Record<string, number> = {};

async function get(path: string) {
  const res = await h.app.request(path);
  return { res, body: (await res.json()) as any };
}

/** The entry that `step(name, …)` appended. */
const entryOf = (name: string) => JSON.parse(Buffer.from(h.store.entry(seqOf[name]!)!.leaf).toString()) as { loggedAt: string; statement: { time: string } };

beforeAll(async () => {
  h = makeHarness();
  const farm = await h.register('farm', 'producer');
  const other = await h.register('other', 'producer');
  const lab = await h.register('lab', 'lab');
  const certifier = await h.register('cert', 'certifier');
  const mill = await h.register('mill', 'producer');
  const carrier = await h.register('carrier', 'carrier');
  const step = async (name: string, ...args: Parameters<Harness['append']>) => {
    h.clock.advance(HOUR);
    seqOf[name] = await h.append(...args);
  };
  await step('create', farm, 'batch.create', batchBody('W1', { expiresOn: '2027-09-01', ingredients: ['wheat'] }));
  await step('unrelated', other, 'batch.create', batchBody('X1'));
  await step('report', lab, 'labreport.issue', { id: 'R1', batch: W, issuedOn: '2026-09-05', tests: [{ name: 'Cd', result: 0.28, limit: 0.2, unit: 'mg/kg', verdict: 'fail' }], verdict: 'fail' });
  await step('cert', certifier, 'certificate.issue', { id: 'C1', subject: { batch: W }, standard: 'GB/T 19630', validFrom: '2026-01-01', validUntil: '2027-01-01' });
  await step('ship', farm, 'handoff.ship', { id: 'S1', batch: W, to: mill.id, quantity: 600, shippedAt: '2026-09-06T08:00:00.000Z', toLocation: 'Mill gate 2' });
  await step('receive', mill, 'handoff.receive', { shipment: 'farm/S1', receivedAt: '2026-09-07T08:00:00.000Z', outcome: 'accepted' });
  await step('transform', mill, 'batch.transform', { inputs: [{ batch: W, quantity: 500 }], outputs: [batchBody('F1', { quantity: { amount: 400, uom: 'KGM' } }, GTIN2)] });
  await step('ship2', mill, 'handoff.ship', { id: 'S2', batch: F, to: carrier.id, quantity: 400, shippedAt: '2026-09-08T08:00:00.000Z' });
  await step('reject', carrier, 'handoff.receive', { shipment: 'mill/S2', receivedAt: '2026-09-08T09:00:00.000Z', outcome: 'rejected', note: 'seal broken' });
  await step('split', mill, 'batch.transform', {
    inputs: [{ batch: W, quantity: { amount: 50, uom: 'KGM' } }],
    outputs: [batchBody('B1', { quantity: { amount: 20, uom: 'KGM' } }, GTIN2), batchBody('B2', { quantity: { amount: 25, uom: 'KGM' } }, GTIN2)],
  });
  await step('recall', farm, 'recall.issue', { id: 'RC1', batches: [W], class: 'II', reason: 'cadmium', instructions: 'return it', issuedOn: '2026-09-09' });
  await step('revokeReport', lab, 'labreport.revoke', { report: 'lab/R1', reason: 'sample mix-up' });
  await step('revokeCert', certifier, 'certificate.revoke', { certificate: 'cert/C1', reason: 'audit failed' });
  const { res, body } = await get('/v1/epcis/events');
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/ld+json');
  expect(res.headers.get('link')).toBeNull();
  doc = body;
  events = doc.epcisBody.eventList;
});
afterAll(() => h.close());

const bySeq = (name: string) => events.filter((e) => e['lotproof:seq'] === seqOf[name] && !e.errorDeclaration);
const one = (name: string) => {
  const found = bySeq(name);
  expect(found, name).toHaveLength(1);
  return found[0];
};

describe('the EPCIS export', () => {
  it('validates against the GS1 EPCIS 2.0 JSON Schema, which does reject what is not EPCIS', () => {
    expectValidEpcis(doc);
    expect(validate({ ...doc, schemaVersion: undefined })).toBe(false);
    expect(validate({ ...doc, epcisBody: { eventList: [{ ...events[0], action: 'MAKE' }] } })).toBe(false);
  });

  it('is an EPCISDocument with the standard context and the prefixes it uses declared', () => {
    expect(doc['@context']).toEqual([
      'https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld',
      { cbvmda: 'urn:epcglobal:cbv:mda:', lotproof: 'https://lotproof.test/ns/lotproof#' },
    ]);
    expect(doc).toMatchObject({ type: 'EPCISDocument', schemaVersion: '2.0', creationDate: '2026-11-22T21:00:00.000Z' });
  });

  it('names every event by its CBV 2.0 hash and its ledger entry', () => {
    const prefixes = contextPrefixes(doc['@context']);
    for (const e of events) {
      const { eventID, ...rest } = e;
      expect(eventID).toBe(eventHashId(rest, prefixes));
      expect(e.eventTimeZoneOffset).toBe('+00:00');
      const entry = h.store.entry(e['lotproof:seq'])!;
      expect(Buffer.from(entry.hash).toString('base64')).toBe(e['lotproof:leafHash']);
    }
    expect(new Set(events.filter((e) => !e.errorDeclaration).map((e) => e.eventID)).size).toBe(events.filter((e) => !e.errorDeclaration).length);
  });

  it('maps batch.create to a commissioning ObjectEvent with lot master data', () => {
    const e = one('create');
    expect(e).toMatchObject({ type: 'ObjectEvent', action: 'ADD', bizStep: 'commissioning', disposition: 'active', 'lotproof:actor': 'farm', 'lotproof:type': 'batch.create' });
    expect(e.eventTime).toBe(entryOf('create').statement.time);
    expect(e.quantityList).toEqual([{ epcClass: `https://id.gs1.org/01/${GTIN}/10/W1`, quantity: 1000, uom: 'KGM' }]);
    expect(e.ilmd).toMatchObject({
      'cbvmda:lotNumber': 'W1',
      'cbvmda:itemExpirationDate': '2027-09-01',
      'cbvmda:countryOfOrigin': 'CN',
      'lotproof:product': { name: 'Organic wheat', category: 'grain' },
      'lotproof:ingredients': ['wheat'],
    });
  });

  it('maps handoffs to shipping and receiving (accepted) or arriving (rejected) between owning parties', () => {
    expect(one('ship')).toMatchObject({
      eventTime: '2026-09-06T08:00:00.000Z', action: 'OBSERVE', bizStep: 'shipping', disposition: 'in_transit',
      quantityList: [{ epcClass: `https://id.gs1.org/01/${GTIN}/10/W1`, quantity: 600, uom: 'KGM' }],
      sourceList: [{ type: 'owning_party', source: 'https://lotproof.test/v1/actors/farm' }],
      destinationList: [{ type: 'owning_party', destination: 'https://lotproof.test/v1/actors/mill' }],
      'lotproof:shipment': 'farm/S1', 'lotproof:toLocation': 'Mill gate 2',
    });
    expect(one('receive')).toMatchObject({ eventTime: '2026-09-07T08:00:00.000Z', bizStep: 'receiving', disposition: 'in_progress', 'lotproof:outcome': 'accepted', 'lotproof:shipment': 'farm/S1' });
    expect(one('reject')).toMatchObject({
      eventTime: '2026-09-08T09:00:00.000Z', bizStep: 'arriving', disposition: 'returned', 'lotproof:outcome': 'rejected', 'lotproof:note': 'seal broken',
      quantityList: [{ epcClass: `https://id.gs1.org/01/${GTIN2}/10/F1`, quantity: 400, uom: 'KGM' }],
      sourceList: [{ source: 'https://lotproof.test/v1/actors/mill' }], destinationList: [{ destination: 'https://lotproof.test/v1/actors/carrier' }],
    });
  });

  it('maps batch.transform to a TransformationEvent, with ILMD for one output and lotproof:outputs for several', () => {
    const t = one('transform');
    expect(t).toMatchObject({ type: 'TransformationEvent', bizStep: 'commissioning' });
    expect(t.inputQuantityList).toEqual([{ epcClass: `https://id.gs1.org/01/${GTIN}/10/W1`, quantity: 500, uom: 'KGM' }]);
    expect(t.outputQuantityList).toEqual([{ epcClass: `https://id.gs1.org/01/${GTIN2}/10/F1`, quantity: 400, uom: 'KGM' }]);
    expect(t.ilmd['cbvmda:lotNumber']).toBe('F1');
    const split = one('split');
    expect(split.outputQuantityList.map((q: any) => q.epcClass)).toEqual([`https://id.gs1.org/01/${GTIN2}/10/B1`, `https://id.gs1.org/01/${GTIN2}/10/B2`]);
    expect(split.ilmd).toBeUndefined();
    expect(split['lotproof:outputs'].map((o: any) => o.lot)).toEqual(['B1', 'B2']);
  });

  it('maps lab reports and batch certificates to inspecting events whose certificationInfo is the entry', () => {
    expect(one('report')).toMatchObject({
      action: 'OBSERVE', bizStep: 'inspecting', disposition: 'non_conformant', certificationInfo: `https://lotproof.test/v1/entries/${seqOf.report}`,
      'lotproof:report': 'lab/R1', 'lotproof:verdict': 'fail', 'lotproof:tests': [{ name: 'Cd', result: 0.28 }],
    });
    expect(one('cert')).toMatchObject({ bizStep: 'inspecting', certificationInfo: `https://lotproof.test/v1/entries/${seqOf.cert}`, 'lotproof:certificate': 'cert/C1', 'lotproof:validUntil': '2027-01-01' });
    expect(one('cert').disposition).toBeUndefined();
  });

  it('maps recall.issue to disposition recalled', () => {
    expect(one('recall')).toMatchObject({ action: 'OBSERVE', disposition: 'recalled', quantityList: [{ epcClass: `https://id.gs1.org/01/${GTIN}/10/W1` }], 'lotproof:class': 'II', 'lotproof:issuedOn': '2026-09-09' });
  });

  it('declares a revoked report or certificate as an error on the original event, same eventID', () => {
    for (const [issued, revoked, reason] of [['report', 'revokeReport', 'sample mix-up'], ['cert', 'revokeCert', 'audit failed']] as const) {
      const original = one(issued);
      const declared = events.filter((e) => e.errorDeclaration?.['lotproof:seq'] === seqOf[revoked]);
      expect(declared).toHaveLength(1);
      const { errorDeclaration, ...repeated } = declared[0];
      expect(repeated).toEqual(original);
      expect(errorDeclaration).toEqual({
        declarationTime: entryOf(revoked).statement.time,
        reason: 'incorrect_data',
        'lotproof:seq': seqOf[revoked],
        'lotproof:leafHash': Buffer.from(h.store.entry(seqOf[revoked]!)!.hash).toString('base64'),
        'lotproof:type': issued === 'report' ? 'labreport.revoke' : 'certificate.revoke',
        'lotproof:reason': reason,
      });
    }
  });

  it("exports one batch's genealogy: its own, its inputs' and its outputs' events, and nothing else", async () => {
    const { body: g } = await get(`/v1/epcis/events?batch=${F}`);
    expectValidEpcis(g);
    const seqs = new Set(g.epcisBody.eventList.map((e: any) => e['lotproof:seq']));
    for (const name of ['create', 'report', 'cert', 'ship', 'receive', 'transform', 'ship2', 'reject', 'split', 'recall']) expect(seqs.has(seqOf[name]), name).toBe(true);
    expect(seqs.has(seqOf.unrelated)).toBe(false);
    expect(g.epcisBody.eventList.filter((e: any) => e.errorDeclaration)).toHaveLength(2);
    const { body: x } = await get(`/v1/epcis/events?batch=${X}`);
    expect(x.epcisBody.eventList.map((e: any) => e['lotproof:seq'])).toEqual([seqOf.unrelated]);
  });

  it('exports a loggedAt range, in any RFC 3339 offset', async () => {
    const loggedAt = (name: string) => entryOf(name).loggedAt;
    const from = loggedAt('ship');
    // The same instant as `until` in UTC+08:00.
    const until = new Date(Date.parse(loggedAt('transform')) + 8 * HOUR).toISOString().replace('Z', '+08:00');
    const { body } = await get(`/v1/epcis/events?from=${encodeURIComponent(from)}&until=${encodeURIComponent(until)}`);
    expect(body.epcisBody.eventList.map((e: any) => e['lotproof:seq'])).toEqual([seqOf.ship, seqOf.receive]);
    const { body: none } = await get('/v1/epcis/events?until=2000-01-01T00:00:00Z');
    expect(none.epcisBody.eventList).toEqual([]);
  });

  it('pages with Link rel="next" when a page stops at the limit', async () => {
    const seen: any[] = [];
    let path: string | undefined = '/v1/epcis/events?limit=4';
    let pages = 0;
    while (path !== undefined) {
      const { res, body } = await get(path);
      expectValidEpcis(body);
      seen.push(...body.epcisBody.eventList);
      path = /<([^>]+)>; rel="next"/.exec(res.headers.get('link') ?? '')?.[1];
      pages++;
    }
    expect(pages).toBeGreaterThan(3);
    expect(seen.map((e) => e.eventID)).toEqual(events.map((e) => e.eventID));
    const { res } = await get(`/v1/epcis/events?batch=${F}&limit=2`);
    expect(res.headers.get('link')).toMatch(/^<\/v1\/epcis\/events\?batch=01%2F09506000134369%2F10%2FF1&limit=2&start=\d+>; rel="next"$/);
  });

  it('refuses bad parameters and unknown batches', async () => {
    // Times that do not exist are refused, not rolled over into the next day (2026-02-30 is 2 March to Date.parse).
    for (const bad of ['?batch=nope', '?from=yesterday', '?from=2026-02-30T00:00:00Z', '?until=2026-11-22T24:00:00Z', '?from=2026-11-22T08:00:00%2B24:00', '?from=2026-11-22', '?limit=0', '?limit=10001', '?start=-1']) {
      const { res, body } = await get(`/v1/epcis/events${bad}`);
      expect(res.status, bad).toBe(400);
      expect(body.code).toMatch(/invalid_/);
    }
    const { res } = await get(`/v1/epcis/events?batch=01/${GTIN}/10/NOPE`);
    expect(res.status).toBe(404);
  });
});
