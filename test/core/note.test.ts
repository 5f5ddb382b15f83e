import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromBase64, toHex, utf8 } from '../../src/core/bytes.ts';
import { generateKeyPair, keyPairFromSeed, type KeyPair } from '../../src/core/ed25519.ts';
import { LedgerError } from '../../src/core/errors.ts';
import {
  isValidKeyName,
  keyId,
  MAX_NOTE_SIGNATURES,
  openNote,
  parseNote,
  parseVerifierKey,
  signNote,
  verifierKey,
} from '../../src/core/note.ts';

const vectors = JSON.parse(readFileSync(new URL('../vectors/c2sp/signed-note.json', import.meta.url), 'utf8'));

/** sumdb signer keys are PRIVATE+KEY+<name>+<id>+base64(0x01 || seed). */
function keyFromSignerKey(skey: string): { name: string; key: KeyPair } {
  // The base64 part may itself contain '+'.
  const parts = skey.split('+');
  expect(parts.slice(0, 2)).toEqual(['PRIVATE', 'KEY']);
  const raw = fromBase64(parts.slice(4).join('+'))!;
  expect(raw[0]).toBe(0x01);
  return { name: parts[2]!, key: keyPairFromSeed(raw.slice(1)) };
}

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof LedgerError) return e.code;
    throw e;
  }
  throw new Error('expected a LedgerError, nothing was thrown');
}

const sumdb = vectors.sumdb;
const peter = parseVerifierKey(sumdb.peterVerifierKey);
const enoch = parseVerifierKey(sumdb.enochVerifierKey);
const text: string = sumdb.text;
const peterSig: string = sumdb.peterSigLine;
const enochSig: string = sumdb.enochSigLine;

