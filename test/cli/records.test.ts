// `lotproof` record commands against a real service: every command's happy path, refusals by
// the service (exit 1, `code: detail`), and bad input refused locally (exit 2, nothing sent).
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createPublicKey, createPrivateKey } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64, toHex } from '../../src/core/bytes.ts';
import { encodePrivateKeyPem } from '../../src/core/ed25519.ts';
import { sha256 } from '../../src/core/hash.ts';
import { parseTimeFlag, parseTestSpec, readPublicKeyFile } from '../../src/cli/records.ts';
import { UsageError } from '../../src/cli/command.ts';
import { batchView, LOTPROOF, spawnRun, startBench, type CliBench } from './harness.ts';

const GTIN = '09506000134352';
const GTIN2 = '09506000134369';
const WHEAT = `01/${GTIN}/10/W1`;

let b: CliBench;
let farm: Awaited<ReturnType<CliBench['register']>>;
let mill: Awaited<ReturnType<CliBench['register']>>;
let lab: Awaited<ReturnType<CliBench['register']>>;
let certifier: Awaited<ReturnType<CliBench['register']>>;
let carrier: Awaited<ReturnType<CliBench['register']>>;

const as = (a: { id: string; path: string }) => ['--actor', a.id, '--key', a.path];
const batchFlags = (lot: string, gtin = GTIN) => [
  '--gtin', gtin, '--lot', lot, '--name', 'Organic wheat', '--category', 'grain',
  '--produced-on', '2026-09-01', '--amount', '1000', '--uom', 'KGM', '--country', 'CN',
];

beforeAll(async () => {
  b = await startBench();
  farm = await b.register('lixin-farm', 'producer');
  mill = await b.register('golden-mill', 'producer');
  lab = await b.register('sgs', 'lab');
  certifier = await b.register('ofdc', 'certifier');
  carrier = await b.register('coldchain', 'carrier');
});
afterAll(() => b.close());

/** Runs a command that must be accepted; returns its seq. */
async function ok(args: string[]): Promise<number> {
  const r = await b.run(args);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const m = /^seq (\d+) hash ([A-Za-z0-9+/]{43}=)$/m.exec(r.stdout);
  expect(m, r.stdout).not.toBeNull();
  return Number(m![1]);
}

