// The worker-thread verifier agrees with the in-thread one, and a ledger using it refuses
// forged submissions exactly as without it.
import { afterAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { generateKeyPair, sign } from '../../src/core/ed25519.ts';
import { createVerifyPool } from '../../src/ledger/verify-pool.ts';
import { verifyEd25519Node } from '../../src/ledger/verifier.ts';
import { toBase64 } from '../../src/core/bytes.ts';
import { batchBody, makeHarness } from '../support.ts';

const pool = createVerifyPool(2, 16);
afterAll(() => pool.close());

describe('verify pool', () => {
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

  it('refuses malformed lengths without asking a worker', async () => {
    const kp = generateKeyPair();
    expect(await pool.verify({ message: new Uint8Array(1), signature: new Uint8Array(63), publicKey: kp.publicKey })).toBe(false);
    expect(await pool.verify({ message: new Uint8Array(1), signature: new Uint8Array(64), publicKey: new Uint8Array(31) })).toBe(false);
  });
});

describe('a ledger verifying on the pool', () => {
  it('appends valid submissions and refuses forged ones with bad_signature', async () => {
    const h = makeHarness({ verifyPool: pool });
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
      expect(h.ledger.size()).toBe(size);
    } finally {
      h.close();
    }
  });
});
