// The worker-thread checks agree with the caller's thread: the same submissions pass, and every
// refusal has the same code, message and details; a ledger using the pool refuses forged or
// malformed submissions exactly as without it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { toBase64, utf8 } from '../../src/core/bytes.ts';
import { LedgerError } from '../../src/core/errors.ts';
import { generateKeyPair, sign } from '../../src/core/ed25519.ts';
import { createCheckPool, type CheckPool } from '../../src/ledger/check-pool.ts';
import { checkSubmissionJson } from '../../src/ledger/check.ts';
import { decodeBatch, encodeBatch, type CheckJob } from '../../src/ledger/check-wire.ts';
import { verifyEd25519Node } from '../../src/ledger/verifier.ts';
import { batchBody, makeHarness } from '../support.ts';

let pool: CheckPool;
beforeAll(async () => {
  pool = await createCheckPool(2, 16);
}, 30_000);
afterAll(() => pool.close());

/** What a check comes to: the checked submission, or the refusal as plain data. */
async function outcome(f: () => unknown) {
  try {
    const r = (await f()) as { sub: unknown; statementJcs: string };
    return { ok: true, sub: r.sub, statementJcs: r.statementJcs };
  } catch (e) {
    expect(e).toBeInstanceOf(LedgerError);
    const le = e as LedgerError;
    return { ok: false, code: le.code, message: le.message, details: le.details };
  }
}

describe('check pool', () => {
  it('accepts valid and refuses altered signatures, in any batch shape', async () => {
    const jobs = Array.from({ length: 100 }, (_, i) => {
      const kp = generateKeyPair();
      const message = randomBytes(1 + (i % 50));
      const signature = sign(message, kp.secretKey);
      const good = i % 3 !== 0;
      if (!good) signature[i % 64]! ^= 1 << (i % 8);
      return { job: { message, signature, publicKey: kp.publicKey }, good };
    });
    const results = await Promise.all(jobs.map((j) => pool.verify(j.job)));
    expect(results).toEqual(jobs.map((j) => j.good));
    for (const j of jobs) expect(verifyEd25519Node(j.job.signature, j.job.message, toBase64(j.job.publicKey))).toBe(j.good);
  });

  it('sends a batch as one buffer that gives back every job, byte for byte', () => {
    const jobs: CheckJob[] = [
      { kind: 'check', body: randomBytes(530), nowMs: 1_795_990_000_123, skewMs: 300_000 },
      { kind: 'verify', message: randomBytes(77), signature: randomBytes(64), publicKey: randomBytes(32) },
      { kind: 'check', body: new Uint8Array(0), nowMs: 0, skewMs: 1 },
      { kind: 'verify', message: new Uint8Array(0), signature: randomBytes(64), publicKey: randomBytes(32) },
      { kind: 'check', body: randomBytes(65_536), nowMs: 2 ** 52, skewMs: 0 },
    ];
    const wire = encodeBatch(7, jobs);
    expect(wire.id).toBe(7);
    const plain = (js: CheckJob[]) => js.map((j) => (j.kind === 'check' ? { ...j, body: [...j.body] } : { ...j, message: [...j.message], signature: [...j.signature], publicKey: [...j.publicKey] }));
    // Through a structured clone with transfer, as postMessage sends it.
    const copy = structuredClone(wire, { transfer: [wire.meta.buffer, wire.bytes.buffer] });
    expect(plain(decodeBatch(copy))).toEqual(plain(jobs));
  });

  it('refuses malformed lengths without asking a worker', async () => {
    const kp = generateKeyPair();
    expect(await pool.verify({ message: new Uint8Array(1), signature: new Uint8Array(63), publicKey: kp.publicKey })).toBe(false);
    expect(await pool.verify({ message: new Uint8Array(1), signature: new Uint8Array(64), publicKey: new Uint8Array(31) })).toBe(false);
  });

  it('checks submission bodies exactly as the caller\'s thread does', async () => {
    const h = makeHarness();
    try {
      const farm = { id: 'farm', key: generateKeyPair() };
      const good = h.sign(farm, 'batch.create', batchBody('POOL-1'));
      const forged = h.sign(farm, 'batch.create', batchBody('POOL-2'));
      forged.statement.nonce = toBase64(randomBytes(16));
      const stale = h.sign(farm, 'batch.create', batchBody('POOL-3'), { time: '2026-11-22T07:00:00.000Z' });
      const text = JSON.stringify(good);
      const bodies: (string | Uint8Array)[] = [
        text,
        JSON.stringify(forged),
        JSON.stringify(stale),
        JSON.stringify(h.sign(farm, 'log.init', {})),
        JSON.stringify(h.sign(farm, 'batch.create', { ...batchBody('POOL-4'), quantity: { amount: -1, uom: 'KGM' } })),
        JSON.stringify({ ...good, sig: 'AAAA' }),
        JSON.stringify({ statement: good.statement }),
        `{"sig":"x","sig":"y","statement":{}}`,
        `${'['.repeat(65)}${']'.repeat(65)}`,
        text.slice(0, -1),
        new Uint8Array([0x7b, 0xff, 0x7d]),
        '[]',
        'null',
        JSON.stringify({ ...good, statement: { ...good.statement, body: { ...good.statement.body, attributes: { pad: 'x'.repeat(70_000) } } } }),
      ];
      const now = h.clock.now();
      const skew = 5 * 60_000;
      const results = await Promise.all(bodies.map((b) => outcome(() => pool.check(typeof b === 'string' ? utf8(b) : b, now, skew))));
      const inline = await Promise.all(bodies.map((b) => outcome(() => checkSubmissionJson(typeof b === 'string' ? utf8(b) : b, now, skew))));
      expect(results).toEqual(inline);
      expect(results[0]!.ok).toBe(true);
      expect(results.slice(1).map((r) => r.code)).toEqual([
        'bad_signature',
        'time_skew',
        'type_not_allowed',
        'invalid_body',
        'invalid_submission',
        'invalid_submission',
        'duplicate_key',
        'json_too_deep',
        'invalid_json',
        'invalid_json',
        'invalid_submission',
        'invalid_submission',
        'entry_too_large',
      ]);
    } finally {
      h.close();
    }
  });
});

