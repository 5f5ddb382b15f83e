// POST /v1/entries through app.request(): a batch walked from farm to shelf, and every kind of
// bad input refused with a stable problem code and nothing written.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toBase64, toHex } from '../../src/core/bytes.ts';
import { generateKeyPair } from '../../src/core/ed25519.ts';
import { sha256 } from '../../src/core/hash.ts';
import { formatTime } from '../../src/core/time.ts';
import { uploadMessage } from '../../src/core/upload.ts';
import { verifierKey } from '../../src/core/note.ts';
import { LogVerifier, logIdentity } from '../../src/ledger/audit.ts';
import { sign } from '../../src/core/ed25519.ts';
import { batchBody, GTIN, GTIN2, makeHarness, type Actor, type Harness } from '../support.ts';

let h: Harness;
let farm: Actor, lab: Actor, certifier: Actor, mill: Actor, carrier: Actor, retailer: Actor, authority: Actor;

beforeEach(async () => {
  h = makeHarness();
  farm = await h.register('lixin-farm', 'producer');
  lab = await h.register('sgs-shanghai', 'lab');
  certifier = await h.register('ofdc', 'certifier');
  mill = await h.register('golden-mill', 'producer');
  carrier = await h.register('coldchain', 'carrier');
  retailer = await h.register('freshmart', 'retailer');
  authority = await h.register('samr', 'authority');
});
afterEach(() => h.close());

/**
 * A digest of everything the store holds, so a refusal can be shown to have written nothing.
 * Call it once the checkpoint covering the log is signed, since that is written on a timer.
 */
function snapshot(): string {
  const tables = h.store.sqlite
    .prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '__drizzle%' order by name")
    .all() as { name: string }[];
  const parts = tables.map((t) => {
    const rows = h.store.sqlite.prepare(`select * from "${t.name}"`).all();
    return `${t.name}:${JSON.stringify(rows, (_k, v) => (Buffer.isBuffer(v) ? v.toString('base64') : v))}`;
  });
  return `${h.ledger.size()} entries, ${toHex(sha256(new TextEncoder().encode(parts.join('\n'))))}`;
}

async function expectProblem(res: Response, status: number, code: string) {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const body = JSON.parse(text);
  expect(body.code).toBe(code);
  expect(body.status).toBe(status);
  expect(typeof body.detail).toBe('string');
}

async function uploadDoc(actor: Actor, bytes: Uint8Array, mediaType = 'application/pdf') {
  const hex = toHex(sha256(bytes));
  const time = formatTime(h.clock.now());
  const sig = toBase64(sign(uploadMessage(actor.id, hex, time), actor.key.secretKey));
  return h.app.request(`/v1/documents/${hex}`, {
    method: 'PUT',
    headers: { 'content-type': mediaType, authorization: `Lotproof-Ed25519 actor="${actor.id}", time="${time}", sig="${sig}"` },
    body: Buffer.from(bytes),
  });
}

