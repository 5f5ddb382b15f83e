// c2sp.org/tlog-checkpoint: the signed tree head, a c2sp.org/signed-note whose text is the
// origin line, the decimal tree size, the base64 root hash and optional extension lines.
// lotproof SPEC §4: the log signs with Ed25519 under the key name equal to its origin.
import { fromBase64, toBase64 } from './bytes.ts';
import type { KeyPair } from './ed25519.ts';
import { LedgerError } from './errors.ts';
import { openNote, signNote } from './note.ts';

export interface Checkpoint {
  /** The log's identity, e.g. `lotproof.example/log`. */
  readonly origin: string;
  /** The number of leaves in the tree. */
  readonly size: number;
  /** The 32-byte RFC 6962 Merkle tree hash at `size`. */
  readonly root: Uint8Array;
  /** Opaque non-empty lines after the root; tlog-checkpoint recommends against using them. */
  readonly extensions?: readonly string[];
}

const DECIMAL_RE = /^(?:0|[1-9][0-9]*)$/;
// A line holds no newline and, as note text, no other control character.
const CONTROL_RE = /[\u0000-\u001f]/;

function invalid(why: string): never {
  throw new LedgerError('invalid_checkpoint', `malformed checkpoint: ${why}`);
}

/**
 * Parses a canonical non-negative decimal (no sign, no leading zeros). Policy: values above
 * Number.MAX_SAFE_INTEGER are refused, since lotproof counts leaves in JavaScript numbers.
 */
export function parseDecimal(s: string): number | undefined {
  if (!DECIMAL_RE.test(s) || s.length > 16) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** The checkpoint note text: each line, the last included, ends in a newline. */
export function formatCheckpointBody(cp: Checkpoint): string {
  if (typeof cp.origin !== 'string' || cp.origin.length === 0 || CONTROL_RE.test(cp.origin)) {
    invalid('the origin must be a non-empty line');
  }
  if (!Number.isSafeInteger(cp.size) || cp.size < 0) invalid('the size must be a non-negative integer');
  if (!(cp.root instanceof Uint8Array) || cp.root.length !== 32) invalid('the root hash must be 32 bytes');
  const ext = cp.extensions ?? [];
  for (const line of ext) {
    if (typeof line !== 'string' || line.length === 0 || CONTROL_RE.test(line)) {
      invalid('an extension line must be a non-empty line');
    }
  }
  return [cp.origin, String(cp.size), toBase64(cp.root), ...ext].map((l) => `${l}\n`).join('');
}

/**
 * Parses checkpoint note text strictly: at least three lines, each ending in a newline, a
 * non-empty origin, a canonical decimal size, a canonical base64 32-byte root, and non-empty
 * extension lines. The result carries `extensions` only when there are some.
 */
export function parseCheckpointBody(text: string): Checkpoint {
  if (typeof text !== 'string' || !text.endsWith('\n')) invalid('the text must end in a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) invalid('expected origin, size and root hash lines');
  const [origin, sizeLine, rootLine, ...extensions] = lines as [string, string, string, ...string[]];
  if (origin.length === 0 || CONTROL_RE.test(origin)) invalid('the origin must be a non-empty line');
  const size = parseDecimal(sizeLine);
  if (size === undefined) invalid('the size must be a decimal without leading zeros');
  const root = fromBase64(rootLine);
  if (!root || root.length !== 32) invalid('the root hash must be base64 of 32 bytes');
  for (const line of extensions) {
    if (line.length === 0 || CONTROL_RE.test(line)) invalid('extension lines must be non-empty');
  }
  return extensions.length > 0 ? { origin, size, root, extensions } : { origin, size, root };
}

/** The signed checkpoint note, signed by `key` under `name` (SPEC §4: the origin). */
export function signCheckpoint(cp: Checkpoint, key: KeyPair, name: string = cp.origin): string {
  return signNote(formatCheckpointBody(cp), name, key);
}

/**
 * Verifies a signed checkpoint from the log `origin` and returns its contents. The note must
 * carry a valid Ed25519 signature by `publicKey` under `keyName` (by default the origin, as
 * SPEC §4 fixes); other signatures, such as witness cosignatures, are ignored. Throws
 * LedgerError 'invalid_note' or 'note_signature' for the note, 'invalid_checkpoint' for the
 * text or a different origin.
 */
export function openCheckpoint(
  note: string | Uint8Array,
  origin: string,
  publicKey: Uint8Array,
  keyName: string = origin,
): Checkpoint {
  const opened = openNote(note, [{ name: keyName, publicKey }]);
  const cp = parseCheckpointBody(opened.text);
  if (cp.origin !== origin) invalid(`origin ${JSON.stringify(cp.origin)} is not ${JSON.stringify(origin)}`);
  return cp;
}