describe('a check pool whose worker dies', () => {
  it("hands the dead worker's checks back to the caller's thread, and goes on without it", async () => {
    const lone = await createCheckPool(1);
    const h = makeHarness();
    const post = Worker.prototype.postMessage;
    try {
      const farm = { id: 'farm', key: generateKeyPair() };
      const good = h.sign(farm, 'batch.create', batchBody('DEAD-1'));
      const forged = { ...good, statement: { ...good.statement, nonce: toBase64(randomBytes(16)) } };
      const now = h.clock.now();
      const skew = 5 * 60_000;
      const message = randomBytes(40);
      const signature = sign(message, farm.key.secretKey);
      // The worker dies while it holds the batch, as a crashed thread would.
      Worker.prototype.postMessage = function (this: Worker) {
        void this.terminate();
      };
      const held = await Promise.all([
        outcome(() => lone.check(utf8(JSON.stringify(good)), now, skew)),
        outcome(() => lone.check(utf8(JSON.stringify(forged)), now, skew)),
        lone.verify({ message, signature, publicKey: farm.key.publicKey }),
        lone.verify({ message, signature: signature.map((b, i) => (i === 0 ? b ^ 1 : b)), publicKey: farm.key.publicKey }),
      ]);
      Worker.prototype.postMessage = post;
      const inline = [
        await outcome(() => checkSubmissionJson(utf8(JSON.stringify(good)), now, skew)),
        await outcome(() => checkSubmissionJson(utf8(JSON.stringify(forged)), now, skew)),
      ];
      expect(held).toEqual([...inline, true, false]);
      expect((held[1] as { code: string }).code).toBe('bad_signature');
      // No worker is left: the pool checks on the caller's thread from now on.
      expect(await outcome(() => lone.check(utf8(JSON.stringify(good)), now, skew))).toEqual(inline[0]);
      expect(await lone.verify({ message, signature, publicKey: farm.key.publicKey })).toBe(true);
    } finally {
      Worker.prototype.postMessage = post;
      h.close();
      await lone.close();
    }
  });
});

describe('a ledger checking on the pool', () => {
  it('appends valid submissions and refuses forged ones with bad_signature', async () => {
    const h = makeHarness({ checkPool: pool });
    try {
      const farm = await h.register('farm', 'producer');
      const seqs = await Promise.all(Array.from({ length: 20 }, (_, i) => h.append(farm, 'batch.create', batchBody(`P${i}`))));
      expect(new Set(seqs).size).toBe(20);
      const forged = h.sign(farm, 'batch.create', batchBody('FORGED'));
      forged.statement.body.lot = 'FORGED2';
      const size = h.ledger.size();
      const res = await h.post(forged);
      expect(res.status).toBe(403);
      expect(((await res.json()) as any).code).toBe('bad_signature');
      const junk = await h.post('{"statement":{},"statement":{}}');
      expect(junk.status).toBe(400);
      expect(((await junk.json()) as any).code).toBe('duplicate_key');
      expect(h.ledger.size()).toBe(size);
    } finally {
      h.close();
    }
  });
});