describe('a batch from farm to shelf', () => {
  it('accepts every record type, chains entries and tracks holdings', async () => {
    const wheat = 'W2026-09';
    const seqCreate = await h.append(farm, 'batch.create', batchBody(wheat));
    const pdf = new TextEncoder().encode('%PDF-1.4 pesticide residue report');
    expect((await uploadDoc(lab, pdf)).status).toBe(201);
    const docHex = toHex(sha256(pdf));
    await h.append(lab, 'labreport.issue', {
      id: 'R-1',
      batch: `01/${GTIN}/10/${wheat}`,
      issuedOn: '2026-09-05',
      tests: [{ name: 'Chlorpyrifos', result: '<0.01', unit: 'mg/kg', limit: '0.05', verdict: 'pass', method: 'GB 23200.113' }],
      verdict: 'pass',
      document: { sha256: docHex, mediaType: 'application/pdf', name: 'R-1.pdf' },
    });
    await h.append(farm, 'labreport.issue', {
      id: 'self-1',
      batch: `01/${GTIN}/10/${wheat}`,
      issuedOn: '2026-09-02',
      tests: [{ name: 'Moisture', result: 12.5, unit: '%', verdict: 'info' }],
      verdict: 'pass',
    });
    await h.append(certifier, 'certificate.issue', {
      id: 'ORG-7',
      subject: { actor: farm.id },
      standard: 'GB/T 19630 organic',
      validFrom: '2026-01-01',
      validUntil: '2027-12-31',
    });
    await h.append(farm, 'handoff.ship', { id: 'S1', batch: `01/${GTIN}/10/${wheat}`, to: mill.id, quantity: 600, shippedAt: '2026-09-06T08:00:00.000Z' });
    await h.append(mill, 'handoff.receive', { shipment: `${farm.id}/S1`, receivedAt: '2026-09-07T08:00:00.000Z', outcome: 'accepted' });
    await h.append(mill, 'batch.transform', {
      inputs: [{ batch: `01/${GTIN}/10/${wheat}`, quantity: { amount: 500, uom: 'KGM' } }],
      outputs: [batchBody('F2026-09', { product: { name: 'Wholemeal flour', category: 'flour' }, quantity: { amount: 400, uom: 'KGM' } }, GTIN2)],
    });
    await h.append(mill, 'handoff.ship', { id: 'S2', batch: `01/${GTIN2}/10/F2026-09`, to: carrier.id, quantity: 400, shippedAt: '2026-09-08T08:00:00.000Z', conditions: { temperature: '4°C' } });
    await h.append(carrier, 'handoff.receive', { shipment: `${mill.id}/S2`, receivedAt: '2026-09-08T09:00:00.000Z', outcome: 'accepted' });
    await h.append(carrier, 'handoff.ship', { id: 'S3', batch: `01/${GTIN2}/10/F2026-09`, to: retailer.id, quantity: 400, shippedAt: '2026-09-09T08:00:00.000Z' });
    await h.append(retailer, 'handoff.receive', { shipment: `${carrier.id}/S3`, receivedAt: '2026-09-09T12:00:00.000Z', outcome: 'rejected', note: 'cold chain broken' });

    // The rejected shipment went back to the carrier.
    const flour = h.store.batchByKey(GTIN2, 'F2026-09')!;
    expect(h.store.holding(flour.id, carrier.id)).toBe(400e6);
    expect(h.store.holding(flour.id, retailer.id)).toBe(0);
    const wheatRow = h.store.batchByKey(GTIN, wheat)!;
    expect(h.store.holding(wheatRow.id, farm.id)).toBe(400e6);
    expect(h.store.holding(wheatRow.id, mill.id)).toBe(100e6);

    await h.append(farm, 'recall.issue', { id: 'RC-1', batches: [`01/${GTIN}/10/${wheat}`], class: 'II', reason: 'Undeclared allergen', instructions: 'Return to the store' });
    await h.append(lab, 'labreport.revoke', { report: `${lab.id}/R-1`, reason: 'sample mix-up' });
    await h.append(certifier, 'certificate.revoke', { certificate: `${certifier.id}/ORG-7`, reason: 'audit failed' });
    await h.append(farm, 'recall.close', { recall: `${farm.id}/RC-1`, note: 'all units recovered' });
    const newKey = generateKeyPair();
    await h.append(farm, 'actor.rotateKey', { id: farm.id, pub: toBase64(newKey.publicKey) });
    // The old key stops being active at once.
    await expectProblem(await h.post(h.sign(farm, 'batch.create', batchBody('W-old-key'))), 403, 'key_not_active');
    await h.append({ id: farm.id, key: newKey }, 'batch.create', batchBody('W-new-key'));
    await h.append(h.operator, 'actor.revoke', { id: retailer.id, reason: 'left the scheme' });
    await expectProblem(await h.post(h.sign(retailer, 'batch.create', batchBody('R1'))), 403, 'actor_revoked');
    expect(seqCreate).toBeGreaterThan(0);

    // The JSON view names the reports (third-party first), certificates, journey and recalls.
    const res = await h.app.request(`/01/${GTIN2}/10/F2026-09`, { headers: { accept: 'application/json' } });
    expect(res.status).toBe(200);
    const view = (await res.json()) as any;
    expect(view.batch.createdBy).toBe('batch.transform');
    expect(view.madeFrom[0].batch).toBe(`01/${GTIN}/10/${wheat}`);
    expect(view.journey).toHaveLength(2);
    expect(view.journey[1].received.outcome).toBe('rejected');
    expect(view.recalls[0].direct).toBe(false);
    const wv = (await (await h.app.request(`/01/${GTIN}/10/${wheat}`, { headers: { accept: 'application/json' } })).json()) as any;
    expect(wv.labReports.map((r: any) => r.kind)).toEqual(['third-party', 'self-test']);
    expect(wv.labReports[0].revocation.reason).toBe('sample mix-up');
    expect(wv.certificates[0].status).toBe('revoked');
    expect(wv.madeInto[0].batch).toBe(`01/${GTIN2}/10/F2026-09`);
    const trace = (await (await h.app.request(`/v1/trace/01/${GTIN2}/10/F2026-09`)).json()) as any;
    expect(trace.upstream.batches[0].batch).toBe(`01/${GTIN}/10/${wheat}`);
  });

  it('serves each entry with its leaf hash and a prev chain', async () => {
    await h.append(farm, 'batch.create', batchBody('L1'));
    const size = h.ledger.size();
    let prev = toBase64(new Uint8Array(32));
    for (let seq = 0; seq < size; seq++) {
      const res = await h.app.request(`/v1/entries/${seq}`);
      expect(res.status).toBe(200);
      const text = await res.text();
      const body = JSON.parse(text);
      expect(body.entry.seq).toBe(seq);
      expect(body.entry.prev).toBe(prev);
      const leaf = h.store.entry(seq)!.leaf;
      expect(toBase64(sha256(leaf))).toBe(body.hash);
      prev = body.hash;
    }
  });
});

