// Unit serials: a private set committed by its Merkle root, genuine vs invented serials, and
// scan counting with short-window de-duplication that keeps no client data.
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toBase64, toHex } from '../../src/core/bytes.ts';
import { sign } from '../../src/core/ed25519.ts';
import { sha256 } from '../../src/core/hash.ts';
import { isValidSerial } from '../../src/core/gs1.ts';
import { generateSerial, SERIAL_ALPHABET, serialHash, serialSetRoot, sortSerialHashes } from '../../src/core/serials.ts';
import { formatTime } from '../../src/core/time.ts';
import { uploadMessage } from '../../src/core/upload.ts';
import { checkSerial, ScanDeduper } from '../../src/ledger/serials.ts';
import { batchBody, GTIN, makeHarness, type Actor, type Harness } from '../support.ts';

let h: Harness;
let farm: Actor;
let mill: Actor;
const batch = `01/${GTIN}/10/S1`;

beforeEach(async () => {
  h = makeHarness();
  farm = await h.register('farm', 'producer');
  mill = await h.register('mill', 'producer');
  await h.append(farm, 'batch.create', batchBody('S1'));
});
afterEach(() => h.close());

function upload(actor: Actor, body: unknown) {
  const bytes = Buffer.from(JSON.stringify(body));
  const time = formatTime(h.clock.now());
  const sig = toBase64(sign(uploadMessage(actor.id, toHex(sha256(bytes)), time), actor.key.secretKey));
  return h.app.request('/v1/serial-sets', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Lotproof-Ed25519 actor="${actor.id}", time="${time}", sig="${sig}"` },
    body: bytes,
  });
}

function makeSet(n: number) {
  const salt = randomBytes(16);
  const serials = Array.from({ length: n }, () => generateSerial((k) => randomBytes(k)));
  const hashes = serials.map((s) => serialHash(salt, s));
  return { salt: toBase64(salt), serials, hashes: hashes.map(toBase64), root: toBase64(serialSetRoot(sortSerialHashes(hashes))) };
}

describe('serial generation', () => {
  it('makes 16-character serials in the GS1 set from the whole alphabet, never repeating', () => {
    const seen = new Set<string>();
    const used = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const s = generateSerial((k) => randomBytes(k));
      expect(s).toHaveLength(16);
      expect(isValidSerial(s)).toBe(true);
      seen.add(s);
      for (const ch of s) used.add(ch);
    }
    expect(seen.size).toBe(2000);
    expect([...used].sort().join('')).toBe([...SERIAL_ALPHABET].sort().join(''));
  });

  it('maps its 80 random bits to characters exactly', () => {
    expect(generateSerial(() => new Uint8Array(10))).toBe('0000000000000000');
    expect(generateSerial(() => new Uint8Array(10).fill(0xff))).toBe('ZZZZZZZZZZZZZZZZ');
    expect(generateSerial(() => Uint8Array.from([0x08, 0x86, 0x42, 0x98, 0xe8, 0x4a, 0x96, 0xc6, 0xb9, 0xf0]))).toBe('123456789ABCDEFG');
  });
});

describe('serial sets', () => {
  it('commits to an uploaded set, tells genuine from invented, and counts scans', async () => {
    const set = makeSet(50);
    const res = await upload(farm, { batch, salt: set.salt, hashes: set.hashes });
    expect(res.status).toBe(201);
    expect(((await res.json()) as any).root).toBe(set.root);
    const b = h.store.batchByKey(GTIN, 'S1')!;
    // Before the statement, no serial is genuine.
    expect(checkSerial(h.store, b, set.serials[0]!, h.clock.now(), false).genuine).toBe(false);
    const seq = await h.append(farm, 'serials.issue', { id: 'SET-1', batch, count: 50, salt: set.salt, root: set.root });
    const first = checkSerial(h.store, b, set.serials[0]!, h.clock.now(), true);
    expect(first).toMatchObject({ genuine: true, issuedSeq: seq, scans: 1, firstScanAt: formatTime(h.clock.now()) });
    h.clock.advance(60_000);
    const second = checkSerial(h.store, b, set.serials[0]!, h.clock.now(), true);
    expect(second.scans).toBe(2);
    expect(second.firstScanAt).toBe(first.firstScanAt);
    expect(checkSerial(h.store, b, 'INVENTED00000000', h.clock.now(), true).genuine).toBe(false);
    // The log holds the commitment, never the serials or their hashes.
    const leaves = h.store.leaves(0, h.ledger.size()).map((l) => Buffer.from(l).toString('utf8')).join('\n');
    for (const s of set.serials) expect(leaves).not.toContain(s);
    for (const x of set.hashes) expect(leaves).not.toContain(x);
  });

  it('refuses a statement whose root was never uploaded, or names the wrong count', async () => {
    const set = makeSet(5);
    const r1 = await h.post(h.sign(farm, 'serials.issue', { id: 'SET-1', batch, count: 5, salt: set.salt, root: set.root }));
    expect(r1.status).toBe(422);
    expect(((await r1.json()) as any).code).toBe('unknown_serial_set');
    expect((await upload(farm, { batch, salt: set.salt, hashes: set.hashes })).status).toBe(201);
    const r2 = await h.post(h.sign(farm, 'serials.issue', { id: 'SET-1', batch, count: 6, salt: set.salt, root: set.root }));
    expect(r2.status).toBe(422);
    expect(((await r2.json()) as any).code).toBe('invalid_body');
  });

  it('refuses serials for another producer\'s batch, unsigned uploads and malformed hashes', async () => {
    const set = makeSet(3);
    const r = await upload(mill, { batch, salt: set.salt, hashes: set.hashes });
    expect(r.status).toBe(403);
    expect(((await r.json()) as any).code).toBe('not_producer');
    const unsigned = await h.app.request('/v1/serial-sets', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(unsigned.status).toBe(401);
    const bad = await upload(farm, { batch, salt: set.salt, hashes: ['nope'] });
    expect(bad.status).toBe(400);
    const dup = await upload(farm, { batch, salt: set.salt, hashes: [set.hashes[0], set.hashes[0]] });
    expect(dup.status).toBe(400);
  });
});

describe('scan de-duplication', () => {
  it('counts a client once per window and again after it', () => {
    const d = new ScanDeduper(600_000, 0);
    expect(d.firstView('198.51.100.7', 'A', 0)).toBe(true);
    expect(d.firstView('198.51.100.7', 'A', 1000)).toBe(false);
    expect(d.firstView('198.51.100.8', 'A', 1000)).toBe(true);
    expect(d.firstView('198.51.100.7', 'B', 1000)).toBe(true);
    // Just after a rotation the previous window still remembers the client.
    expect(d.firstView('198.51.100.7', 'A', 600_500)).toBe(false);
    expect(d.firstView('198.51.100.7', 'A', 1_900_000)).toBe(true);
  });
});
