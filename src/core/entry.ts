// lotproof SPEC §2: log entries, their leaf bytes (UTF-8 of JCS(entry)) and the hash chain.
import { canonicalBytes } from './jcs.ts';
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

/** SHA-256 of the leaf bytes: what the next entry's `prev` names and what `hash` answers carry. */
export function entryHash(leaf: Uint8Array): Uint8Array {
  return sha256(leaf);
}
