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
 * The same leaf bytes, reusing the statement's JCS text. RFC 8785 canonicalises each member
 * value on its own and sorts members by key, and "statement" sorts between "sig" and "v", so
 * the entry's JCS is its other members' JCS with `"statement":<JCS(statement)>,` put before
 * `"v":1}`. Pinned against entryLeafBytes by a property test.
 */
export function entryLeafBytesWithStatementJcs(entry: Omit<Entry, 'statement'>, statementJcs: string): Uint8Array {
  const { v, seq, prev, loggedAt, sig } = entry;
  const rest = canonicalJson({ v, seq, prev, loggedAt, sig });
  const tail = `"v":${v}}`;
  if (!rest.endsWith(tail)) throw new Error('entry members out of the expected order');
  return utf8(`${rest.slice(0, -tail.length)}"statement":${statementJcs},${tail}`);
}

/** SHA-256 of the leaf bytes: what the next entry's `prev` names and what `hash` answers carry. */
export function entryHash(leaf: Uint8Array): Uint8Array {
  return sha256(leaf);
}
