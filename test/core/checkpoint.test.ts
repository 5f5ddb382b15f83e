import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toBase64, utf8 } from '../../src/core/bytes.ts';
import {
  formatCheckpointBody,
  openCheckpoint,
  parseCheckpointBody,
  parseDecimal,
  signCheckpoint,
  type Checkpoint,
} from '../../src/core/checkpoint.ts';
import { generateKeyPair, keyPairFromSeed } from '../../src/core/ed25519.ts';
import { LedgerError } from '../../src/core/errors.ts';
import { hashLeaf } from '../../src/core/merkle.ts';
import { openNote, parseNote, signNote, verifierKey } from '../../src/core/note.ts';

const vectors = JSON.parse(readFileSync(new URL('../vectors/c2sp/tlog-checkpoint.json', import.meta.url), 'utf8'));

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
const logKey = keyPairFromSeed(new Uint8Array(32).fill(42));
const root = new Uint8Array(32).map((_, i) => i);

describe('tlog-checkpoint vectors', () => {
  it('formats the sumdb tree note body byte for byte', () => {
    const v = vectors.sumdbTree;
    const cp = { origin: v.origin, size: v.size, root: hashLeaf(utf8(v.recordData)) };
    expect(formatCheckpointBody(cp)).toBe(v.body);
    const parsed = parseCheckpointBody(v.body);
    expect(parsed).toEqual(cp);
    for (const bad of v.badBodies) expect(() => parseCheckpointBody(bad)).toThrow(LedgerError);
  });

  it('parses the C2SP example and ignores its signature by an unknown key', () => {
    const v = vectors.c2sp;
    const { text, signatures } = parseNote(v.note);
    const cp = parseCheckpointBody(text);
    expect(cp.origin).toBe(v.origin);
    expect(cp.size).toBe(v.size);
    expect(toBase64(cp.root)).toBe(v.rootBase64);
    expect(signatures[0]!.name).toBe(v.origin);
    expect(codeOf(() => openCheckpoint(v.note, v.origin, logKey.publicKey))).toBe('note_signature');
  });
});

