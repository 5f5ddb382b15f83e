// EPCIS 2.0 export: the CBV 2.0 event hash against the reference implementation's vectors, and
// the export of a full farm-to-shelf flow, which must validate against GS1's EPCIS 2.0 JSON
// Schema, map every record type, and declare revocations as EPCIS error declarations.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventHash, eventPreHash, type EpcisEvent } from '../../src/ledger/epcis.ts';
import { batchBody, GTIN, GTIN2, makeHarness, type Actor, type Harness } from '../support.ts';

const vectors = JSON.parse(readFileSync(join(import.meta.dirname, '../vectors/epcis/event-hash.json'), 'utf8'));

describe('the CBV 2.0 event hash', () => {
  for (const [i, c] of (vectors.cases as { event: EpcisEvent; preHash: string; hash: string }[]).entries()) {
    it(`matches the reference implementation on event ${i + 1}`, () => {
      expect(eventPreHash(c.event, vectors.prefixes)).toBe(c.preHash);
      expect(eventHash(c.event, vectors.prefixes)).toBe(c.hash);
    });
  }

  it('changes when any field changes, and not when fields are reordered', () => {
    const e = vectors.cases[1].event as EpcisEvent;
    const reordered = Object.fromEntries(Object.entries(e).reverse()) as EpcisEvent;
    expect(eventHash(reordered, vectors.prefixes)).toBe(vectors.cases[1].hash);
    expect(eventHash({ ...e, action: 'OBSERVE' }, vectors.prefixes)).not.toBe(vectors.cases[1].hash);
    expect(eventHash({ ...e, eventTime: '2019-10-21T14:58:56.001+02:00' }, vectors.prefixes)).not.toBe(vectors.cases[1].hash);
  });
});

let h: Harness;
let doc: any;
let farm: Actor, lab: Actor, certifier: Actor, mill: Actor, carrier: Actor;
beforeAll(async () => {
  h = makeHarness();
  farm = await h.register('farm', 'producer');
  lab = await h.register('lab', 'lab');
  certifier = await h.register('cert', 'certifier');
  mill = await h.register('mill', 'producer');
  carrier = await h.register('carrier', 'carrier');
  const W = `01/${GTIN}/10/W1`;
  await h.append(farm, 'batch.create', batchBody('W1', { expiresOn: '2027-09-01' }));
  await h.append(lab, 'labreport.issue', { id: 'R1', batch: W, issuedOn: '2026-09-05', tests: [{ name: 'Cd', result: 0.28, limit: 0.2, unit: 'mg/kg', verdict: 'fail' }], verdict: 'fail' });
  await h.append(certifier, 'certificate.issue', { id: 'C1', subject: { batch: W }, standard: 'GB/T 19630', validFrom: '2026-01-01', validUntil: '2027-01-01' });
  await h.append(farm, 'handoff.ship', { id: 'S1', batch: W, to: mill.id, quantity: 600, shippedAt: '2026-09-06T08:00:00.000Z' });
  await h.append(mill, 'handoff.receive', { shipment: 'farm/S1', receivedAt: '2026-09-07T08:00:00.000Z', outcome: 'accepted' });
  await h.append(mill, 'batch.transform', { inputs: [{ batch: W, quantity: 500 }], outputs: [batchBody('F1', { quantity: { amount: 400, uom: 'KGM' } }, GTIN2)] });
  await h.append(mill, 'handoff.ship', { id: 'S2', batch: `01/${GTIN2}/10/F1`, to: carrier.id, quantity: 400, shippedAt: '2026-09-08T08:00:00.000Z' });
  await h.append(carrier, 'handoff.receive', { shipment: 'mill/S2', receivedAt: '2026-09-08T09:00:00.000Z', outcome: 'rejected' });
  await h.append(farm, 'recall.issue', { id: 'RC1', batches: [W], class: 'II', reason: 'cadmium', instructions: 'return it' });
  await h.append(lab, 'labreport.revoke', { report: 'lab/R1', reason: 'sample mix-up' });
  const res = await h.app.request('/v1/epcis/events');
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/application\/(ld\+)?json/);
  doc = await res.json();
});
afterAll(() => h.close());

