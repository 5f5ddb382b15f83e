// The CBV 2.0 event hash against the reference implementation: every published JSON-LD example of
// RalphTro/epcis-event-hash-generator (pre-hash strings and hashes), and a lotproof export whose
// hashes the reference computed. An example that yields no hash fails the test.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toHex, utf8 } from '../../src/core/bytes.ts';
import { sha256 } from '../../src/core/hash.ts';
import { canonicalGs1Uri, contextPrefixes, documentEvents, eventHashId, eventPreHash } from '../../src/core/event-hash.ts';

const dir = join(import.meta.dirname, '../vectors/epcis');
const lines = (path: string, prefix: string) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith(prefix));

function vectorSet(base: string) {
  const doc = JSON.parse(readFileSync(`${base}.jsonld`, 'utf8'));
  let preHashes: string[] | undefined;
  try {
    preHashes = lines(`${base}.prehashes`, 'eventType=');
  } catch {
    preHashes = undefined;
  }
  return { doc, prefixes: contextPrefixes(doc['@context']), events: documentEvents(doc), hashes: lines(`${base}.hashes`, 'ni:///'), preHashes };
}

const niOf = (preHash: string) => `ni:///sha-256;${toHex(sha256(utf8(preHash)))}?ver=CBV2.0`;

const examples = readdirSync(join(dir, 'event-hash'))
  .filter((f) => f.endsWith('.jsonld'))
  .map((f) => f.slice(0, -'.jsonld'.length))
  .sort();

