import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toBase64, utf8 } from '../../src/core/bytes.ts';
import { parseCheckpointBody, signCheckpoint } from '../../src/core/checkpoint.ts';
import { generateKeyPair, keyPairFromSeed } from '../../src/core/ed25519.ts';
import { LedgerError } from '../../src/core/errors.ts';
import { hashChildren, hashLeaf, inclusionProof, rootAt, type NodeReader } from '../../src/core/merkle.ts';
import { parseNote, signNote } from '../../src/core/note.ts';
import { formatReceipt, parseReceipt, RECEIPT_HEADER, verifyReceipt } from '../../src/core/receipt.ts';

const vectors = JSON.parse(readFileSync(new URL('../vectors/c2sp/tlog-proof.json', import.meta.url), 'utf8'));

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof LedgerError) return e.code;
    throw e;
  }
  throw new Error('expected a LedgerError, nothing was thrown');
}

const origin = 'lotproof.example/log';
const logKey = keyPairFromSeed(new Uint8Array(32).fill(3));

/** A small in-memory log: leaves, every complete node, a reader for merkle.ts. */
function buildLog(n: number) {
  const leaves = Array.from({ length: n }, (_, i) => utf8(`{"seq":${i}}`));
  const levels: Uint8Array[][] = [leaves.map(hashLeaf)];
  for (let l = 0; levels[l]!.length > 1; l++) {
    const next: Uint8Array[] = [];
    for (let i = 0; i + 1 < levels[l]!.length; i += 2) next.push(hashChildren(levels[l]![i]!, levels[l]![i + 1]!));
    levels.push(next);
  }
  const read: NodeReader = (level, index) => levels[level]![index]!;
  const note = signCheckpoint({ origin, size: n, root: rootAt(n, read) }, logKey);
  const receipt = (i: number, extra?: Uint8Array) =>
    formatReceipt({ index: i, proof: inclusionProof(i, n, read), checkpointNote: note, ...(extra ? { extra } : {}) });
  return { leaves, read, note, receipt };
}