describe('signed-note vectors', () => {
  it('verifies the C2SP signed-note example with its verifier key', () => {
    const v = parseVerifierKey(vectors.c2sp.vkey);
    expect(v.name).toBe('example.com/foo');
    expect(toHex(v.keyId)).toBe('530d903a');
    expect(verifierKey(v.name, v.publicKey)).toBe(vectors.c2sp.vkey);
    const n = openNote(vectors.c2sp.note, [v]);
    expect(n.text).toBe(vectors.c2sp.text);
    expect(n.sigs).toHaveLength(1);
    expect(n.unverifiedSigs).toHaveLength(0);
  });

  it('parses the C2SP example whose key is unpublished, and refuses to trust it', () => {
    const p = parseNote(vectors.c2spUnknownKey.note);
    expect(p.text).toBe(vectors.c2spUnknownKey.text);
    expect(p.signatures).toHaveLength(1);
    expect(p.signatures[0]!.name).toBe(vectors.c2spUnknownKey.name);
    expect(toHex(p.signatures[0]!.keyId)).toBe(vectors.c2spUnknownKey.keyIdHex);
    expect(codeOf(() => openNote(vectors.c2spUnknownKey.note, [peter]))).toBe('note_signature');
  });

  it('derives the sumdb verifier keys from their signer keys', () => {
    const p = keyFromSignerKey(sumdb.peterSignerKey);
    expect(p.name).toBe('PeterNeumann');
    expect(verifierKey(p.name, p.key.publicKey)).toBe(sumdb.peterVerifierKey);
    expect(toHex(keyId(p.name, p.key.publicKey))).toBe('c74f20a3');
    // A key ID with leading zero digits must keep them.
    const c = keyFromSignerKey(vectors.sumdbClient.signerKey);
    expect(verifierKey(c.name, c.key.publicKey)).toBe(vectors.sumdbClient.verifierKey);
    expect(toHex(parseVerifierKey(vectors.sumdbClient.verifierKey).keyId)).toBe('00000c67');
  });

  it('signs byte for byte as sumdb/note does (Ed25519 is deterministic)', () => {
    const p = keyFromSignerKey(sumdb.peterSignerKey);
    expect(signNote(text, p.name, p.key)).toBe(`${text}\n${peterSig}`);
  });

  it('opens the sumdb notes: one verified, one unknown', () => {
    const n = openNote(`${text}\n${peterSig}${enochSig}`, [peter]);
    expect(n.text).toBe(text);
    expect(n.sigs.map((s) => [s.name, toHex(s.keyId)])).toEqual([['PeterNeumann', 'c74f20a3']]);
    expect(n.unverifiedSigs.map((s) => [s.name, toHex(s.keyId)])).toEqual([['EnochRoot', 'af0cfe78']]);
  });

  it('opens the sumdb notes: both verified', () => {
    const n = openNote(`${text}\n${peterSig}${enochSig}`, [peter, enoch]);
    expect(n.sigs.map((s) => s.name)).toEqual(['PeterNeumann', 'EnochRoot']);
    expect(n.unverifiedSigs).toHaveLength(0);
  });

  it('rejects a note with no known signature', () => {
    expect(codeOf(() => openNote(`${text}\n${peterSig}${enochSig}`, []))).toBe('note_signature');
  });

  it('rejects more than 100 signatures, verified or not', () => {
    const many = `${text}\n${peterSig.repeat(MAX_NOTE_SIGNATURES + 1)}`;
    expect(codeOf(() => openNote(many, [peter]))).toBe('invalid_note');
    expect(codeOf(() => openNote(many, []))).toBe('invalid_note');
    expect(openNote(`${text}\n${peterSig.repeat(MAX_NOTE_SIGNATURES)}`, [peter]).sigs).toHaveLength(1);
  });

  it('rejects the whole note when a known key signature fails', () => {
    const corrupt = `${peterSig.slice(0, 60)}ABCD${peterSig.slice(60)}`;
    expect(codeOf(() => openNote(`${text}\n${corrupt}`, [peter]))).toBe('note_signature');
    // Stricter than sumdb/note, which skips a known key's second signature unverified:
    // signed-note says verifiers MUST verify every signature whose name and key ID are known.
    expect(codeOf(() => openNote(`${text}\n${peterSig}${corrupt}`, [peter]))).toBe('note_signature');
  });

  it('drops repeated signatures, keeping distinct unknown ones', () => {
    const enochABCD = `${enochSig.slice(0, 60)}ABCD${enochSig.slice(60)}`;
    const n = openNote(`${text}\n${peterSig}${peterSig}${enochSig}${enochSig}${enochABCD}`, [peter]);
    expect(n.sigs).toHaveLength(1);
    expect(n.unverifiedSigs).toHaveLength(2);
  });

  it('rejects the malformed notes of sumdb/note', () => {
    const bad = [
      text,
      `${text}\n`,
      `${text}\n${peterSig.slice(0, -1)}`,
      `\x01${text}\n${peterSig}`,
      `${text}\n\u2014 Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=`,
      `${text}\n${peterSig}Unexpected line.\n`,
    ];
    for (const m of bad) expect(codeOf(() => openNote(m, [peter])), JSON.stringify(m)).toBe('invalid_note');
    // "\xff" + text: invalid UTF-8 can only arrive as bytes.
    const bytes = Uint8Array.from([0xff, ...utf8(`${text}\n${peterSig}`)]);
    expect(codeOf(() => openNote(bytes, [peter]))).toBe('invalid_note');
    expect(openNote(utf8(`${text}\n${peterSig}`), [peter]).text).toBe(text);
  });

  it('rejects the mangled verifier keys of sumdb/note', () => {
    const vkey: string = sumdb.peterVerifierKey;
    let tried = 0;
    for (let i = 0; i <= vkey.length; i++) {
      for (let j = i + 1; j <= vkey.length; j++) {
        if (i === 0 && j === vkey.length) continue;
        expect(codeOf(() => parseVerifierKey(vkey.slice(i, j))), vkey.slice(i, j)).toBe('invalid_verifier_key');
        tried++;
      }
    }
    for (let i = 0; i < vkey.length; i++) {
      const m = vkey.slice(0, i) + String.fromCharCode(vkey.charCodeAt(i) + 1) + vkey.slice(i + 1);
      expect(codeOf(() => parseVerifierKey(m)), m).toBe('invalid_verifier_key');
      tried++;
    }
    for (const k of sumdb.badVerifierKeys) expect(codeOf(() => parseVerifierKey(k))).toBe('invalid_verifier_key');
    expect(tried).toBeGreaterThan(2000);
  });
});

