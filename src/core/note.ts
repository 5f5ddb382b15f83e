// c2sp.org/signed-note: text signed by one or more keys, with Ed25519 signatures (type 0x01),
// key IDs and verifier keys. Parsing follows the rules golang.org/x/mod/sumdb/note applies.
import { concatBytes, equalBytes, fromBase64, fromHex, fromUtf8, toBase64, toHex, utf8 } from './bytes.ts';
import { sign, verify, type KeyPair } from './ed25519.ts';
import { LedgerError } from './errors.ts';
import { sha256 } from './hash.ts';

/** The signature type identifier byte of Ed25519 signatures (signed-note, "Signature types"). */
export const SIG_TYPE_ED25519 = 0x01;

/**
 * Policy: a note with more signature lines than this is rejected as malformed. The spec asks
 * verifiers to accept at least 16; sumdb/note stops at 100, and so do we.
 */
export const MAX_NOTE_SIGNATURES = 100;

const SIG_PREFIX = '\u2014 ';

/** A public key a caller trusts, named as its signature lines name it. */
export interface NoteVerifier {
  readonly name: string;
  readonly publicKey: Uint8Array;
}

/** One signature line of a note: the key name, the 4-byte key ID and the signature proper. */
export interface NoteSignature {
  readonly name: string;
  readonly keyId: Uint8Array;
  /** The signature bytes after the key ID (64 bytes for Ed25519). */
  readonly signature: Uint8Array;
}

export interface ParsedNote {
  /** The signed text, ending in a newline; not authenticated by parsing alone. */
  readonly text: string;
  readonly signatures: NoteSignature[];
}

export interface OpenedNote {
  /** The signed text, including its final newline. */
  readonly text: string;
  /** Signatures by the given verifiers, all of which verified. Never empty. */
  readonly sigs: NoteSignature[];
  /** Signatures by keys the caller did not give (for example witnesses); not verified. */
  readonly unverifiedSigs: NoteSignature[];
}

/**
 * True when `name` may name a key: non-empty, no Unicode White_Space, no '+'. Policy: we also
 * refuse the other ASCII control characters and lone surrogates, which a note may not contain.
 */
export function isValidKeyName(name: string): boolean {
  return (
    typeof name === 'string' &&
    name.length > 0 &&
    name.isWellFormed() &&
    !/[\p{White_Space}+\u0000-\u001f]/u.test(name)
  );
}

/** The Ed25519 key ID: SHA-256(name || 0x0A || 0x01 || public key)[:4]. */
export function keyId(name: string, publicKey: Uint8Array): Uint8Array {
  return sha256(concatBytes(utf8(name), Uint8Array.of(0x0a, SIG_TYPE_ED25519), publicKey)).slice(0, 4);
}

function assertKey(name: string, publicKey: Uint8Array): void {
  if (!isValidKeyName(name)) {
    throw new LedgerError('invalid_verifier_key', 'a key name must be non-empty, without spaces or "+"');
  }
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) {
    throw new LedgerError('invalid_verifier_key', 'an Ed25519 public key is 32 bytes');
  }
}

/** The verifier key string `<name>+<hex key ID>+<base64(0x01 || public key)>`. */
export function verifierKey(name: string, publicKey: Uint8Array): string {
  assertKey(name, publicKey);
  const material = concatBytes(Uint8Array.of(SIG_TYPE_ED25519), publicKey);
  return `${name}+${toHex(keyId(name, publicKey))}+${toBase64(material)}`;
}

/**
 * Parses an Ed25519 verifier key string. Policy: the key ID must be 8 lowercase hex digits and
 * the key material canonical padded base64, the only spellings verifierKey produces.
 */
export function parseVerifierKey(s: string): { name: string; keyId: Uint8Array; publicKey: Uint8Array } {
  const bad = (why: string): never => {
    throw new LedgerError('invalid_verifier_key', `malformed verifier key: ${why}`);
  };
  if (typeof s !== 'string') return bad('not a string');
  // The name holds no '+', the key ID is hex; the base64 key material may itself contain '+'.
  const p1 = s.indexOf('+');
  const p2 = p1 < 0 ? -1 : s.indexOf('+', p1 + 1);
  if (p2 < 0) return bad('expected <name>+<key ID>+<key>');
  const name = s.slice(0, p1);
  const idHex = s.slice(p1 + 1, p2);
  const material = fromBase64(s.slice(p2 + 1));
  if (!isValidKeyName(name)) return bad('invalid key name');
  const id = idHex.length === 8 ? fromHex(idHex) : undefined;
  if (!id) return bad('the key ID is not 8 lowercase hex digits');
  if (!material || material.length === 0) return bad('the key material is not base64');
  if (material[0] !== SIG_TYPE_ED25519) return bad(`unsupported signature type 0x${toHex(material.subarray(0, 1))}`);
  const publicKey = material.slice(1);
  if (publicKey.length !== 32) return bad('an Ed25519 public key is 32 bytes');
  if (!equalBytes(id, keyId(name, publicKey))) return bad('the key ID does not match the name and key');
  return { name, keyId: id, publicKey };
}

/** Throws unless `text` is a valid note text: newline-terminated, no other control characters. */
function assertNoteText(text: string): void {
  if (typeof text !== 'string' || !text.endsWith('\n')) {
    throw new LedgerError('invalid_note', 'note text must end in a newline');
  }
  if (!text.isWellFormed() || /[\u0000-\u0009\u000b-\u001f]/.test(text)) {
    throw new LedgerError('invalid_note', 'note text must be UTF-8 without control characters other than newline');
  }
}