describe('the EPCIS export', () => {
  it('validates against the GS1 EPCIS 2.0 JSON Schema', () => {
    const schema = JSON.parse(readFileSync(join(import.meta.dirname, '../vectors/epcis/EPCIS-JSON-Schema.json'), 'utf8'));
    const ajv = new (Ajv as unknown as typeof Ajv.default)({ strict: false, allErrors: true });
    (addFormats as unknown as typeof addFormats.default)(ajv);
    const validate = ajv.compile(schema);
    const ok = validate(doc);
    expect(validate.errors ?? [], JSON.stringify(validate.errors?.slice(0, 5))).toEqual([]);
    expect(ok).toBe(true);
    // The validator does reject what is not EPCIS.
    expect(validate({ ...doc, schemaVersion: undefined })).toBe(false);
  });

  it('is an EPCISDocument with the standard context and a declared lotproof prefix', () => {
    expect(doc['@context'][0]).toBe('https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld');
    expect(doc['@context'][1].lotproof).toBe('https://lotproof.test/ns/lotproof#');
    expect(doc).toMatchObject({ type: 'EPCISDocument', schemaVersion: '2.0' });
    expect(typeof doc.creationDate).toBe('string');
  });

  it('maps every record type, each event named by its hash and its ledger entry', () => {
    const events = doc.epcisBody.eventList as any[];
    const byType = (t: string) => events.filter((e) => e['lotproof:type'] === t && !e.errorDeclaration);
    const create = byType('batch.create')[0];
    expect(create).toMatchObject({ type: 'ObjectEvent', action: 'ADD', bizStep: 'commissioning' });
    expect(create.quantityList[0]).toEqual({ epcClass: `https://id.gs1.org/01/${GTIN}/10/W1`, quantity: 1000, uom: 'KGM' });
    expect(create.ilmd).toMatchObject({ 'cbvmda:lotNumber': 'W1', 'cbvmda:itemExpirationDate': '2027-09-01', 'cbvmda:countryOfOrigin': 'CN' });
    expect(byType('handoff.ship')[0]).toMatchObject({ bizStep: 'shipping', disposition: 'in_transit', sourceList: [{ type: 'owning_party' }], destinationList: [{ type: 'owning_party' }] });
    expect(byType('handoff.receive').map((e) => e['lotproof:outcome'])).toEqual(['accepted', 'rejected']);
    expect(byType('handoff.receive')[0]).toMatchObject({ bizStep: 'receiving' });
    const transform = byType('batch.transform')[0];
    expect(transform.type).toBe('TransformationEvent');
    expect(transform.inputQuantityList[0]).toEqual({ epcClass: `https://id.gs1.org/01/${GTIN}/10/W1`, quantity: 500, uom: 'KGM' });
    expect(transform.outputQuantityList[0]).toEqual({ epcClass: `https://id.gs1.org/01/${GTIN2}/10/F1`, quantity: 400, uom: 'KGM' });
    const report = byType('labreport.issue')[0];
    expect(report).toMatchObject({ action: 'OBSERVE', bizStep: 'inspecting', disposition: 'non_conformant' });
    expect(report.certificationInfo).toBe(`https://lotproof.test/v1/entries/${report['lotproof:seq']}`);
    expect(byType('certificate.issue')[0].certificationInfo).toMatch(/^https:\/\/lotproof\.test\/v1\/entries\/\d+$/);
    expect(byType('recall.issue')[0]).toMatchObject({ disposition: 'recalled' });
    for (const e of events) {
      expect(e.eventID).toMatch(/^ni:\/\/\/sha-256;[0-9a-f]{64}\?ver=CBV2\.0$/);
      expect(e.eventTimeZoneOffset).toBe('+00:00');
      const entry = h.store.entry(e['lotproof:seq'])!;
      expect(Buffer.from(entry.hash).toString('base64')).toBe(e['lotproof:leafHash']);
    }
  });

  it('declares a revoked report as an error on the original event, same eventID', () => {
    const events = doc.epcisBody.eventList as any[];
    const original = events.find((e) => e['lotproof:type'] === 'labreport.issue' && !e.errorDeclaration);
    const declared = events.find((e) => e.errorDeclaration);
    expect(declared.eventID).toBe(original.eventID);
    expect(declared.errorDeclaration).toMatchObject({ reason: 'incorrect_data', 'lotproof:reason': 'sample mix-up' });
    expect(typeof declared.errorDeclaration.declarationTime).toBe('string');
  });

  it('exports one batch\'s genealogy, or a time range, and refuses bad parameters', async () => {
    const g = (await (await h.app.request(`/v1/epcis/events?batch=01/${GTIN2}/10/F1`)).json()) as any;
    const types = new Set(g.epcisBody.eventList.map((e: any) => e['lotproof:type']));
    // F1 was made from W1, so W1's history belongs to F1's genealogy.
    expect(types.has('batch.create')).toBe(true);
    expect(types.has('batch.transform')).toBe(true);
    const none = (await (await h.app.request('/v1/epcis/events?until=2000-01-01T00:00:00.000Z')).json()) as any;
    expect(none.epcisBody.eventList).toEqual([]);
    for (const bad of ['?batch=nope', '?from=yesterday', '?limit=0', '?start=-1']) {
      const res = await h.app.request(`/v1/epcis/events${bad}`);
      expect(res.status, bad).toBe(400);
      expect(((await res.json()) as any).code).toMatch(/invalid_/);
    }
  });
});