describe('the CBV 2.0 event hash', () => {
  it('has the published examples to check, nearly all with their pre-hash strings', () => {
    expect(examples.length).toBeGreaterThanOrEqual(20);
    let events = 0;
    let consistent = 0;
    for (const name of [...examples.map((e) => `event-hash/${e}`), 'lotproof-export']) {
      const v = vectorSet(join(dir, name));
      events += v.events.length;
      consistent += (v.preHashes ?? []).filter((p, i) => niOf(p) === v.hashes[i]).length;
    }
    expect(events).toBeGreaterThanOrEqual(45);
    expect(consistent).toBeGreaterThanOrEqual(events - 8);
  });

  for (const name of [...examples.map((e) => `event-hash/${e}`), 'lotproof-export']) {
    it(`matches the reference implementation on ${name}`, () => {
      const v = vectorSet(join(dir, name));
      expect(v.events.length).toBeGreaterThan(0);
      expect(v.events.length).toBe(v.hashes.length);
      if (v.preHashes) expect(v.preHashes.length).toBe(v.events.length);
      v.events.forEach((e, i) => {
        expect(eventHashId(e, v.prefixes), `${name} event ${i + 1}`).toBe(v.hashes[i]);
        // A few published pre-hash files predate their hashes (they do not hash to them); the
        // hash is what the reference computes today, so only consistent pre-hashes are compared.
        const published = v.preHashes?.[i];
        if (published !== undefined && niOf(published) === v.hashes[i]) expect(eventPreHash(e, v.prefixes), `${name} event ${i + 1}`).toBe(published);
      });
    });
  }

  const base = {
    type: 'ObjectEvent',
    eventTime: '2019-10-21T14:58:56.000+02:00',
    eventTimeZoneOffset: '+02:00',
    quantityList: [{ epcClass: 'urn:epc:class:lgtin:4054739.099914.20160711', quantity: 600, uom: 'KGM' }],
    action: 'ADD',
    bizStep: 'commissioning',
    ilmd: { 'cbvmda:bestBeforeDate': '2019-10-21' },
  };
  const cbvmda = { cbvmda: 'urn:epcglobal:cbv:mda:' };

  it('does not depend on the order of fields, and leaves out eventID, recordTime and errorDeclaration', () => {
    const id = eventHashId(base, cbvmda);
    expect(eventHashId(Object.fromEntries(Object.entries(base).reverse()), cbvmda)).toBe(id);
    expect(eventHashId({ ...base, eventID: 'x', recordTime: '2020-01-01T00:00:00Z', errorDeclaration: { declarationTime: '2020-01-01T00:00:00Z' } }, cbvmda)).toBe(id);
    // The same instant in another offset, with fewer digits, is the same event.
    expect(eventHashId({ ...base, eventTime: '2019-10-21T12:58:56Z' }, cbvmda)).toBe(id);
    // The EPC URI and the Digital Link of the same lot are the same identifier.
    expect(eventHashId({ ...base, quantityList: [{ epcClass: 'https://example.com/01/04054739999148/10/20160711?x=1', quantity: 600.0, uom: 'KGM' }] }, cbvmda)).toBe(id);
    for (const changed of [{ action: 'OBSERVE' }, { eventTime: '2019-10-21T14:58:56.001+02:00' }, { bizStep: 'shipping' }, { ilmd: { 'cbvmda:bestBeforeDate': '2019-10-22' } }, { 'example:x': 1 }]) {
      expect(eventHashId({ ...base, ...changed }, cbvmda), JSON.stringify(changed)).not.toBe(id);
    }
  });

  it('writes values as the reference does: CBV web URIs, Python numbers, UTC milliseconds', () => {
    const pre = eventPreHash(
      {
        type: 'ObjectEvent',
        eventTime: '2023-02-02T11:04:03.1415-01:00',
        eventTimeZoneOffset: '-01:00',
        action: 'OBSERVE',
        disposition: 'urn:epcglobal:cbv:disp:in_transit',
        'ex:n': [0.00001, 1e16, 2.5, '0012', true, null],
      },
      { ex: 'https://ns.example.com/' },
    );
    expect(pre).toBe(
      'eventType=ObjectEventeventTime=2023-02-02T12:04:03.142ZeventTimeZoneOffset=-01:00action=OBSERVEdisposition=https://ref.gs1.org/cbv/Disp-in_transit' +
        '{https://ns.example.com/}n=10000000000000000{https://ns.example.com/}n=12{https://ns.example.com/}n=1e-05{https://ns.example.com/}n=2.5{https://ns.example.com/}n=None{https://ns.example.com/}n=True',
    );
    // CBV 2.0 rule 9 rounds half up at the fourth decimal of the seconds.
    expect(eventPreHash({ type: 'ObjectEvent', eventTime: '2023-02-02T11:04:03.1425Z', eventTimeZoneOffset: '+00:00' })).toContain('eventTime=2023-02-02T11:04:03.143Z');
    expect(() => eventPreHash({ type: 'ObjectEvent', eventTime: '2023-02-02T11:04:03Z', eventTimeZoneOffset: '+00:00', 'ex:v': 'inf' }, { ex: 'https://ns.example.com/' })).toThrow(/infinite/);
  });

  it('normalises GS1 identifiers to constrained canonical Digital Links', () => {
    expect(canonicalGs1Uri('urn:epc:id:sgtin:4012345.011111.9876')).toBe('https://id.gs1.org/01/04012345111118/21/9876');
    expect(canonicalGs1Uri('urn:epc:class:lgtin:4012345.012345.998877')).toBe('https://id.gs1.org/01/04012345123456/10/998877');
    expect(canonicalGs1Uri('urn:epc:id:sscc:4012345.0000000333')).toBe('https://id.gs1.org/00/040123450000003338');
    expect(canonicalGs1Uri('urn:epc:id:sgln:4012345.00005.0')).toBe('https://id.gs1.org/414/4012345000054');
    expect(canonicalGs1Uri('urn:epc:id:pgln:4012345.00000')).toBe('https://id.gs1.org/417/4012345000009');
    expect(canonicalGs1Uri('https://brand.example/gtin/9506000134352/lot/A1/ser/7?linkType=all')).toBe('https://id.gs1.org/01/09506000134352/21/7');
    expect(canonicalGs1Uri('https://lotproof.example/v1/actors/farm.1')).toBeUndefined();
    expect(canonicalGs1Uri('urn:lotproof:actor:farm')).toBeUndefined();
  });
});