describe('a method a path does not answer', () => {
  it('is 405 with an Allow header naming the methods it does answer; an unknown path stays 404', async () => {
    for (const [method, path, allow] of [
      ['PUT', '/v1/entries', 'POST'],
      ['DELETE', '/log/checkpoint', 'GET, HEAD'],
      ['POST', '/v1/entries/5', 'GET, HEAD'],
      ['POST', `/01/${GTIN}/10/L1`, 'GET'],
    ] as const) {
      const res = await h.app.request(path, { method, body: method === 'DELETE' ? undefined : '{}' });
      await expectProblem(res.clone(), 405, 'method_not_allowed');
      for (const m of allow.split(', ')) expect(res.headers.get('allow'), `${method} ${path}`).toContain(m);
      expect(res.headers.get('allow')).not.toContain(method);
    }
    await expectProblem(await h.app.request('/no/such/path', { method: 'POST', body: '{}' }), 404, 'not_found');
    await expectProblem(await h.app.request('/v1/entries/999999'), 404, 'not_found');
  });
});

describe('SPEC §3: who signs names a relation, not only a role', () => {
  const RICE = `01/${GTIN}/10/RICE-1`;
  const view = async (name: string) => (await (await h.app.request(`/${name}`, { headers: { accept: 'application/json' } })).json()) as any;
  const ship = async (from: Actor, to: Actor, id: string, batch: string, quantity: number) => {
    await h.append(from, 'handoff.ship', { id, batch, to: to.id, quantity, shippedAt: '2026-09-06T08:00:00.000Z' });
    await h.append(to, 'handoff.receive', { shipment: `${from.id}/${id}`, receivedAt: '2026-09-07T08:00:00.000Z', outcome: 'accepted' });
  };

  it('lets the holder of every input transform it, whatever its role, and makes it the outputs\' producer', async () => {
    await h.append(farm, 'batch.create', batchBody('RICE-1'));
    await ship(farm, retailer, 'S1', RICE, 600);
    // A retailer repacks what it holds into 1 kg bags: new batches of its own.
    await h.append(retailer, 'batch.transform', {
      inputs: [{ batch: RICE, quantity: 500 }],
      outputs: [batchBody('BAG-1', { product: { name: 'Rice, 1 kg bags', category: 'grain' }, quantity: { amount: 500, uom: 'KGM' } }, GTIN2)],
    });
    const bag = h.store.batchByKey(GTIN2, 'BAG-1')!;
    expect(bag.producer).toBe(retailer.id);
    expect(h.store.holding(bag.id, retailer.id)).toBe(500e6);
    expect(h.store.holding(h.store.batchByKey(GTIN, 'RICE-1')!.id, retailer.id)).toBe(100e6);
    expect((await view(`01/${GTIN2}/10/BAG-1`)).madeFrom[0].batch).toBe(RICE);

    // As the bags' producer it may self-test and recall them (SPEC: "the batch's producer",
    // "the producer of every batch named"), but not the farm's rice.
    await h.append(retailer, 'labreport.issue', { id: 'QC-1', batch: `01/${GTIN2}/10/BAG-1`, issuedOn: '2026-09-08', tests: [{ name: 'Weight', result: 1.002, unit: 'kg', verdict: 'pass' }], verdict: 'pass' });
    expect((await view(`01/${GTIN2}/10/BAG-1`)).labReports.map((r: any) => r.kind)).toEqual(['self-test']);
    const recall = { id: 'RC-1', class: 'III', reason: 'Mislabelled weight', instructions: 'Return to the store' };
    await h.append(retailer, 'recall.issue', { ...recall, batches: [`01/${GTIN2}/10/BAG-1`] });
    await h.append(retailer, 'recall.close', { recall: `${retailer.id}/RC-1`, note: 'relabelled' });
    await expectProblem(await h.post(h.sign(retailer, 'recall.issue', { ...recall, id: 'RC-2', batches: [RICE] })), 403, 'not_producer');
    await expectProblem(await h.post(h.sign(retailer, 'labreport.issue', { id: 'QC-2', batch: RICE, issuedOn: '2026-09-08', tests: [{ name: 'Weight', result: 1, verdict: 'pass' }], verdict: 'pass' })), 403, 'not_producer');

    // Holding is what decides: not what the signer does not hold, nor more than it holds.
    await expectProblem(await h.post(h.sign(carrier, 'batch.transform', { inputs: [{ batch: RICE, quantity: 1 }], outputs: [batchBody('BAG-2', {}, GTIN2)] })), 409, 'insufficient_holding');
    await expectProblem(await h.post(h.sign(retailer, 'batch.transform', { inputs: [{ batch: RICE, quantity: 101 }], outputs: [batchBody('BAG-3', {}, GTIN2)] })), 409, 'insufficient_holding');
    // A role that can never hold goods still may not.
    await expectProblem(await h.post(h.sign(certifier, 'batch.transform', { inputs: [{ batch: RICE, quantity: 1 }], outputs: [batchBody('BAG-4', {}, GTIN2)] })), 403, 'role_not_allowed');
  });

  it('calls a lab\'s report on a batch it produced a self-test, and on anyone else\'s third-party', async () => {
    await h.append(farm, 'batch.create', batchBody('RICE-1'));
    await ship(farm, lab, 'S1', RICE, 10);
    await h.append(lab, 'batch.transform', { inputs: [{ batch: RICE, quantity: 10 }], outputs: [batchBody('MIX-1', { quantity: { amount: 10, uom: 'KGM' } }, GTIN2)] });
    const report = (id: string, batch: string) => ({ id, batch, issuedOn: '2026-09-08', tests: [{ name: 'Moisture', result: 12, unit: '%', verdict: 'pass' }], verdict: 'pass' });
    await h.append(lab, 'labreport.issue', report('R-own', `01/${GTIN2}/10/MIX-1`));
    await h.append(lab, 'labreport.issue', report('R-farm', RICE));
    expect((await view(`01/${GTIN2}/10/MIX-1`)).labReports.map((r: any) => r.kind)).toEqual(['self-test']);
    expect((await view(RICE)).labReports.map((r: any) => r.kind)).toEqual(['third-party']);
  });

  it('leaves a log the auditor replays without a role failure', async () => {
    await h.append(farm, 'batch.create', batchBody('RICE-1'));
    await ship(farm, retailer, 'S1', RICE, 600);
    await h.append(retailer, 'batch.transform', { inputs: [{ batch: RICE, quantity: 500 }], outputs: [batchBody('BAG-1', {}, GTIN2)] });
    const verifier = new LogVerifier(logIdentity(verifierKey('test.lotproof/log', h.logKey.publicKey)));
    const leaves = h.store.leaves(0, h.ledger.size());
    for (const leaf of leaves) verifier.push(leaf);
    expect(verifier.size).toBe(leaves.length);
  });
});

