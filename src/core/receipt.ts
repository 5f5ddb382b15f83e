// c2sp.org/tlog-proof@v1: an offline-verifiable receipt that an entry is in the log, made of
// the entry's index, its RFC 6962 inclusion proof and the log's signed checkpoint, verbatim.
import { fromBase64, toBase64 } from './bytes.ts';
import { openCheckpoint, parseCheckpointBody, parseDecimal, type Checkpoint } from './checkpoint.ts';
import { LedgerError } from './errors.ts';
import { hashLeaf, verifyInclusion } from './merkle.ts';
import { parseNote } from './note.ts';

export const RECEIPT_HEADER = 'c2sp.org/tlog-proof@v1';

/**
 * Policy: at most 64 proof hashes. An inclusion proof in a tree of at most 2^53 leaves has at
 * most 53; the bound keeps a hostile receipt from costing more than that.
 */
export const MAX_PROOF_HASHES = 64;

export interface Receipt {
  /** Zero-based index of the entry in the log (its `seq`). */
  readonly index: number;
  /** The RFC 6962 inclusion proof, from the leaf's sibling up to the root's child. */
  readonly proof: readonly Uint8Array[];
  /** The signed checkpoint note, verbatim, ending in a newline. */
  readonly checkpointNote: string;
  /** Opaque, unauthenticated application data (the `extra` line); absent when undefined. */
  readonly extra?: Uint8Array;
}

export interface VerifiedReceipt {
  readonly index: number;
  readonly checkpoint: Checkpoint;
  /** Unauthenticated: never trust it for anything the leaf hash does not bind. */
  readonly extra?: Uint8Array;
}

export type InclusionVerifier = (
  index: number,
  size: number,
  leafHash: Uint8Array,
  proof: Uint8Array[],
  root: Uint8Array,
) => boolean;

function invalid(why: string): never {
  throw new LedgerError('invalid_receipt', `malformed tlog-proof: ${why}`);
}

/**
 * The receipt text: the header line, an optional `extra <base64>` line, `index <decimal>`, one
 * base64 proof hash per line, an empty line, then the checkpoint note verbatim.
 */
/** The last checkpoint note found well formed: a log formats many receipts under one checkpoint. */
let wellFormedNote: string | undefined;

export function formatReceipt(r: Receipt): string {
  if (!Number.isSafeInteger(r.index) || r.index < 0) invalid('the index must be a non-negative integer');
  if (r.proof.length > MAX_PROOF_HASHES) invalid(`more than ${MAX_PROOF_HASHES} proof hashes`);
  for (const h of r.proof) if (h.length !== 32) invalid('a proof hash is 32 bytes');
  // Syntax only: the reader verifies the signatures.
  if (r.checkpointNote !== wellFormedNote) {
    parseCheckpointBody(parseNote(r.checkpointNote).text);
    wellFormedNote = r.checkpointNote;
  }
  let out = `${RECEIPT_HEADER}\n`;
  if (r.extra !== undefined) out += `extra ${toBase64(r.extra)}\n`;
  out += `index ${r.index}\n`;
  for (const h of r.proof) out += `${toBase64(h)}\n`;
  return `${out}\n${r.checkpointNote}`;
}

/**
 * Parses receipt text without verifying anything: the header, the optional `extra` line, a
 * canonical decimal index, 32-byte proof hashes in canonical base64, the empty line, and a
 * syntactically valid signed checkpoint (signatures unverified). Throws
 * LedgerError('invalid_receipt').
 */
export function parseReceipt(text: string): Receipt {
  if (typeof text !== 'string') invalid('not text');
  let pos = 0;
  const nextLine = (): string => {
    const nl = text.indexOf('\n', pos);
    if (nl < 0) invalid('unexpected end of text');
    const line = text.slice(pos, nl);
    pos = nl + 1;
    return line;
  };
  if (nextLine() !== RECEIPT_HEADER) invalid(`the first line must be ${RECEIPT_HEADER}`);
  let line = nextLine();
  let extra: Uint8Array | undefined;
  if (line.startsWith('extra ')) {
    extra = fromBase64(line.slice('extra '.length));
    if (!extra) invalid('the extra data is not base64');
    line = nextLine();
  }
  if (!line.startsWith('index ')) invalid('expected the index line');
  const index = parseDecimal(line.slice('index '.length));
  if (index === undefined) invalid('the index must be a decimal without leading zeros');
  const proof: Uint8Array[] = [];
  for (line = nextLine(); line !== ''; line = nextLine()) {
    if (proof.length === MAX_PROOF_HASHES) invalid(`more than ${MAX_PROOF_HASHES} proof hashes`);
    const h = fromBase64(line);
    if (!h || h.length !== 32) invalid('a proof line must be base64 of a 32-byte hash');
    proof.push(h);
  }
  const checkpointNote = text.slice(pos);
  try {
    parseCheckpointBody(parseNote(checkpointNote).text);
  } catch (e) {
    invalid(`the rest is not a signed checkpoint (${(e as Error).message})`);
  }
  return extra === undefined ? { index, proof, checkpointNote } : { index, proof, checkpointNote, extra };
}

/** The logged entry, as its leaf bytes or as its RFC 6962 leaf hash SHA-256(0x00 || bytes). */
export type ReceiptSubject = { readonly leaf: Uint8Array } | { readonly leafHash: Uint8Array };

/**
 * Verifies a receipt for `subject` from the log `origin` with Ed25519 key `logPublicKey`, in
 * the order tlog-proof gives: compute the leaf hash, open the checkpoint (origin and log
 * signature; other signatures are ignored), then check the inclusion proof against its root.
 * Throws LedgerError: 'invalid_receipt', the checkpoint's codes from openCheckpoint, or
 * 'inclusion_proof' when the proof does not bind the leaf to the checkpoint.
 */
export function verifyReceipt(
  text: string,
  subject: ReceiptSubject,
  origin: string,
  logPublicKey: Uint8Array,
  verifyInclusionFn: InclusionVerifier = verifyInclusion,
): VerifiedReceipt {
  const r = parseReceipt(text);
  const leafHash = 'leaf' in subject ? hashLeaf(subject.leaf) : subject.leafHash;
  if (leafHash.length !== 32) throw new LedgerError('inclusion_proof', 'a leaf hash is 32 bytes');
  const checkpoint = openCheckpoint(r.checkpointNote, origin, logPublicKey);
  if (r.index >= checkpoint.size) {
    throw new LedgerError('inclusion_proof', `index ${r.index} is not below the tree size ${checkpoint.size}`);
  }
  if (!verifyInclusionFn(r.index, checkpoint.size, leafHash, [...r.proof], checkpoint.root)) {
    throw new LedgerError('inclusion_proof', `entry ${r.index} is not included in the checkpointed tree`);
  }
  return r.extra === undefined ? { index: r.index, checkpoint } : { index: r.index, checkpoint, extra: r.extra };
}
