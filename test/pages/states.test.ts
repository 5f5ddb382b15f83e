// What the shopper's page says about states that change with time and with later entries:
// expiry judged by the day in China (the page's own clock), a deregistered lab, signed
// translations of revocation reasons and closing notes, a recall of an input only, and the unit
// of an input's amount. Found by a review of the page; each assertion failed before its fix.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchBody, GTIN, GTIN2, makeHarness, type Actor, type Harness } from '../support.ts';

let h: Harness;
let farm: Actor, lab: Actor, certifier: Actor, shop: Actor;
const L1 = `01/${GTIN}/10/L1`;
const OUT1 = `01/${GTIN2}/10/OUT1`;

beforeAll(async () => {
  h = makeHarness();
  farm = await h.register('farm', 'producer');
  lab = await h.register('lab1', 'lab');
  certifier = await h.register('cert1', 'certifier');
  shop = await h.register('shop', 'retailer');
  // The harness clock starts at 2026-11-22T08:00Z: 16:00 on the 22nd in Beijing.
  await h.append(farm, 'batch.create', batchBody('L1', { expiresOn: '2026-11-22' }));
  const cert = (id: string, subject: object, validFrom: string, validUntil: string) =>
    h.append(certifier, 'certificate.issue', { id, subject, standard: `Standard ${id}`, validFrom, validUntil });
  await cert('C1', { actor: farm.id }, '2026-01-01', '2026-11-22');
  await cert('C2', { batch: L1 }, '2026-11-23', '2027-11-22');
  await cert('C3', { batch: L1 }, '2026-01-01', '2027-11-22');
  await h.append(certifier, 'certificate.revoke', { certificate: 'cert1/C3', reason: '现场检查不合格', translations: { en: { reason: 'Failed inspection' } } });
  await h.append(lab, 'labreport.issue', { id: 'R1', batch: L1, issuedOn: '2026-11-20', tests: [{ name: 'Moisture', result: 12, unit: '%', verdict: 'pass' }], verdict: 'pass' });
  await h.append(h.operator, 'actor.revoke', { id: lab.id, reason: 'accreditation withdrawn' });
  await h.append(farm, 'recall.issue', { id: 'RC0', batches: [L1], class: 'III', reason: 'Label misprint', instructions: 'None needed' });
  await h.append(farm, 'recall.close', { recall: 'farm/RC0', note: '已完成', translations: { en: { note: 'Completed' } } });
  await h.append(farm, 'handoff.ship', { id: 'S1', batch: L1, to: shop.id, quantity: 200, shippedAt: '2026-11-22T08:00:00.000Z' });
  await h.append(shop, 'handoff.receive', { shipment: 'farm/S1', receivedAt: '2026-11-22T08:00:00.000Z', outcome: 'accepted' });
  // The input's quantity as a bare number, in L1's own unit.
  await h.append(shop, 'batch.transform', { inputs: [{ batch: L1, quantity: 150 }], outputs: [batchBody('OUT1', { product: { name: 'Flour', category: 'flour' }, quantity: { amount: 120, uom: 'KGM' } }, GTIN2)] });
  await h.append(farm, 'recall.issue', { id: 'RC1', batches: [L1], class: 'I', reason: 'Mould', instructions: 'Do not eat' });
  // 20:00 UTC on the 22nd is 04:00 on the 23rd in Beijing, where the page says its times are.
  h.clock.advance(12 * 3600_000);
  await h.ledger.waitForCheckpoint(h.ledger.size() - 1);
});
afterAll(() => h.close());

const html = async (path: string) => (await h.app.request(`${path}?lang=en`, { headers: { accept: 'text/html' } })).text();
const json = async (path: string) => (await (await h.app.request(path, { headers: { accept: 'application/json' } })).json()) as any;

describe('the page at 04:00 on 23 November in Beijing (20:00 UTC on the 22nd)', () => {
  it('judges calendar dates by the day in China: a certificate valid until the 22nd has expired, one from the 23rd is valid', async () => {
    const v = await json(L1);
    const status = Object.fromEntries(v.certificates.map((c: any) => [c.name, c.status]));
    expect(status['cert1/C1']).toBe('expired');
    expect(status['cert1/C2']).toBe('valid');
    expect(status['cert1/C3']).toBe('revoked');
    expect(await html(L1)).toMatch(/Best before<\/dt><dd>2026-11-22 <span class="tag expired">expired<\/span>/);
  });

  it("marks a deregistered lab on its report, and shows signed translations of revocation reasons and closing notes", async () => {
    const page = await html(L1);
    expect(page).toMatch(/<h3>lab1 name <span class="tag revoked">/);
    expect(page).toContain('Failed inspection');
    expect(page).not.toContain('现场检查不合格');
    expect(page).toContain('Completed');
    expect(page).not.toContain('已完成');
  });

  it("titles a product whose input alone is recalled as such, and gives the input's amount its unit", async () => {
    const page = await html(OUT1);
    expect(page).toMatch(/<title>⚠ A batch this product was made from has been recalled · /);
    expect(page).not.toMatch(/<title>[^<]*This batch has been recalled/);
    expect(page).toMatch(/Lot L1<\/span> <span class="muted">· used 150 kg<\/span>/);
    expect((await json(OUT1)).madeFrom[0]).toMatchObject({ batch: L1, amount: 150, uom: 'KGM' });
    // The recalled batch itself keeps the direct title.
    expect(await html(L1)).toMatch(/<title>⚠ This batch has been recalled · /);
  });
});
