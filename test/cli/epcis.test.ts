// EPCIS round trip through the command line: the demo supply chain exported as EPCIS 2.0 with
// `lotproof epcis export`, imported into a fresh log by each actor with its own key through
// `lotproof epcis import`, yields the same batches and journey. A document with an event that
// cannot be mapped, or that the actor may not sign, submits nothing.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readKeyFile } from '../../src/cli/keyfile.ts';
import { systemClock } from '../../src/ledger/clock.ts';
import { configFromEnv, startService, type Service } from '../../src/main.ts';
import { seedDemo, type DemoInfo } from '../../scripts/demo-seed.ts';
import { freePort } from '../../scripts/free-port.ts';
import { startBench, type CliBench } from './harness.ts';

const ajv = new (Ajv as unknown as typeof Ajv.default)({ strict: false });
(addFormats as unknown as typeof addFormats.default)(ajv);
const validateEpcis = ajv.compile(JSON.parse(readFileSync(join(import.meta.dirname, '../vectors/epcis/EPCIS-JSON-Schema.json'), 'utf8')));

let source: Service;
let demo: DemoInfo;
let sourceUrl: string;
let b: CliBench;
const keys: Record<string, { id: string; path: string }> = {};

beforeAll(async () => {
  const dir = (await import('node:fs')).mkdtempSync(join((await import('node:os')).tmpdir(), 'lotproof-epcis-src-'));
  // The source's public URL is where it listens, so the documents its export locates can be copied.
  const port = await freePort();
  sourceUrl = `http://127.0.0.1:${port}`;
  source = await startService(configFromEnv({ LOTPROOF_DATA: dir, PORT: String(port), HOST: '127.0.0.1', LOTPROOF_PUBLIC_URL: sourceUrl }), { listen: true, quiet: true });
  demo = await seedDemo(source.ledger, systemClock, readKeyFile(source.config.operatorKeyFile));
  b = await startBench();
  // The same parties join the fresh log, each with a new key of its own.
  for (const id of Object.values(demo.actors)) {
    const a = (await (await fetch(`${sourceUrl}/v1/actors/${id}`)).json()) as { role: string; name: string; accreditation?: { body: string; number: string } };
    const k = b.keyFile(`${id}.key`);
    const acc = a.accreditation ? ['--accreditation-body', a.accreditation.body, '--accreditation-number', a.accreditation.number] : [];
    const r = await b.run(['actor', 'register', '--id', id, '--role', a.role, '--name', a.name, '--pub', k.pub, ...acc]);
    expect(r.code, r.stderr).toBe(0);
    keys[id] = { id, path: k.path };
  }
}, 60_000);
afterAll(async () => {
  await source.close();
  await b.close();
});

/** What a shopper is shown, without the log positions and signing times that differ. */
async function journeyOf(url: string, name: string) {
  const v = (await (await fetch(`${url}/${name}`, { headers: { accept: 'application/json' } })).json()) as any;
  return {
    product: v.batch.product,
    quantity: v.batch.quantity,
    producer: v.producer.id,
    origin: v.batch.origin,
    journey: v.journey.map((s: any) => ({ name: s.name, from: s.from.id, to: s.to.id, quantity: s.quantity, shippedAt: s.shippedAt, received: s.received && { outcome: s.received.outcome, receivedAt: s.received.receivedAt } })),
    labReports: v.labReports.map((r: any) => ({ name: r.name, kind: r.kind, verdict: r.verdict, tests: r.tests, document: r.document, revoked: r.revocation !== null })),
    recalls: v.recalls.map((r: any) => ({ name: r.name, class: r.class, direct: r.direct })),
    madeFrom: v.madeFrom.map((m: any) => ({ batch: m.batch, amount: m.amount })),
    holdings: v.holdings.map((h: any) => ({ actor: h.actor.id, amount: h.amount })),
  };
}