/**
 * Signs `text` with one Ed25519 key named `name` and returns the note: the text, a blank line
 * and the signature line `— <name> <base64(key ID || signature)>`. The signature covers the
 * UTF-8 bytes of the text, including its final newline but not the blank line.
 */
export function signNote(text: string, name: string, key: KeyPair): string {
  assertNoteText(text);
  assertKey(name, key.publicKey);
  const sig = sign(utf8(text), key.secretKey);
  return `${text}\n${SIG_PREFIX}${name} ${toBase64(concatBytes(keyId(name, key.publicKey), sig))}\n`;
}

/**
 * Splits a note into its text and signature lines, checking the syntax only: valid UTF-8, no
 * control characters but newline, a blank line before the signature block, every line in the
 * block `— <name> <base64>` with at least 5 decoded bytes, at most MAX_NOTE_SIGNATURES lines.
 * Nothing is authenticated: use openNote before trusting the text.
 */
export function parseNote(note: string | Uint8Array): ParsedNote {
  const malformed = (why: string): never => {
    throw new LedgerError('invalid_note', `malformed note: ${why}`);
  };
  let s: string;
  if (note instanceof Uint8Array) {
    try {
      s = fromUtf8(note);
    } catch {
      return malformed('not valid UTF-8');
    }
    // TextDecoder drops a leading byte order mark; it is part of the signed text, so keep it.
    if (note[0] === 0xef && note[1] === 0xbb && note[2] === 0xbf) s = `\ufeff${s}`;
  } else if (typeof note === 'string') {
    s = note;
    if (!s.isWellFormed()) malformed('not valid UTF-8');
  } else {
    return malformed('not text');
  }
  if (/[\u0000-\u0009\u000b-\u001f]/.test(s)) malformed('control character other than newline');

  // The text is separated from the signatures by the last blank line.
  const split = s.lastIndexOf('\n\n');
  if (split < 0) malformed('no blank line before the signatures');
  const text = s.slice(0, split + 1);
  const block = s.slice(split + 2);
  if (block.length === 0 || !block.endsWith('\n')) malformed('the signature block must end in a newline');

  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_NOTE_SIGNATURES) malformed(`more than ${MAX_NOTE_SIGNATURES} signatures`);
  const signatures: NoteSignature[] = [];
  for (const line of lines) {
    if (!line.startsWith(SIG_PREFIX)) malformed('a signature line must start with an em dash and a space');
    const rest = line.slice(SIG_PREFIX.length);
    const sp = rest.indexOf(' ');
    if (sp < 0) malformed('a signature line needs a key name and a signature');
    const name = rest.slice(0, sp);
    const raw = fromBase64(rest.slice(sp + 1));
    if (!isValidKeyName(name)) malformed('invalid key name');
    if (!raw || raw.length < 5) malformed('a signature must be base64 of a key ID and signature bytes');
    signatures.push({ name, keyId: raw!.slice(0, 4), signature: raw!.slice(4) });
  }
  return { text, signatures };
}

function sameSignature(a: NoteSignature, b: NoteSignature): boolean {
  return a.name === b.name && equalBytes(a.keyId, b.keyId) && equalBytes(a.signature, b.signature);
}

/**
 * Parses a note and verifies its signatures against `verifiers`. A signature whose key name
 * and key ID both match a verifier must verify, or the whole note is rejected
 * ('note_signature'); signatures from other keys are returned unverified; at least one
 * verifier's signature is required. Repeated signatures by one key are verified, then dropped.
 */
export function openNote(note: string | Uint8Array, verifiers: readonly NoteVerifier[]): OpenedNote {
  const { text, signatures } = parseNote(note);

  const known = verifiers.map((v) => {
    assertKey(v.name, v.publicKey);
    return { name: v.name, id: keyId(v.name, v.publicKey), publicKey: v.publicKey };
  });

  const message = utf8(text);
  const sigs: NoteSignature[] = [];
  const unverifiedSigs: NoteSignature[] = [];
  const verified: NoteSignature[] = [];
  for (const sig of signatures) {
    const matches = known.filter((k) => k.name === sig.name && equalBytes(k.id, sig.keyId));
    const distinct = matches.filter((k, i) => matches.findIndex((m) => equalBytes(m.publicKey, k.publicKey)) === i);
    if (distinct.length === 0) {
      if (!unverifiedSigs.some((u) => sameSignature(u, sig))) unverifiedSigs.push(sig);
      continue;
    }
    if (distinct.length > 1) {
      throw new LedgerError('invalid_verifier_key', `two verifier keys share the name ${sig.name} and key ID ${toHex(sig.keyId)}`);
    }
    // Policy: every signature by a known key is verified, as signed-note says verifiers MUST,
    // even a second one by a key that already signed (sumdb/note skips those unverified).
    if (verified.some((v) => sameSignature(v, sig))) continue;
    if (!verify(sig.signature, message, distinct[0]!.publicKey)) {
      throw new LedgerError('note_signature', `invalid signature by ${sig.name}+${toHex(sig.keyId)}`);
    }
    verified.push(sig);
    if (!sigs.some((v) => v.name === sig.name && equalBytes(v.keyId, sig.keyId))) sigs.push(sig);
  }
  if (sigs.length === 0) {
    throw new LedgerError('note_signature', 'the note has no signature by a known key');
  }
  return { text, sigs, unverifiedSigs };
}
