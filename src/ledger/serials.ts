// Unit serials (GS1 AI 21): accepting a producer's private serial set, telling a genuine serial
// from an invented one, and counting scans without keeping anything about who scanned.
import { createHash, randomBytes } from 'node:crypto';
import { fromBase64, toBase64 } from '../core/bytes.ts';
import { LedgerError } from '../core/errors.ts';
import { isValidSerial } from '../core/gs1.ts';
import { serialHash, serialSetRoot, sortSerialHashes } from '../core/serials.ts';
import { formatTime } from '../core/time.ts';
import { MAX_SERIAL_SET } from './bodies.ts';
import type { BatchRow, Store } from './store.ts';

export interface SerialUpload {
  batch: BatchRow;
  actor: string;
  salt: string;
  hashes: string[];
}

/** Stores a serial set before its serials.issue; returns the commitment to name in the statement. */
export function acceptSerialUpload(store: Store, u: SerialUpload): { root: string; count: number } {
  if (u.batch.producer !== u.actor) throw new LedgerError('not_producer', `only ${u.batch.producer} may issue serials for this batch`);
  const salt = fromBase64(u.salt);
  if (!salt || salt.length !== 16) throw new LedgerError('invalid_request', 'salt must be base64 of 16 bytes');
  if (!Array.isArray(u.hashes) || u.hashes.length < 1 || u.hashes.length > MAX_SERIAL_SET) {
    throw new LedgerError('invalid_request', `hashes must list 1 to ${MAX_SERIAL_SET} serial hashes`);
  }
  const hashes = u.hashes.map((h, i) => {
    const b = typeof h === 'string' ? fromBase64(h) : undefined;
    if (!b || b.length !== 32) throw new LedgerError('invalid_request', `hashes.${i}: must be base64 of 32 bytes`);
    return b;
  });
  if (new Set(u.hashes).size !== hashes.length) throw new LedgerError('invalid_request', 'hashes: a serial is listed twice');
  const sorted = sortSerialHashes(hashes);
  const root = toBase64(serialSetRoot(sorted));
  const existing = store.serialSet(root);
  if (existing) return { root, count: existing.count };
  for (const h of sorted) {
    if (store.serial(h)) throw new LedgerError('duplicate_record', 'a serial of this set already belongs to another set');
  }
  store.putSerialSet({ root, batchId: u.batch.id, salt: u.salt, count: hashes.length, uploadedBy: u.actor, issuedSeq: null }, sorted);
  return { root, count: hashes.length };
}

export interface SerialCheck {
  genuine: boolean;
  /** The entry that issued the serial's set. */
  issuedSeq?: number;
  scans: number;
  firstScanAt: string | null;
  /** Whether this view was counted (false for a repeat from the same client within the window). */
  counted: boolean;
}

/**
 * Short-window de-duplication of scans. Policy: a client (an opaque string, in practice its
 * address) is remembered only as SHA-256(window salt || client || serial), in memory, for one
 * to two windows; the salt is random per window and never stored, so nothing links a scan to
 * a client afterwards, and the address itself is never kept.
 */
export class ScanDeduper {
  #salt = randomBytes(32);
  #previousSalt = randomBytes(32);
  #current = new Set<string>();
  #previous = new Set<string>();
  #windowStart: number;
  readonly #windowMs: number;
  readonly #maxEntries: number;

  constructor(windowMs: number, nowMs: number, maxEntries = 200_000) {
    this.#windowMs = windowMs;
    this.#windowStart = nowMs;
    this.#maxEntries = maxEntries;
  }

  /** True when this client has not viewed this serial within the window. */
  firstView(client: string, serialKey: string, nowMs: number): boolean {
    if (nowMs - this.#windowStart >= this.#windowMs || this.#current.size >= this.#maxEntries) {
      this.#previous = nowMs - this.#windowStart >= 2 * this.#windowMs ? new Set() : this.#current;
      this.#previousSalt = this.#salt;
      this.#current = new Set();
      this.#salt = randomBytes(32);
      this.#windowStart = nowMs;
    }
    const keyOf = (salt: Uint8Array) => createHash('sha256').update(salt).update(client).update('\n').update(serialKey).digest('base64');
    const key = keyOf(this.#salt);
    // The previous window's keys were made with its own salt; the client is also looked up
    // under that salt so a view just before a rotation is not counted again just after it.
    if (this.#current.has(key) || this.#previous.has(keyOf(this.#previousSalt))) return false;
    this.#current.add(key);
    return true;
  }
}

/** Looks a serial up among the batch's issued sets and counts this view unless it is a repeat. */
export function checkSerial(store: Store, batch: BatchRow, serial: string, nowMs: number, count: boolean): SerialCheck {
  if (!isValidSerial(serial)) throw new LedgerError('invalid_serial', 'a serial (GS1 AI 21) is 1–20 characters of the GS1 82-character set');
  for (const set of store.serialSetsFor(batch.id)) {
    if (set.issuedSeq === null) continue;
    const h = serialHash(fromBase64(set.salt)!, serial);
    const row = store.serial(h);
    if (!row) continue;
    const after = count ? store.recordScan(h, formatTime(nowMs))! : row;
    return { genuine: true, issuedSeq: set.issuedSeq, scans: after.scans, firstScanAt: after.firstScanAt, counted: count };
  }
  return { genuine: false, scans: 0, firstScanAt: null, counted: false };
}