describe('epcis export and import', () => {
  it("imports another system's events: EPC class URIs, each party's own events by the parties they name", async () => {
    const farm = demo.actors.farm;
    const mill = demo.actors.mill;
    const lgtin = 'urn:epc:class:lgtin:9506000.013435.OTHER1';
    const foreign = {
      '@context': ['https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld', { cbvmda: 'urn:epcglobal:cbv:mda:', lotproof: 'https://lotproof.example/ns/lotproof#', ex: 'https://ns.example.com/' }],
      type: 'EPCISDocument',
      schemaVersion: '2.0',
      creationDate: '2026-11-20T08:00:00.000Z',
      epcisBody: {
        eventList: [
          {
            // A commissioning event names no party, so the exporting system says who signs it.
            'lotproof:actor': farm,
            type: 'ObjectEvent', eventTime: '2026-11-01T09:00:00.000+08:00', eventTimeZoneOffset: '+08:00', action: 'ADD', bizStep: 'https://ref.gs1.org/cbv/BizStep-commissioning',
            quantityList: [{ epcClass: lgtin, quantity: 250, uom: 'KGM' }],
            // Lot master data in CBV names, and the product in lotproof's (CBV has no product name).
            ilmd: { 'cbvmda:countryOfOrigin': 'CN', 'cbvmda:lotNumber': 'OTHER1', 'lotproof:productName': 'Paddy rice', 'lotproof:productCategory': 'grain', 'ex:grade': 'A' },
          },
          {
            type: 'ObjectEvent', eventTime: '2026-11-02T09:00:00.000+08:00', eventTimeZoneOffset: '+08:00', action: 'OBSERVE', bizStep: 'shipping', disposition: 'in_transit',
            quantityList: [{ epcClass: lgtin, quantity: 100, uom: 'KGM' }],
            sourceList: [{ type: 'owning_party', source: `urn:lotproof:actor:${farm}` }],
            destinationList: [{ type: 'owning_party', destination: `urn:lotproof:actor:${mill}` }],
            'lotproof:shipment': `${farm}/OTHER-S1`,
          },
          {
            type: 'ObjectEvent', eventTime: '2026-11-03T09:00:00.000+08:00', eventTimeZoneOffset: '+08:00', action: 'OBSERVE', bizStep: 'receiving', disposition: 'in_progress',
            quantityList: [{ epcClass: lgtin, quantity: 100, uom: 'KGM' }],
            sourceList: [{ type: 'owning_party', source: `urn:lotproof:actor:${farm}` }],
            destinationList: [{ type: 'owning_party', destination: `urn:lotproof:actor:${mill}` }],
            'lotproof:shipment': `${farm}/OTHER-S1`,
          },
        ],
      },
    };
    expect(validateEpcis(foreign), JSON.stringify(validateEpcis.errors?.slice(0, 3))).toBe(true);
    const file = join(b.dir, 'foreign.epcis.json');
    writeFileSync(file, JSON.stringify(foreign));
    const asFarm = await b.run(['epcis', 'import', file, '--actor', farm, '--key', keys[farm]!.path, '--quiet']);
    expect(asFarm.code, asFarm.stderr).toBe(0);
    expect(asFarm.stdout).toContain('2 statements from');
    expect(asFarm.stdout).toContain('1 event left to the other parties');
    const asMill = await b.run(['epcis', 'import', file, '--actor', mill, '--key', keys[mill]!.path, '--quiet']);
    expect(asMill.code, asMill.stderr).toBe(0);
    expect(asMill.stdout).toContain('1 statement from');
    const v = (await (await fetch(`${b.url}/01/09506000134352/10/OTHER1`, { headers: { accept: 'application/json' } })).json()) as any;
    expect(v.batch).toMatchObject({ product: { name: 'Paddy rice', category: 'grain' }, quantity: { amount: 250, uom: 'KGM' }, origin: { country: 'CN' } });
    expect(v.journey).toMatchObject([{ name: `${farm}/OTHER-S1`, shippedAt: '2026-11-02T01:00:00.000Z', received: { outcome: 'accepted', receivedAt: '2026-11-03T01:00:00.000Z' } }]);
  });

  it('round-trips the demo supply chain, each actor signing its own events', async () => {
    const file = join(b.dir, 'demo.epcis.json');
    // Seven entries a request, so the export follows the service's Link rel="next" pages.
    const ex = await b.run(['epcis', 'export', '--url', sourceUrl, '--limit', '7', '--out', file]);
    expect(ex.code, ex.stderr).toBe(0);
    const whole = (await (await fetch(`${sourceUrl}/v1/epcis/events`)).json()) as any;
    const exported = JSON.parse(readFileSync(file, 'utf8'));
    expect(exported.epcisBody.eventList.map((e: any) => e.eventID)).toEqual(whole.epcisBody.eventList.map((e: any) => e.eventID));
    expect(ex.stdout).toContain(`${whole.epcisBody.eventList.length} events written to`);
    // The demo's export validates against GS1's EPCIS 2.0 JSON Schema.
    expect(validateEpcis(exported), JSON.stringify(validateEpcis.errors?.slice(0, 3))).toBe(true);
    // Each party imports after the parties whose records its own events build on.
    for (const part of ['farm', 'mill', 'lab', 'certifier', 'carrier', 'retailer'] as const) {
      const id = demo.actors[part];
      const r = await b.run(['epcis', 'import', file, '--actor', id, '--key', keys[id]!.path, '--quiet']);
      expect(r.code, `${part}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toMatch(/\d+ statements? from .* logged as .*; \d+ events? left to the other parties that sign them/);
    }
    let documents = 0;
    for (const batch of demo.batches) {
      const journey = await journeyOf(b.url, batch.path.slice(1));
      expect(journey, batch.path).toEqual(await journeyOf(sourceUrl, batch.path.slice(1)));
      // The lab's report documents were copied from the source log, byte for byte.
      for (const r of journey.labReports.filter((x: any) => x.document)) {
        const bytesAt = async (u: string) => Buffer.from(await (await fetch(`${u}/v1/documents/${r.document.sha256}`)).arrayBuffer());
        const copy = await bytesAt(b.url);
        expect(copy.length).toBeGreaterThan(0);
        expect(copy.equals(await bytesAt(sourceUrl))).toBe(true);
        documents++;
      }
    }
    expect(documents).toBeGreaterThan(0);
  }, 60_000);

  it('reports an output file it cannot write in one line (epcis export, and export of a bundle)', async () => {
    for (const args of [
      ['epcis', 'export', '--url', sourceUrl, '--out', join(b.dir, 'no-such-dir', 'x.json')],
      ['export', '--url', sourceUrl, '--out', join(b.dir, 'no-such-dir', 'log.jsonl.gz')],
      ['export', '--url', sourceUrl, '--out', join(b.dir, 'no-such-dir', 'log.jsonl')],
    ]) {
      const r = await b.run(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
      expect(r.stderr).toMatch(/cannot (write|create) .*no-such-dir.*ENOENT/);
    }
    expect(existsSync(join(b.dir, 'no-such-dir'))).toBe(false);
  });

  it('submits nothing when an event cannot be mapped or signed by the actor', async () => {
    const size = b.size();
    const farm = demo.actors.farm;
    const bad = {
      '@context': ['https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld'],
      type: 'EPCISDocument',
      schemaVersion: '2.0',
      creationDate: '2026-11-22T08:00:00.000Z',
      epcisBody: {
        eventList: [
          { type: 'ObjectEvent', eventTime: '2026-11-01T08:00:00.000Z', eventTimeZoneOffset: '+00:00', action: 'ADD', bizStep: 'commissioning', quantityList: [{ epcClass: 'https://id.gs1.org/01/09506000134352/10/NEW1', quantity: 5, uom: 'KGM' }], ilmd: { 'lotproof:productName': 'Rice', 'lotproof:productCategory': 'grain', 'cbvmda:countryOfOrigin': 'CN' } },
          { type: 'AggregationEvent', eventTime: '2026-11-01T08:00:00.000Z', eventTimeZoneOffset: '+00:00', action: 'ADD' },
          { type: 'ObjectEvent', eventTime: '2026-11-01T08:00:00.000Z', eventTimeZoneOffset: '+00:00', action: 'OBSERVE', bizStep: 'inspecting', quantityList: [{ epcClass: 'https://id.gs1.org/01/09506000134352/10/NEW1' }], 'lotproof:tests': [{ name: 'x', result: 1, verdict: 'pass' }], 'lotproof:verdict': 'pass', 'lotproof:certificate': 'x/y', 'lotproof:standard': 's', 'lotproof:validFrom': '2026-01-01', 'lotproof:validUntil': '2027-01-01' },
        ],
      },
    };
    const file = join(b.dir, 'bad.epcis.json');
    writeFileSync(file, JSON.stringify(bad));
    const r = await b.run(['epcis', 'import', file, '--actor', farm, '--key', keys[farm]!.path, '--quiet']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('nothing was submitted');
    expect(r.stderr).toMatch(/event 2 \(AggregationEvent.*not supported/);
    expect(r.stderr).toMatch(/event 3 .*certificate\.issue, which a producer may not sign/);
    expect(b.size()).toBe(size);
    // The whole document is refused before anything is signed when the key is not the actor's.
    const stranger = b.keyFile('stranger.key');
    const wrongKey = await b.run(['epcis', 'import', file, '--actor', farm, '--key', stranger.path, '--quiet']);
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toMatch(/not farm|active key/);
    expect(b.size()).toBe(size);
    const notJson = join(b.dir, 'x.json');
    writeFileSync(notJson, '{');
    expect((await b.run(['epcis', 'import', notJson, '--actor', farm, '--key', keys[farm]!.path])).code).toBe(2);
  });
});
