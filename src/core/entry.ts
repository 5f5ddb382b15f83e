// lotproof SPEC §2: log entries, their leaf bytes (UTF-8 of JCS(entry)) and the hash chain.
import { canonicalBytes, canonicalJson } from './jcs.ts';
import { utf8 } from './bytes.ts';
import { sha256 } from './hash.ts';
import type { Statement } from './statement.ts';

export const MAX_LEAF_BYTES = 65_535;
/** `prev` of entry 0: base64 of 32 zero bytes. */
export const ZERO_HASH_B64 = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

export interface Entry {
  v: 1;
  seq: number;
  /** base64 SHA-256 of the previous entry's leaf bytes. */
  prev: string;
  loggedAt: string;
  statement: Statement;
  sig: string;
}

export function entryLeafBytes(entry: Entry): Uint8Array {
  return canonicalBytes(entry);
}

/**
 * The same leaf bytes, reusing the statement's JCS text: the sequencer builds one per entry.
 * RFC 8785 sorts an object's members by key and canonicalises each value on its own, so the
 * entry's JCS is its members written in the order loggedAt, prev, seq, sig, statement, v. A
 * well-formed string's JCS form is what JSON.stringify writes (RFC 8785 §3.2.2.2), and an
 * integer's is its decimal digits; anything else is refused as canonicalJson refuses it.
 * Pinned against entryLeafBytes by property tests.
 */
export function entryLeafBytesWithStatementJcs(entry: Omit<Entry, 'statement'>, statementJcs: string): Uint8Array {
  const { v, seq, prev, loggedAt, sig } = entry;
  if (!Number.isSafeInteger(seq) || !loggedAt.isWellFormed() || !prev.isWellFormed() || !sig.isWellFormed()) {
    return utf8(entryLeafJcsSlow(entry, statementJcs));
  }
  return utf8(`{"loggedAt":${JSON.stringify(loggedAt)},"prev":${JSON.stringify(prev)},"seq":${seq},"sig":${JSON.stringify(sig)},"statement":${statementJcs},"v":${v}}`);
}

/** The general form: canonicalJson of the other members, which also refuses what JCS cannot write. */
function entryLeafJcsSlow(entry: Omit<Entry, 'statement'>, statementJcs: string): string {
  const { v, seq, prev, loggedAt, sig } = entry;
  const rest = canonicalJson({ v, seq, prev, loggedAt, sig });
  const tail = `"v":${v}}`;
  if (!rest.endsWith(tail)) throw new Error('entry members out of the expected order');
  return `${rest.slice(0, -tail.length)}"statement":${statementJcs},${tail}`;
}

/** SHA-256 of the leaf bytes: what the next entry's `prev` names and what `hash` answers carry. */
export function entryHash(leaf: Uint8Array): Uint8Array {
  return sha256(leaf);
}