describe('signed-note rules', () => {
  const alice = keyPairFromSeed(new Uint8Array(32).fill(7));
  const name = 'lotproof.example/log';

  it('names: non-empty, no Unicode spaces, no plus', () => {
    for (const ok of ['a', 'example.com/log42', 'PeterNeumann', 'héllo/世界']) expect(isValidKeyName(ok), ok).toBe(true);
    for (const bad of ['', 'a b', 'a+b', 'a\tb', 'a\u00a0b', 'a\u2003b', 'a\u3000b', 'a\u0085b', 'a\u2028b', 'a\nb', 'a\x01b', '\ud800']) {
      expect(isValidKeyName(bad), JSON.stringify(bad)).toBe(false);
      expect(codeOf(() => verifierKey(bad, alice.publicKey))).toBe('invalid_verifier_key');
      expect(codeOf(() => signNote('x\n', bad, alice))).toBe('invalid_verifier_key');
    }
  });

  it('signs only newline-terminated text without control characters', () => {
    for (const bad of ['', 'no newline', 'tab\there\n', 'cr\r\n', 'nul\0\n', '\udc00\n']) {
      expect(codeOf(() => signNote(bad, name, alice)), JSON.stringify(bad)).toBe('invalid_note');
    }
  });

  it('formats the signature line as em dash, space, name, space, base64(key ID || signature)', () => {
    const note = signNote('hello\n', name, alice);
    const m = /^hello\n\n\u2014 (\S+) (\S+)\n$/.exec(note);
    expect(m).not.toBeNull();
    expect(m![1]).toBe(name);
    const raw = fromBase64(m![2]!)!;
    expect(raw).toHaveLength(68);
    expect(toHex(raw.subarray(0, 4))).toBe(toHex(keyId(name, alice.publicKey)));
  });

  it('the key ID is SHA-256(name || 0x0A || 0x01 || key)[:4], per signature type', () => {
    // Same key, other name: other ID.
    expect(toHex(keyId('a', alice.publicKey))).not.toBe(toHex(keyId('b', alice.publicKey)));
    const v = parseVerifierKey(verifierKey(name, alice.publicKey));
    expect(v.name).toBe(name);
    expect(v.publicKey).toEqual(alice.publicKey);
    // Key material with another signature type byte is not an Ed25519 verifier key.
    const vk = verifierKey(name, alice.publicKey);
    const material = fromBase64(vk.split('+').slice(2).join('+'))!;
    material[0] = 0x04;
    const other = `${name}+${toHex(keyId(name, alice.publicKey))}+${Buffer.from(material).toString('base64')}`;
    expect(codeOf(() => parseVerifierKey(other))).toBe('invalid_verifier_key');
    // Uppercase hex is not the canonical spelling.
    expect(codeOf(() => parseVerifierKey(sumdb.peterVerifierKey.replace('c74f20a3', 'C74F20A3')))).toBe('invalid_verifier_key');
  });

  it('round-trips random texts and keys', () => {
    const line = fc.string({ unit: 'grapheme', maxLength: 40 }).map((s) => s.replace(/[\u0000-\u001f]/g, ''));
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 6 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (lines, seed) => {
        const t = `${lines.join('\n')}\n`;
        const key = keyPairFromSeed(seed);
        const note = signNote(t, name, key);
        const opened = openNote(note, [{ name, publicKey: key.publicKey }]);
        expect(opened.text).toBe(t);
        expect(opened.sigs).toHaveLength(1);
      }),
      { numRuns: 60 },
    );
  });

  it('separates at the last blank line, so the text may contain blank lines', () => {
    const t = 'a\n\nb\n\n';
    const note = signNote(t, name, alice);
    expect(openNote(note, [{ name, publicKey: alice.publicKey }]).text).toBe(t);
  });

  it('fails on tampered text, a wrong key, a stripped signature', () => {
    const note = signNote('size 1\n', name, alice);
    const v = [{ name, publicKey: alice.publicKey }];
    expect(codeOf(() => openNote(note.replace('size 1', 'size 2'), v))).toBe('note_signature');
    const mallory = generateKeyPair();
    // Same name, other key: other key ID, so the signature is unknown to this verifier.
    expect(codeOf(() => openNote(note, [{ name, publicKey: mallory.publicKey }]))).toBe('note_signature');
    expect(codeOf(() => openNote('size 1\n\n', v))).toBe('invalid_note');
  });

  it('ignores signatures sharing only the name or only the key ID with a known key', () => {
    const mallory = generateKeyPair();
    const good = signNote('t\n', name, alice);
    const sameName = signNote('t\n', name, mallory).split('\n\n')[1]!;
    const combined = `${good}${sameName}`;
    const n = openNote(combined, [{ name, publicKey: alice.publicKey }]);
    expect(n.sigs).toHaveLength(1);
    expect(n.unverifiedSigs).toHaveLength(1);
    // Alice's key ID under another name: unknown, not verified.
    const line = good.split('\n\n')[1]!.replace(name, 'other.example');
    const n2 = openNote(`${good}${line}`, [{ name, publicKey: alice.publicKey }]);
    expect(n2.unverifiedSigs.map((s) => s.name)).toEqual(['other.example']);
  });

  it('rejects malformed signature lines', () => {
    const good = signNote('t\n', name, alice);
    const sig = good.split('\n\n')[1]!.trimEnd().split(' ')[2]!;
    const v = [{ name, publicKey: alice.publicKey }];
    const bad = [
      `t\n\n- ${name} ${sig}\n`, // hyphen, not em dash
      `t\n\n\u2014${name} ${sig}\n`, // no space after the dash
      `t\n\n\u2014 ${name}  ${sig}\n`, // two spaces
      `t\n\n\u2014 ${name} ${sig} \n`, // trailing space
      `t\n\n\u2014 ${name}\n`, // no signature
      `t\n\n\u2014 ${name} ${sig.replace(/=+$/, '')}\n`, // unpadded base64
      `t\n\n\u2014 ${name} AAAA\n`, // 3 bytes
      `t\n\n\u2014 ${name} AAAAAA==\n`, // a key ID and no signature
      `t\n\n\u2014  ${sig}\n`, // empty name
      `t\n\n\u2014 ${name} ${sig}\r\n`, // carriage return
      `t\n\n\u2014 ${name} ${sig}\n\n`, // blank line after the signatures
    ];
    for (const m of bad) expect(codeOf(() => openNote(m, v)), JSON.stringify(m)).toBe('invalid_note');
  });

  it('ignores extra verifiers that signed nothing', () => {
    const note = signNote('t\n', name, alice);
    const bogus = { name, publicKey: new Uint8Array(32).fill(1) };
    // Not ambiguous: bogus has a different key ID.
    expect(openNote(note, [{ name, publicKey: alice.publicKey }, bogus]).sigs).toHaveLength(1);
    // The same verifier twice is not ambiguous either.
    expect(openNote(note, [{ name, publicKey: alice.publicKey }, { name, publicKey: alice.publicKey }]).sigs).toHaveLength(1);
  });

  it('keeps a leading byte order mark as part of the signed text', () => {
    const note = signNote('\ufeffx\n', name, alice);
    const bytes = utf8(note);
    expect(bytes[0]).toBe(0xef);
    expect(openNote(bytes, [{ name, publicKey: alice.publicKey }]).text).toBe('\ufeffx\n');
    // Stripping it changes the signed bytes.
    expect(codeOf(() => openNote(note.slice(1), [{ name, publicKey: alice.publicKey }]))).toBe('note_signature');
  });
});