describe('tlog-checkpoint format', () => {
  it('is origin, decimal size, base64 root, a blank line, then one signature line', () => {
    const note = signCheckpoint({ origin, size: 1234, root }, logKey);
    const lines = note.split('\n');
    expect(lines.slice(0, 4)).toEqual([origin, '1234', toBase64(root), '']);
    expect(lines[4]).toMatch(new RegExp(`^\u2014 ${origin.replace(/[./]/g, '\\$&')} [A-Za-z0-9+/]{91}=$`));
    expect(lines[5]).toBe('');
    expect(lines).toHaveLength(6);
  });

  it('round-trips through sign and open, with the origin as key name (SPEC §4)', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: Number.MAX_SAFE_INTEGER }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.array(fc.stringMatching(/^[!-~][ -~]{0,20}$/), { maxLength: 3 }),
        (size, r, extensions) => {
          const cp: Checkpoint = extensions.length > 0 ? { origin, size, root: r, extensions } : { origin, size, root: r };
          const note = signCheckpoint(cp, logKey);
          expect(openCheckpoint(note, origin, logKey.publicKey)).toEqual(cp);
          expect(parseCheckpointBody(formatCheckpointBody(cp))).toEqual(cp);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('signs under a key whose verifier key string names the origin', () => {
    const note = signCheckpoint({ origin, size: 0, root }, logKey);
    const vkey = verifierKey(origin, logKey.publicKey);
    expect(vkey.startsWith(`${origin}+`)).toBe(true);
    expect(openNote(note, [{ name: origin, publicKey: logKey.publicKey }]).sigs[0]!.name).toBe(origin);
  });

  it('rejects non-canonical sizes and roots', () => {
    const r64 = toBase64(root);
    const bad = [
      `${origin}\n01\n${r64}\n`,
      `${origin}\n+1\n${r64}\n`,
      `${origin}\n-1\n${r64}\n`,
      `${origin}\n1.0\n${r64}\n`,
      `${origin}\n1e3\n${r64}\n`,
      `${origin}\n 1\n${r64}\n`,
      `${origin}\n\n${r64}\n`,
      `${origin}\n9007199254740992\n${r64}\n`,
      `${origin}\n1\n${r64.slice(0, -1)}\n`,
      `${origin}\n1\n${toBase64(root.subarray(0, 31))}\n`,
      `${origin}\n1\n${toBase64(new Uint8Array(33))}\n`,
      `${origin}\n1\n${r64.replace(/\+/g, '-').replace(/\//g, '_')}x\n`,
      `${origin}\n1\n${r64}`,
      `${origin}\n1\n`,
      `\n1\n${r64}\n`,
      `${origin}\n1\n${r64}\n\n`,
      `${origin}\n1\n${r64}\next\n\n`,
      `${origin}\n1\n${r64}\r\n`,
    ];
    for (const t of bad) expect(codeOf(() => parseCheckpointBody(t)), JSON.stringify(t)).toBe('invalid_checkpoint');
    expect(parseCheckpointBody(`${origin}\n0\n${r64}\n`).size).toBe(0);
    expect(parseCheckpointBody(`${origin}\n9007199254740991\n${r64}\n`).size).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('parses decimals strictly', () => {
    expect(parseDecimal('0')).toBe(0);
    expect(parseDecimal('10')).toBe(10);
    for (const bad of ['', '00', '007', '+1', '-0', '0x1', '1_000', '١', ' 1']) expect(parseDecimal(bad), bad).toBeUndefined();
  });

  it('refuses to format what it could not parse', () => {
    expect(codeOf(() => formatCheckpointBody({ origin: '', size: 1, root }))).toBe('invalid_checkpoint');
    expect(codeOf(() => formatCheckpointBody({ origin: 'a\nb', size: 1, root }))).toBe('invalid_checkpoint');
    expect(codeOf(() => formatCheckpointBody({ origin, size: -1, root }))).toBe('invalid_checkpoint');
    expect(codeOf(() => formatCheckpointBody({ origin, size: 1.5, root }))).toBe('invalid_checkpoint');
    expect(codeOf(() => formatCheckpointBody({ origin, size: 1, root: root.subarray(1) }))).toBe('invalid_checkpoint');
    expect(codeOf(() => formatCheckpointBody({ origin, size: 1, root, extensions: [''] }))).toBe('invalid_checkpoint');
  });

  it('rejects another origin, another key, a tampered size', () => {
    const note = signCheckpoint({ origin, size: 5, root }, logKey);
    expect(codeOf(() => openCheckpoint(note, 'other.example/log', logKey.publicKey))).toBe('note_signature');
    expect(codeOf(() => openCheckpoint(note, origin, generateKeyPair().publicKey))).toBe('note_signature');
    expect(codeOf(() => openCheckpoint(note.replace('\n5\n', '\n6\n'), origin, logKey.publicKey))).toBe('note_signature');
    // Signed by the right key under the right name, but claiming another origin in its text.
    const lying = signNote(formatCheckpointBody({ origin: 'other.example/log', size: 5, root }), origin, logKey);
    expect(codeOf(() => openCheckpoint(lying, origin, logKey.publicKey))).toBe('invalid_checkpoint');
  });

  it('ignores witness cosignatures and other unknown signatures', () => {
    const note = signCheckpoint({ origin, size: 5, root }, logKey);
    const witness = generateKeyPair();
    const cosig = signNote(formatCheckpointBody({ origin, size: 5, root }), 'witness.example', witness).split('\n\n')[1]!;
    const cp = openCheckpoint(`${note}${cosig}`, origin, logKey.publicKey);
    expect(cp.size).toBe(5);
  });

  it('opens a checkpoint whose key name differs from its origin when told the name', () => {
    const v = vectors.sumdbTree;
    const key = generateKeyPair();
    const note = signCheckpoint({ origin: v.origin, size: 1, root }, key, 'sum.golang.org');
    expect(codeOf(() => openCheckpoint(note, v.origin, key.publicKey))).toBe('invalid_verifier_key');
    expect(openCheckpoint(note, v.origin, key.publicKey, 'sum.golang.org').size).toBe(1);
  });
});