/** Runs a command that must be refused locally: exit 2, one line on stderr, nothing logged. */
async function refusedLocally(args: string[], message: RegExp): Promise<void> {
  const before = b.size();
  const r = await b.run(args);
  expect(r.code, r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(message);
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(b.size()).toBe(before);
}

describe('every record type, from the command line', () => {
  it('walks a batch from farm to mill, with reports, certificates, a recall and key changes', async () => {
    const s0 = await ok(['batch', 'create', ...as(farm), ...batchFlags('W1'), '--ingredient', 'wheat', '--expires-on', '2027-09-01']);
    expect(b.service.store.batchByKey(GTIN, 'W1')!.seq).toBe(s0);

    // A GTIN-13 is written as its GTIN-14.
    await ok(['batch', 'create', ...as(farm), ...batchFlags('W13', GTIN.slice(1))]);
    expect(b.service.store.batchByKey(GTIN, 'W13')).toBeTruthy();

    // A lab report with a PDF: the document is uploaded first and named by its hash.
    const pdf = join(b.dir, 'R-1.pdf');
    writeFileSync(pdf, '%PDF-1.4 residue report');
    await ok([
      'report', 'issue', ...as(lab), '--id', 'R-1', '--batch', WHEAT, '--issued-on', '2026-09-05',
      '--test', 'name=Chlorpyrifos,result=<0.01,limit=0.05,unit=mg/kg,verdict=pass,method=GB 23200.113',
      '--test', 'name=Moisture\\, total,result=12.5,unit=%,verdict=info',
      '--verdict', 'pass', '--document', pdf,
    ]);
    const docHex = toHex(sha256(readFileSync(pdf)));
    const stored = await fetch(`${b.url}/v1/documents/${docHex}`);
    expect(stored.status).toBe(200);
    expect(stored.headers.get('content-type')).toBe('application/pdf');
    let view = await batchView(b.url, WHEAT);
    expect(view.labReports.map((r: any) => [r.name, r.kind])).toEqual([['sgs/R-1', 'third-party']]);
    const reportEntry = await (await fetch(`${b.url}/v1/entries/${b.size() - 1}`)).json();
    expect(reportEntry.entry.statement.body.tests).toEqual([
      { name: 'Chlorpyrifos', result: '<0.01', limit: 0.05, unit: 'mg/kg', verdict: 'pass', method: 'GB 23200.113' },
      { name: 'Moisture, total', result: 12.5, unit: '%', verdict: 'info' },
    ]);
    expect(reportEntry.entry.statement.body.document).toEqual({ sha256: docHex, mediaType: 'application/pdf', name: 'R-1.pdf' });
    expect(reportEntry.entry.statement.actor).toBe('sgs');

    await ok(['report', 'revoke', ...as(lab), '--report', 'sgs/R-1', '--reason', 'sample mix-up']);

    await ok(['cert', 'issue', ...as(certifier), '--id', 'ORG-7', '--subject-actor', farm.id, '--standard', 'GB/T 19630 organic',
      '--valid-from', '2026-01-01', '--valid-until', '2027-12-31', '--scope', 'wheat']);
    await ok(['cert', 'issue', ...as(certifier), '--id', 'ORG-8', '--subject-batch', WHEAT, '--standard', 'GB/T 19630 organic',
      '--valid-from', '2026-01-01', '--valid-until', '2027-12-31', '--scope', 'wheat', '--scope', 'bran']);
    await ok(['cert', 'revoke', ...as(certifier), '--certificate', 'ofdc/ORG-7', '--reason', 'audit failed']);

    await ok(['ship', ...as(farm), '--id', 'S1', '--batch', WHEAT, '--to', mill.id, '--quantity', '600', '--shipped-at', '2026-09-06T10:00:00+02:00', '--conditions', 'dry']);
    const ship = await (await fetch(`${b.url}/v1/entries/${b.size() - 1}`)).json();
    expect(ship.entry.statement.body.shippedAt).toBe('2026-09-06T08:00:00.000Z');
    await ok(['receive', ...as(mill), '--shipment', 'lixin-farm/S1', '--outcome', 'accepted', '--quantity', '550', '--uom', 'KGM', '--note', '50 kg wet']);
    const wheat = b.service.store.batchByKey(GTIN, 'W1')!;
    expect(b.service.store.holding(wheat.id, mill.id)).toBe(550e6);
    expect(b.service.store.holding(wheat.id, farm.id)).toBe(450e6);

    const outputs = join(b.dir, 'outputs.json');
    writeFileSync(outputs, JSON.stringify([{
      gtin: GTIN2, lot: 'F1', product: { name: 'Wholemeal flour', category: 'flour' }, producedOn: '2026-09-08',
      quantity: { amount: 400, uom: 'KGM' }, origin: { country: 'CN' },
    }]));
    await ok(['transform', ...as(mill), '--input', `${WHEAT}=500 KGM`, '--output-file', outputs]);
    view = await batchView(b.url, `01/${GTIN2}/10/F1`);
    expect(view.madeFrom[0].batch).toBe(WHEAT);

    await ok(['recall', 'issue', ...as(farm), '--id', 'RC-1', '--batch', WHEAT, '--batch', `01/${GTIN}/10/W13`, '--class', 'II',
      '--reason', 'Undeclared allergen', '--instructions', 'Return to the store']);
    await ok(['recall', 'close', ...as(farm), '--recall', 'lixin-farm/RC-1', '--note', 'all units recovered']);
    view = await batchView(b.url, WHEAT);
    expect(view.recalls).toHaveLength(1);
    expect(view.labReports[0].revocation.reason).toBe('sample mix-up');
    expect(view.certificates.map((c: any) => [c.name, c.status])).toEqual([['ofdc/ORG-8', 'valid'], ['ofdc/ORG-7', 'revoked']]);

    // The generic command: any type, body from a file.
    const body = join(b.dir, 'ship.json');
    writeFileSync(body, JSON.stringify({ id: 'S2', batch: WHEAT, to: carrier.id, quantity: 10, shippedAt: new Date().toISOString() }));
    await ok(['submit', ...as(farm), '--type', 'handoff.ship', '--file', body]);

    // batch create --file, and --json output.
    const bc = join(b.dir, 'batch.json');
    writeFileSync(bc, JSON.stringify({ gtin: GTIN, lot: 'WF', product: { name: 'w', category: 'grain' }, producedOn: '2026-09-01', quantity: { amount: 5, uom: 'KGM' }, origin: { country: 'CN' } }));
    const j = await b.run(['batch', 'create', ...as(farm), '--file', bc, '--json']);
    expect(j.code).toBe(0);
    const accepted = JSON.parse(j.stdout);
    expect(accepted.seq).toBe(b.size() - 1);
    expect(typeof accepted.hash).toBe('string');
  });

  it('document put uploads and prints the document object', async () => {
    const png = join(b.dir, 'label.png');
    writeFileSync(png, Buffer.from('89504e470d0a1a0a0000', 'hex'));
    const r = await b.run(['document', 'put', png, ...as(farm)]);
    expect(r.code, r.stderr).toBe(0);
    const [hex, json] = r.stdout.trimEnd().split('\n');
    expect(hex).toBe(toHex(sha256(readFileSync(png))));
    expect(JSON.parse(json!)).toEqual({ document: { sha256: hex, mediaType: 'image/png', name: 'label.png' } });
    expect((await fetch(`${b.url}/v1/documents/${hex}`)).status).toBe(200);
  });

  it('registers with an SPKI public key file, rotates a key into a new 0600 file, and revokes', async () => {
    const k = b.keyFile('retail.key');
    const pem = createPublicKey(createPrivateKey(encodePrivateKeyPem(k.key))).export({ type: 'spki', format: 'pem' }) as string;
    const pubFile = join(b.dir, 'retail.pub.pem');
    writeFileSync(pubFile, pem);
    expect(readPublicKeyFile(pubFile)).toBe(k.pub);
    await ok(['actor', 'register', '--id', 'freshmart', '--role', 'retailer', '--name', 'FreshMart', '--pub-key-file', pubFile]);

    const newKey = join(b.dir, 'retail-2.key');
    const r = await b.run(['actor', 'rotate', '--id', 'freshmart', '--key', k.path, '--new-key', newKey]);
    expect(r.code, r.stderr).toBe(0);
    expect(statSync(newKey).mode & 0o777).toBe(0o600);
    const pub = /^pub (\S+)$/m.exec(r.stdout)![1]!;
    expect(fromBase64(pub)).toHaveLength(32);
    expect(b.service.store.actor('freshmart')!.pub).toBe(pub);
    expect(readFileSync(newKey, 'utf8')).not.toContain(pub);

    // The old key no longer signs; the new one does.
    const old = await b.run(['actor', 'rotate', '--id', 'freshmart', '--key', k.path, '--new-key', join(b.dir, 'retail-3.key')]);
    expect(old.code).toBe(1);
    expect(old.stderr).toMatch(/^lotproof actor rotate: key_not_active: .*was created but is not active\)\n$/);

    // The operator rotates on the actor's behalf, reusing an existing key file.
    const again = await b.run(['actor', 'rotate', '--id', 'freshmart', '--actor', 'operator', '--new-key', join(b.dir, 'retail-3.key')]);
    expect(again.code, again.stderr).toBe(0);

    await ok(['actor', 'revoke', '--id', 'freshmart', '--reason', 'left the scheme']);
    expect(b.service.store.actor('freshmart')!.revokedSeq).not.toBeNull();
  });
});