describe('tlog-proof format', () => {
  it('is the header, optional extra, index, proof lines, an empty line, the checkpoint verbatim', () => {
    const h1 = new Uint8Array(32).fill(1);
    const h2 = new Uint8Array(32).fill(2);
    const note = signCheckpoint({ origin, size: 10, root: new Uint8Array(32) }, logKey);
    expect(formatReceipt({ index: 5, proof: [h1, h2], checkpointNote: note })).toBe(
      `c2sp.org/tlog-proof@v1\nindex 5\n${toBase64(h1)}\n${toBase64(h2)}\n\n${note}`,
    );
    expect(formatReceipt({ index: 0, proof: [], checkpointNote: note, extra: utf8('extra information') })).toBe(
      `c2sp.org/tlog-proof@v1\nextra ${toBase64(utf8('extra information'))}\nindex 0\n\n${note}`,
    );
  });

  it('parses the C2SP example once its elided signatures are filled in', () => {
    // As published, "[...]" makes the signature lines invalid base64.
    expect(codeOf(() => parseReceipt(vectors.example))).toBe('invalid_receipt');
    const sigStart = (vectors.example as string).indexOf('\u2014 ');
    const body: string = vectors.checkpointBody;
    const filled = (vectors.example as string).slice(0, sigStart) + signNote(body, 'example.com/fancylog', logKey).split('\n\n')[1];
    const r = parseReceipt(filled);
    expect(r.index).toBe(vectors.index);
    expect(r.proof).toHaveLength(vectors.proofCount);
    expect(new TextDecoder().decode(r.extra!.subarray(0, vectors.extraPrefix.length))).toBe(vectors.extraPrefix);
    expect(parseCheckpointBody(parseNote(r.checkpointNote).text).size).toBe(109482);
    expect(formatReceipt(r)).toBe(filled);
  });

  it('round-trips (property)', () => {
    const note = signCheckpoint({ origin, size: 10, root: new Uint8Array(32) }, logKey);
    fc.assert(
      fc.property(
        fc.nat({ max: Number.MAX_SAFE_INTEGER }),
        fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: 64 }),
        fc.option(fc.uint8Array({ maxLength: 100 }), { nil: undefined }),
        (index, proof, extra) => {
          const r = extra === undefined ? { index, proof, checkpointNote: note } : { index, proof, checkpointNote: note, extra };
          expect(parseReceipt(formatReceipt(r))).toEqual(r);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('rejects malformed receipts', () => {
    const note = signCheckpoint({ origin, size: 10, root: new Uint8Array(32) }, logKey);
    const h = toBase64(new Uint8Array(32).fill(7));
    const bad = [
      '',
      note,
      `index 0\n\n${note}`, // no header
      `c2sp.org/tlog-proof@v2\nindex 0\n\n${note}`,
      `c2sp.org/tlog-proof@v1 \nindex 0\n\n${note}`,
      `c2sp.org/tlog-proof@v1\r\nindex 0\n\n${note}`,
      `c2sp.org/tlog-proof@v1\n\n${note}`, // no index
      `c2sp.org/tlog-proof@v1\nindex\n\n${note}`,
      `c2sp.org/tlog-proof@v1\nindex notanumber\n\n${note}`,
      `c2sp.org/tlog-proof@v1\nindex -1\n\n${note}`,
      `c2sp.org/tlog-proof@v1\nindex 01\n\n${note}`,
      `c2sp.org/tlog-proof@v1\nindex  1\n\n${note}`,
      `c2sp.org/tlog-proof@v1\nindex 9007199254740992\n\n${note}`,
      `c2sp.org/tlog-proof@v1\nextra not-valid-base64!!!\nindex 0\n\n${note}`,
      `c2sp.org/tlog-proof@v1\nextra AA\nindex 0\n\n${note}`, // unpadded
      `c2sp.org/tlog-proof@v1\nextra_AA==\nindex 0\n\n${note}`, // no space after "extra"
      `c2sp.org/tlog-proof@v1\nextra  AA==\nindex 0\n\n${note}`, // two spaces
      `c2sp.org/tlog-proof@v1\nindex_0\n\n${note}`,
      `c2sp.org/tlog-proof@v1\nindex 0\nextra AA==\n\n${note}`, // extra after the index
      `c2sp.org/tlog-proof@v1\nextra AA==\nextra AA==\nindex 0\n\n${note}`,
      `c2sp.org/tlog-proof@v1\nindex 0\nnot-valid-base64!!!\n\n${note}`,
      `c2sp.org/tlog-proof@v1\nindex 0\n${toBase64(new Uint8Array(16))}\n\n${note}`, // short hash
      `c2sp.org/tlog-proof@v1\nindex 0\n${h}\n`, // no checkpoint
      `c2sp.org/tlog-proof@v1\nindex 0\n${h}`,
      `c2sp.org/tlog-proof@v1\nindex 0\n${h}\n\n${note.slice(0, -1)}`, // truncated note
      `c2sp.org/tlog-proof@v1\nindex 0\n${h}\n\n\n${note}`, // two empty lines
      `c2sp.org/tlog-proof@v1\nindex 0\n${`${h}\n`.repeat(65)}\n${note}`, // too many hashes
    ];
    for (const t of bad) expect(codeOf(() => parseReceipt(t)), JSON.stringify(t.slice(0, 80))).toBe('invalid_receipt');
    expect(parseReceipt(`c2sp.org/tlog-proof@v1\nindex 0\n${`${h}\n`.repeat(64)}\n${note}`).proof).toHaveLength(64);
    expect(RECEIPT_HEADER).toBe('c2sp.org/tlog-proof@v1');
  });

  it('refuses to format what it could not parse', () => {
    const note = signCheckpoint({ origin, size: 10, root: new Uint8Array(32) }, logKey);
    expect(codeOf(() => formatReceipt({ index: -1, proof: [], checkpointNote: note }))).toBe('invalid_receipt');
    expect(codeOf(() => formatReceipt({ index: 0, proof: [new Uint8Array(31)], checkpointNote: note }))).toBe('invalid_receipt');
    expect(codeOf(() => formatReceipt({ index: 0, proof: [], checkpointNote: 'not a note\n' }))).toBe('invalid_note');
    const notACheckpoint = signNote('hello\n', origin, logKey);
    expect(codeOf(() => formatReceipt({ index: 0, proof: [], checkpointNote: notACheckpoint }))).toBe('invalid_checkpoint');
    // The well-formed note is remembered, a refused one never is: each is judged alike again.
    for (let i = 0; i < 2; i++) {
      expect(formatReceipt({ index: 0, proof: [], checkpointNote: note }).endsWith(note)).toBe(true);
      expect(codeOf(() => formatReceipt({ index: 0, proof: [], checkpointNote: notACheckpoint }))).toBe('invalid_checkpoint');
      expect(codeOf(() => formatReceipt({ index: 0, proof: [], checkpointNote: 'not a note\n' }))).toBe('invalid_note');
    }
    expect(codeOf(() => parseReceipt(`c2sp.org/tlog-proof@v1\nindex 0\n\n${notACheckpoint}`))).toBe('invalid_receipt');
  });
});

describe('tlog-proof verification', () => {
  it('verifies every entry of logs of several sizes, by leaf bytes and by leaf hash', () => {
    for (const n of [1, 2, 3, 7, 8, 33, 257]) {
      const log = buildLog(n);
      for (let i = 0; i < n; i++) {
        const r = log.receipt(i);
        const v = verifyReceipt(r, { leaf: log.leaves[i]! }, origin, logKey.publicKey);
        expect(v.index).toBe(i);
        expect(v.checkpoint.size).toBe(n);
        expect(verifyReceipt(r, { leafHash: hashLeaf(log.leaves[i]!) }, origin, logKey.publicKey).index).toBe(i);
      }
    }
  });

  it('returns the unauthenticated extra data', () => {
    const log = buildLog(5);
    const v = verifyReceipt(log.receipt(2, utf8('ctx')), { leaf: log.leaves[2]! }, origin, logKey.publicKey);
    expect(v.extra).toEqual(utf8('ctx'));
  });

  it('fails for another leaf, another index, a tampered proof, a wrong key or origin', () => {
    const log = buildLog(20);
    const r = log.receipt(5);
    expect(codeOf(() => verifyReceipt(r, { leaf: log.leaves[6]! }, origin, logKey.publicKey))).toBe('inclusion_proof');
    expect(codeOf(() => verifyReceipt(r.replace('index 5\n', 'index 6\n'), { leaf: log.leaves[5]! }, origin, logKey.publicKey))).toBe(
      'inclusion_proof',
    );
    const parsed = parseReceipt(r);
    const tampered = parsed.proof.map((h, i) => (i === 1 ? h.map((b) => b ^ 1) : h));
    const bad = formatReceipt({ ...parsed, proof: tampered });
    expect(codeOf(() => verifyReceipt(bad, { leaf: log.leaves[5]! }, origin, logKey.publicKey))).toBe('inclusion_proof');
    const short = formatReceipt({ ...parsed, proof: parsed.proof.slice(0, -1) });
    expect(codeOf(() => verifyReceipt(short, { leaf: log.leaves[5]! }, origin, logKey.publicKey))).toBe('inclusion_proof');
    expect(codeOf(() => verifyReceipt(r, { leaf: log.leaves[5]! }, origin, generateKeyPair().publicKey))).toBe('note_signature');
    expect(codeOf(() => verifyReceipt(r, { leaf: log.leaves[5]! }, 'other.example/log', logKey.publicKey))).toBe('note_signature');
    expect(codeOf(() => verifyReceipt(r, { leafHash: new Uint8Array(31) }, origin, logKey.publicKey))).toBe('inclusion_proof');
  });

  it('rejects an index outside the checkpointed tree', () => {
    const log = buildLog(4);
    const parsed = parseReceipt(log.receipt(3));
    const beyond = formatReceipt({ ...parsed, index: 4 });
    expect(codeOf(() => verifyReceipt(beyond, { leaf: log.leaves[3]! }, origin, logKey.publicKey, () => true))).toBe(
      'inclusion_proof',
    );
  });

  it('passes (index, size, leafHash, proof, root) to the inclusion verifier it is given', () => {
    const log = buildLog(9);
    const seen: unknown[] = [];
    const v = verifyReceipt(log.receipt(4), { leaf: log.leaves[4]! }, origin, logKey.publicKey, (i, s, lh, p, root) => {
      seen.push(i, s, toBase64(lh), p.length, toBase64(root));
      return true;
    });
    expect(seen).toEqual([4, 9, toBase64(hashLeaf(log.leaves[4]!)), inclusionProof(4, 9, log.read).length, toBase64(v.checkpoint.root)]);
    expect(codeOf(() => verifyReceipt(log.receipt(4), { leaf: log.leaves[4]! }, origin, logKey.publicKey, () => false))).toBe(
      'inclusion_proof',
    );
  });

  it('accepts witness cosignatures on the checkpoint and ignores them', () => {
    const log = buildLog(3);
    const witness = generateKeyPair();
    const cosig = signNote(parseNote(log.note).text, 'witness.example', witness).split('\n\n')[1]!;
    const parsed = parseReceipt(log.receipt(1));
    const r = formatReceipt({ ...parsed, checkpointNote: `${log.note}${cosig}` });
    expect(verifyReceipt(r, { leaf: log.leaves[1]! }, origin, logKey.publicKey).index).toBe(1);
  });
});
