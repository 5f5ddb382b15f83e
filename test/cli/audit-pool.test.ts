// The auditor's worker-thread checks (src/cli/audit-pool.ts) must pass exactly the leaves that
// LogVerifier's own in-thread checks pass: canonical JCS bytes (RFC 8785, including its input
// limits), the statement signature (RFC 8032) and the served tile hash. A leaf they refuse is
// re-checked in full by the verifier, so a wrong refusal only costs time; a wrong pass would
// let a bad leaf through, which is what these cases hunt for.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { equalBytes, toBase64, utf8 } from '../../src/core/bytes.ts';
import { entryHash, entryLeafBytesWithStatementJcs } from '../../src/core/entry.ts';
import { canonicalBytes, canonicalJson } from '../../src/core/jcs.ts';
import { hashLeaf } from '../../src/core/merkle.ts';
import { verifySubmission, type Statement, type Submission } from '../../src/core/statement.ts';
import { createLeafCheckPool, type LeafCheckPool } from '../../src/cli/audit-pool.ts';
import { batchBody, makeHarness, type Harness } from '../support.ts';

let h: Harness;
let pool: LeafCheckPool;
let leaves: Uint8Array[];

beforeAll(async () => {
  h = makeHarness();
  const farm = await h.register('farm', 'producer');
  await h.append(farm, 'batch.create', batchBody('LOT-1', { attributes: { note: '五常 rice, 𝄞 ok' } }));
  await h.append(farm, 'batch.create', batchBody('LOT-2'));
  leaves = h.store.leaves(0, h.ledger.size());
  pool = await createLeafCheckPool(2);
});
afterAll(async () => {
  await pool.close();
  h.close();
});

/** What LogVerifier.push checks of a leaf on its own thread, for the properties the pool covers. */
function inThread(leaf: Uint8Array, tileHash?: Uint8Array): boolean {
  let entry: { statement?: Statement; sig?: unknown };
  try {
    entry = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(leaf));
    if (!equalBytes(canonicalBytes(entry), leaf)) return false;
  } catch {
    return false;
  }
  if (tileHash && !equalBytes(tileHash, hashLeaf(leaf))) return false;
  if (typeof entry.statement !== 'object' || entry.statement === null || typeof entry.sig !== 'string') return false;
  try {
    return verifySubmission({ statement: entry.statement, sig: entry.sig } as Submission);
  } catch {
    return false;
  }
}

async function agree(leaf: Uint8Array, tileHash?: Uint8Array): Promise<boolean> {
  const r = await pool.check([leaf], tileHash ? [tileHash] : []);
  const passed = r.checked[0];
  r.release();
  // Sound: whatever the pool passes, the verifier's own checks pass. (It may refuse more, such
  // as an entry with extra fields, which the verifier then refuses anyway.)
  if (passed) expect(inThread(leaf, tileHash), new TextDecoder().decode(leaf).slice(0, 200)).toBe(true);
  if (passed) {
    expect(passed.leafHash).toEqual(hashLeaf(leaf));
    expect(passed.entryHash).toEqual(entryHash(leaf));
  }
  return passed !== undefined;
}

const text = (leaf: Uint8Array) => new TextDecoder().decode(leaf);
const bytes = (s: string) => utf8(s);

/** A leaf around a freshly signed statement, built without the JCS input checks on the entry. */
function leafFor(st: Statement, sig?: string): Uint8Array {
  const sub = h.sign({ id: st.actor, key: h.operator.key }, st.type, st.body as Record<string, unknown>, st);
  return entryLeafBytesWithStatementJcs({ v: 1, seq: 1, prev: toBase64(new Uint8Array(32)), loggedAt: '2026-11-22T08:00:00.000Z', sig: sig ?? sub.sig }, canonicalJson(sub.statement));
}

describe('the audit worker pool', () => {
  it('passes every leaf of a real log, with and without tile hashes, many per message', async () => {
    for (const leaf of leaves) {
      expect(inThread(leaf, hashLeaf(leaf))).toBe(true);
      expect(await agree(leaf, hashLeaf(leaf))).toBe(true);
      expect(await agree(leaf)).toBe(true);
    }
    const r = await pool.check(leaves, leaves.map(hashLeaf));
    expect(r.checked.every((c, k) => c !== undefined && equalBytes(c.leafHash, hashLeaf(leaves[k]!)))).toBe(true);
    r.release();
    // A released buffer is reused for the next tile and must not leak the last one's verdicts.
    const again = await pool.check([bytes('{}'), leaves[1]!], []);
    expect(again.checked[0]).toBeUndefined();
    expect(again.checked[1]).toBeDefined();
    again.release();
  });

  it('refuses a leaf whose tile hash differs', async () => {
    const leaf = leaves[1]!;
    const other = hashLeaf(leaves[2]!);
    expect(await agree(leaf, other)).toBe(false);
  });

  it('refuses the leaves the in-thread checks refuse', async () => {
    const t = text(leaves[3]!);
    expect(t).toContain('"lot":"LOT-2"');
    const sig = (JSON.parse(t) as { sig: string }).sig;
    const flipped = `${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`;
    // The last base64 digit of a 64-byte value carries 4 padding bits; a non-zero one decodes
    // to the same bytes in lenient decoders but is not the canonical spelling.
    const lastDigit = sig.at(-3)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const sloppy = `${sig.slice(0, -3)}${alphabet[alphabet.indexOf(lastDigit) ^ 1]}${sig.slice(-2)}`;
    const cases = [
      ` ${t}`,
      t.replace('{"loggedAt"', '{ "loggedAt"'),
      t.replace(/"seq":(\d+)/, '"seq":$1.0'),
      t.replace(/"v":1}$/, '"v":1.0}'),
      t.replace(/"v":1}$/, '"v":1,"x":0}'),
      t.replace(sig, flipped),
      t.replace(sig, sloppy),
      t.replace('"gtin"', '"gtin" '),
      t.replace('LOT-2', 'LOT-3'),
      t.replace('LOT-2', 'LOT\\u002d2'),
      t.replace('LOT-2', 'LOT-\\ud8002'),
      t.slice(0, -1),
      'null',
      '[]',
      '{}',
    ];
    for (const [i, c] of cases.entries()) expect(await agree(bytes(c)), `case ${i}`).toBe(false);
    expect(await agree(Uint8Array.of(...bytes(t.slice(0, 30)), 0xff, ...bytes(t.slice(30))))).toBe(false);
  });

  it('agrees on nesting at and past the JCS depth limit, and on strings the limit checks', async () => {
    const nested = (depth: number): unknown => (depth === 0 ? 1 : [nested(depth - 1)]);
    const st = (attributes: unknown): Statement => ({
      v: 1,
      type: 'batch.create',
      actor: 'operator',
      pub: toBase64(h.operator.key.publicKey),
      time: '2026-11-22T08:00:00.000Z',
      nonce: toBase64(new Uint8Array(16)),
      body: { ...batchBody('DEEP'), attributes },
    });
    // The entry, its statement and the body are 3 containers around the arrays; JCS input may
    // nest 64, so 61 arrays pass and 62 (which the statement alone still allows) do not.
    const deep = leafFor(st(nested(61)));
    const tooDeep = leafFor(st(nested(62)));
    expect(inThread(deep)).toBe(true);
    expect(inThread(tooDeep)).toBe(false);
    expect(await agree(deep)).toBe(true);
    expect(await agree(tooDeep)).toBe(false);
    expect(await agree(leafFor(st({ 'ключ 𝄞': 'значение' })))).toBe(true);
  });
});