describe('refusals by the service: exit 1 with code: detail', () => {
  it('names the problem code', async () => {
    await ok(['batch', 'create', ...as(farm), ...batchFlags('DUP')]);
    const before = b.size();
    const dup = await b.run(['batch', 'create', ...as(farm), ...batchFlags('DUP')]);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toMatch(/^lotproof batch create: duplicate_batch: .+\n$/);
    const over = await b.run(['ship', ...as(farm), '--id', 'S9', '--batch', `01/${GTIN}/10/DUP`, '--to', carrier.id, '--quantity', '5000']);
    expect(over.stderr).toMatch(/^lotproof ship: insufficient_holding: /);
    const stranger = b.keyFile('stranger.key');
    const unknown = await b.run(['batch', 'create', '--actor', 'stranger', '--key', stranger.path, ...batchFlags('X')]);
    expect(unknown.stderr).toMatch(/^lotproof batch create: unknown_actor: /);
    const wrongKey = await b.run(['batch', 'create', '--actor', farm.id, '--key', stranger.path, ...batchFlags('X')]);
    expect(wrongKey.stderr).toMatch(/key_not_active/);
    expect(b.size()).toBe(before);
  });

  it('says when the service cannot be reached', async () => {
    const r = await b.run(['batch', 'create', ...as(farm), ...batchFlags('X'), '--url', 'http://127.0.0.1:1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^lotproof batch create: unreachable: cannot reach http:\/\/127\.0\.0\.1:1: /);
  });
});

describe('bad input is refused before anything is signed: exit 2', () => {
  it('missing flags', async () => {
    await refusedLocally(['batch', 'create', ...as(farm), ...batchFlags('X').slice(2)], /missing --gtin/);
    await refusedLocally(['batch', 'create', ...batchFlags('X'), '--key', farm.path], /missing --actor/);
    await refusedLocally(['batch', 'create', ...batchFlags('X'), '--actor', farm.id], /missing --key/);
    await refusedLocally(['ship', ...as(farm), '--id', 'S', '--batch', WHEAT, '--to', mill.id], /missing --quantity/);
    await refusedLocally(['report', 'issue', ...as(lab), '--id', 'R', '--batch', WHEAT, '--issued-on', '2026-09-01', '--verdict', 'pass'], /missing --test/);
    await refusedLocally(['cert', 'issue', ...as(certifier), '--id', 'C', '--standard', 's', '--valid-from', '2026-01-01', '--valid-until', '2027-01-01'], /--subject-actor/);
    await refusedLocally(['actor', 'rotate', '--id', farm.id, '--key', farm.path], /missing --new-key/);
    await refusedLocally(['actor'], /^lotproof actor: expected one of register, rotate, revoke/);
    await refusedLocally(['import', join(b.dir, 'x.csv'), ...as(farm), '--json'], /Unknown option '--json'/);
  });

  it('malformed values', async () => {
    await refusedLocally(['batch', 'create', ...as(farm), ...batchFlags('X', '09506000134353')], /--gtin "09506000134353" is not a GTIN/);
    await refusedLocally(['batch', 'create', ...as(farm), ...batchFlags('lot with space')], /^lotproof batch create: body\.lot: /);
    await refusedLocally(['batch', 'create', ...as(farm), ...batchFlags('X').map((a) => (a === 'CN' ? 'cn' : a))], /body\.origin\.country/);
    await refusedLocally(['batch', 'create', ...as(farm), ...batchFlags('X').map((a) => (a === '1000' ? '1e3' : a))], /--amount must be a decimal/);
    await refusedLocally(['ship', ...as(farm), '--id', 'S', '--batch', WHEAT, '--to', mill.id, '--quantity', '1', '--shipped-at', '2026-02-30T08:00:00Z'], /--shipped-at must be an RFC 3339 time/);
    await refusedLocally(['ship', ...as(farm), '--id', 'S', '--batch', 'W1', '--to', mill.id, '--quantity', '1'], /body\.batch: a batch is named/);
    await refusedLocally(['report', 'issue', ...as(lab), '--id', 'R', '--batch', WHEAT, '--issued-on', '2026-09-01', '--verdict', 'pass', '--test', 'name=x,result=1'], /missing verdict=/);
    await refusedLocally(['receive', ...as(mill), '--shipment', 'nobody', '--outcome', 'accepted'], /body\.shipment/);
    await refusedLocally(['recall', 'issue', ...as(farm), '--id', 'R', '--batch', WHEAT, '--class', 'IV', '--reason', 'r', '--instructions', 'i'], /body\.class/);
    await refusedLocally(['batch', 'create', ...as(farm), ...batchFlags('X'), '--url', 'ftp://x'], /--url must be an http or https URL/);
    await refusedLocally(['batch', 'create', ...as(farm), ...batchFlags('X'), '--bogus'], /Unknown option '--bogus'/);
    await refusedLocally(['batch', 'create', ...as(farm), ...batchFlags('X'), 'extra'], /unexpected argument "extra"/);
    await refusedLocally(['batch', 'create', ...as(farm), '--file', join(b.dir, 'missing.json')], /cannot read .*missing\.json: ENOENT/);
    await refusedLocally(['batch', 'create', ...as(farm), '--file', join(b.dir, 'x.json'), '--lot', 'X'], /--file replaces the body flags; drop --lot/);
    await refusedLocally(['submit', ...as(farm), '--type', 'log.init', '--file', join(b.dir, 'x.json')], /--type must be one of/);
    // A body file is read as strictly as the service reads a body: what it would refuse is
    // refused here (exit 2), and what JSON readers disagree on is never signed.
    const bodyText = JSON.stringify({ gtin: GTIN, lot: 'DUP1', product: { name: 'w', category: 'grain' }, producedOn: '2026-09-01', quantity: { amount: 1, uom: 'KGM' }, origin: { country: 'CN' } });
    for (const [name, text, why] of [
      ['dup.json', bodyText.replace('"lot":"DUP1"', '"lot":"DUP1","lot":"DUP2"'), /dup\.json: duplicate object key "lot"/],
      ['proto.json', bodyText.replace('{"gtin"', '{"__proto__":{},"gtin"'), /proto\.json: the object key "__proto__" is not accepted/],
      ['deep.json', bodyText.replace('"grain"}', `"grain","x":${'['.repeat(70)}${']'.repeat(70)}}`), /deep\.json: JSON nesting is deeper than 64/],
      ['huge.json', bodyText.replace('"amount":1', '"amount":1e400'), /huge\.json: .*(finite|number)/i],
      ['broken.json', '{"gtin": ', /broken\.json: not JSON: /],
    ] as const) {
      writeFileSync(join(b.dir, name), text);
      await refusedLocally(['submit', ...as(farm), '--type', 'batch.create', '--file', join(b.dir, name)], why);
    }
    await refusedLocally(['actor', 'register', '--id', 'l2', '--role', 'lab', '--name', 'L', '--pub', farm.pub], /a lab must name its accreditation/);
    await refusedLocally(['actor', 'register', '--id', 'p2', '--role', 'producer', '--name', 'P', '--pub', 'AAAA'], /body\.pub/);
    await refusedLocally(['actor', 'register', '--id', 'p2', '--role', 'producer', '--name', 'P', '--pub-key-file', farm.path], /holds a private key/);
    await refusedLocally(['report', 'issue', ...as(lab), '--id', 'R', '--batch', WHEAT, '--issued-on', '2026-09-01', '--verdict', 'pass', '--test', 'name=x,result=1,verdict=pass', '--document', join(b.dir, 'nope.pdf')], /cannot read .*nope\.pdf: ENOENT/);
  });

  it('a key file other users can read, or one that does not exist', async () => {
    const loose = b.keyFile('loose.key');
    chmodSync(loose.path, 0o644);
    await refusedLocally(['batch', 'create', '--actor', farm.id, '--key', loose.path, ...batchFlags('X')], /accessible to other users \(mode 644\)/);
    await refusedLocally(['batch', 'create', '--actor', farm.id, '--key', join(b.dir, 'nope.key'), ...batchFlags('X')], /cannot read key file .*nope\.key: ENOENT/);
    // A rotation with a bad current key leaves no new key file behind.
    const fresh = join(b.dir, 'never.key');
    await refusedLocally(['actor', 'rotate', '--id', farm.id, '--key', loose.path, '--new-key', fresh], /accessible to other users/);
    expect(existsSync(fresh)).toBe(false);
  });
});

describe('pieces', () => {
  it('parses --test specs', () => {
    expect(parseTestSpec('name=Lead,result=0.050,limit=0.1,verdict=pass')).toEqual({ name: 'Lead', result: '0.050', limit: 0.1, verdict: 'pass' });
    expect(parseTestSpec('name=a\\,b\\\\c,result=-3,verdict=info')).toEqual({ name: 'a,b\\c', result: -3, verdict: 'info' });
    expect(() => parseTestSpec('name=a,result=1,verdict=pass,colour=red')).toThrow(UsageError);
    expect(() => parseTestSpec('name=a,name=b,result=1,verdict=pass')).toThrow(/given twice/);
  });

  it('normalises RFC 3339 times and refuses impossible ones', () => {
    expect(parseTimeFlag('2026-11-22T08:00:00Z', 't')).toBe('2026-11-22T08:00:00.000Z');
    expect(parseTimeFlag('2026-11-22t09:30:00.5+01:30', 't')).toBe('2026-11-22T08:00:00.500Z');
    for (const bad of ['2026-11-22', '2026-11-22T08:00:00', '2026-11-22T24:00:00Z', '2026-13-01T00:00:00Z', '2026-11-22T08:00:60Z', 'now']) {
      expect(() => parseTimeFlag(bad, 't'), bad).toThrow(UsageError);
    }
  });
});

describe('as its own process', () => {
  it('node scripts/lotproof.mjs signs and submits, reading the body from stdin', async () => {
    const body = JSON.stringify({ gtin: GTIN, lot: 'STDIN', product: { name: 'w', category: 'grain' }, producedOn: '2026-09-01', quantity: { amount: 1, uom: 'KGM' }, origin: { country: 'CN' } });
    const r = await spawnRun(process.execPath, [LOTPROOF, 'submit', '--type', 'batch.create', '--file', '-', '--url', b.url, ...as(farm)], { input: body });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^seq \d+ hash \S+\n$/);
    expect(b.service.store.batchByKey(GTIN, 'STDIN')).toBeTruthy();
    const bad = await spawnRun(process.execPath, [LOTPROOF, 'batch', 'create', '--url', b.url, ...as(farm), ...batchFlags('X', '123')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^lotproof batch create: --gtin "123" is not a GTIN/);
  });
});