describe('bad input is refused and nothing is written', () => {
  const cases: [string, () => Promise<Response>, number, string][] = [];
  const add = (name: string, fn: () => Promise<Response>, status: number, code: string) => cases.push([name, fn, status, code]);

  add('malformed JSON', () => h.post('{"statement": '), 400, 'invalid_json');
  add('invalid UTF-8', () => h.app.request('/v1/entries', { method: 'POST', headers: { 'content-type': 'application/json' }, body: new Uint8Array([0x7b, 0xff, 0x7d]) }) as Promise<Response>, 400, 'invalid_json');
  add('wrong content type', () => h.app.request('/v1/entries', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' }) as Promise<Response>, 415, 'unsupported_media_type');
  add('body over the limit', () => h.post(JSON.stringify({ pad: 'x'.repeat(70 * 1024) })), 413, 'body_too_large');
  add('deeply nested JSON', () => h.post('['.repeat(100) + ']'.repeat(100)), 400, 'json_too_deep');
  add('duplicate keys', () => h.post('{"sig":"a","sig":"b"}'), 400, 'duplicate_key');
  // Signed over its JCS bytes, "__proto__" included: refused for the key, not as a bad signature.
  add('a "__proto__" key', () => h.post(h.sign(farm, 'batch.create', { ...batchBody('X1'), ['__proto__']: { x: 1 } })), 400, 'reserved_key');
  add('a "__proto__" key spelt with an escape', () => h.post(JSON.stringify(h.sign(farm, 'batch.create', batchBody('X1'))).replace('{"gtin"', '{"\\u005f_proto__":{},"gtin"')), 400, 'reserved_key');
  add('missing field', () => {
    const sub = h.sign(farm, 'batch.create', batchBody('X1'));
    delete (sub.statement as any).nonce;
    return h.post(sub);
  }, 400, 'invalid_submission');
  add('unknown envelope field', () => h.post({ ...h.sign(farm, 'batch.create', batchBody('X1')), extra: 1 }), 400, 'invalid_submission');
  add('unknown statement field', () => h.post(h.sign(farm, 'batch.create', batchBody('X1'), { extra: 1 } as any)), 400, 'invalid_submission');
  for (const body of [[], null, 'x', 1]) {
    add(`a body that is not an object (${JSON.stringify(body)})`, () => h.post(h.sign(farm, 'batch.create', body as any)), 400, 'invalid_submission');
  }
  add('missing body field', () => {
    const b = batchBody('X1');
    delete b.producedOn;
    return h.post(h.sign(farm, 'batch.create', b));
  }, 422, 'invalid_body');
  add('bad signature', () => {
    const sub = h.sign(farm, 'batch.create', batchBody('X1'));
    sub.statement.body.lot = 'X2';
    return h.post(sub);
  }, 403, 'bad_signature');
  add('key not the actor\'s active key', () => {
    const other = generateKeyPair();
    return h.post(h.sign({ id: farm.id, key: other }, 'batch.create', batchBody('X1')));
  }, 403, 'key_not_active');
  add('unregistered actor', () => h.post(h.sign({ id: 'nobody', key: generateKeyPair() }, 'batch.create', batchBody('X1'))), 403, 'unknown_actor');
  add('role not allowed', () => h.post(h.sign(carrier, 'batch.create', batchBody('X1'))), 403, 'role_not_allowed');
  add('lab may not create batches', () => h.post(h.sign(lab, 'batch.create', batchBody('X1'))), 403, 'role_not_allowed');
  add('log.init submitted', () => h.post(h.sign(h.operator, 'log.init', { origin: 'x', operator: { id: 'operator', pub: toBase64(h.operator.key.publicKey) }, logKey: 'x' })), 422, 'type_not_allowed');
  add('time outside the skew window', () => h.post(h.sign(farm, 'batch.create', batchBody('X1'), { time: formatTime(h.clock.now() - 10 * 60_000) })), 422, 'time_skew');
  add('invalid GTIN', () => h.post(h.sign(farm, 'batch.create', batchBody('X1', { gtin: '09506000134353' }))), 422, 'invalid_body');
  add('invalid lot', () => h.post(h.sign(farm, 'batch.create', batchBody('lot with space'))), 422, 'invalid_body');
  add('lot too long', () => h.post(h.sign(farm, 'batch.create', batchBody('L'.repeat(21)))), 422, 'invalid_body');
  add('duplicate batch', () => h.post(h.sign(farm, 'batch.create', batchBody('EXISTING'))), 409, 'duplicate_batch');
  // Refused after the batch row is inserted (the insert is the uniqueness check): the statement's savepoint undoes it.
  add('expiry before production', () => h.post(h.sign(farm, 'batch.create', { ...batchBody('X1'), producedOn: '2026-09-01', expiresOn: '2026-08-01' })), 422, 'invalid_body');
  add('report on a batch that does not exist', () =>
    h.post(h.sign(lab, 'labreport.issue', { id: 'R9', batch: `01/${GTIN}/10/NOPE`, issuedOn: '2026-09-01', tests: [{ name: 't', result: 1, verdict: 'pass' }], verdict: 'pass' })), 422, 'unknown_batch');
  add('shipping more than one holds', () => h.post(h.sign(farm, 'handoff.ship', { id: 'S9', batch: `01/${GTIN}/10/EXISTING`, to: carrier.id, quantity: 1000.5, shippedAt: '2026-09-06T08:00:00.000Z' })), 409, 'insufficient_holding');
  add('shipping what one never held', () => h.post(h.sign(carrier, 'handoff.ship', { id: 'S9', batch: `01/${GTIN}/10/EXISTING`, to: retailer.id, quantity: 1, shippedAt: '2026-09-06T08:00:00.000Z' })), 409, 'insufficient_holding');
  add('receiving a shipment addressed to someone else', () =>
    h.post(h.sign(retailer, 'handoff.receive', { shipment: `${farm.id}/S-PENDING`, receivedAt: '2026-09-07T08:00:00.000Z', outcome: 'accepted' })), 403, 'not_recipient');
  add('a recall of another producer\'s batch', () =>
    h.post(h.sign(mill, 'recall.issue', { id: 'RC', batches: [`01/${GTIN}/10/EXISTING`], class: 'I', reason: 'r', instructions: 'i' })), 403, 'not_producer');
  add('a document that is not stored', () =>
    h.post(h.sign(lab, 'labreport.issue', { id: 'R9', batch: `01/${GTIN}/10/EXISTING`, issuedOn: '2026-09-01', tests: [{ name: 't', result: 1, verdict: 'pass' }], verdict: 'pass', document: { sha256: '0'.repeat(64), mediaType: 'application/pdf', name: 'x.pdf' } })), 422, 'unknown_document');
  add('self-test on another producer\'s batch', () =>
    h.post(h.sign(mill, 'labreport.issue', { id: 'R9', batch: `01/${GTIN}/10/EXISTING`, issuedOn: '2026-09-01', tests: [{ name: 't', result: 1, verdict: 'pass' }], verdict: 'pass' })), 403, 'not_producer');
  add('revoking someone else\'s certificate', () => h.post(h.sign(lab, 'certificate.revoke', { certificate: `${certifier.id}/C1`, reason: 'x' })), 403, 'role_not_allowed');
  add('unit mismatch', () => h.post(h.sign(farm, 'handoff.ship', { id: 'S9', batch: `01/${GTIN}/10/EXISTING`, to: carrier.id, quantity: { amount: 1, uom: 'LTR' }, shippedAt: '2026-09-06T08:00:00.000Z' })), 422, 'unit_mismatch');

  for (const [name, fn, status, code] of cases) {
    it(name, async () => {
      await h.append(farm, 'batch.create', batchBody('EXISTING'));
      await h.append(farm, 'handoff.ship', { id: 'S-PENDING', batch: `01/${GTIN}/10/EXISTING`, to: carrier.id, quantity: 1, shippedAt: '2026-09-06T08:00:00.000Z' });
      await h.append(certifier, 'certificate.issue', { id: 'C1', subject: { actor: farm.id }, standard: 's', validFrom: '2026-01-01', validUntil: '2027-01-01' });
      await h.ledger.waitForCheckpoint(h.ledger.size() - 1);
      const before = snapshot();
      await expectProblem(await fn(), status, code);
      expect(snapshot()).toBe(before);
    });
  }

  it('a replayed nonce is refused with 409', async () => {
    const sub = h.sign(farm, 'batch.create', batchBody('N1'));
    expect((await h.post(sub)).status).toBe(201);
    await h.ledger.waitForCheckpoint(h.ledger.size() - 1);
    const before = snapshot();
    await expectProblem(await h.post(sub), 409, 'nonce_replayed');
    expect(snapshot()).toBe(before);
  });

  it('a document whose hash does not match is refused', async () => {
    const bytes = new TextEncoder().encode('%PDF real');
    const hex = toHex(sha256(new TextEncoder().encode('%PDF other')));
    const time = formatTime(h.clock.now());
    const sig = toBase64(sign(uploadMessage(lab.id, hex, time), lab.key.secretKey));
    await h.ledger.waitForCheckpoint(h.ledger.size() - 1);
    const before = snapshot();
    const res = await h.app.request(`/v1/documents/${hex}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/pdf', authorization: `Lotproof-Ed25519 actor="${lab.id}", time="${time}", sig="${sig}"` },
      body: Buffer.from(bytes),
    });
    await expectProblem(res, 422, 'document_mismatch');
    expect(snapshot()).toBe(before);
  });

  it('an upload without an actor signature is refused', async () => {
    const bytes = new TextEncoder().encode('%PDF x');
    await expectProblem(await h.app.request(`/v1/documents/${toHex(sha256(bytes))}`, { method: 'PUT', headers: { 'content-type': 'application/pdf' }, body: bytes }), 401, 'unauthorized');
  });

  it('a rejected group member does not disturb the others', async () => {
    const subs = [h.sign(farm, 'batch.create', batchBody('G1')), h.sign(carrier, 'batch.create', batchBody('G2')), h.sign(farm, 'batch.create', batchBody('G3'))];
    const results = await Promise.all(subs.map((s) => h.post(s)));
    expect(results.map((r) => r.status)).toEqual([201, 403, 201]);
    const seqs = await Promise.all([results[0]!.json(), results[2]!.json()]);
    expect((seqs[1] as any).seq).toBe((seqs[0] as any).seq + 1);
  });
});
