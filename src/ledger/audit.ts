// Auditing a lotproof log from the outside (SPEC §2–§4): its leaves re-verified one by one in log
// order, the RFC 6962 root recomputed with a streaming frontier (RFC 9162 §2.1), and the signed
// checkpoints (c2sp.org/tlog-checkpoint) checked against it. Pure: no storage, network or clock,
// so the command line, offline bundles and the shopper's browser can all run the same checks.
import { equalBytes, fromUtf8, isBase64Of, toBase64 } from '../core/bytes.ts';
import { openCheckpoint, type Checkpoint } from '../core/checkpoint.ts';
import { ZERO_HASH_B64, MAX_LEAF_BYTES, entryHash } from '../core/entry.ts';
import { InvariantError, LedgerError } from '../core/errors.ts';
import { canonicalBytes } from '../core/jcs.ts';
import { Frontier, hashLeaf, verifyConsistency } from '../core/merkle.ts';
import { parseVerifierKey } from '../core/note.ts';
import { verifySubmission, type Statement, type Submission } from '../core/statement.ts';
import { parseTime } from '../core/time.ts';
import { statementSchema } from './bodies.ts';
import { applyStatement, checkBody, checkSigner } from './rules.ts';
import type { ActorRow, LedgerTx } from './store.ts';

/**
 * What the auditor does not check: the record-level rules depend on projections (batches,
 * holdings, shipments, every nonce) that would make its memory grow with the log.
 */
export const AUDIT_NOT_REPLAYED = [
  'holdings and quantities',
  "record-level rules (a batch's producer, its current holder, a shipment's recipient, a record's own signer)",
  'nonce uniqueness of record statements and the time skew window at acceptance',
] as const;

/** A verification failure: the first index found bad (null when no entry is to blame) and why. */
export class AuditFailure extends LedgerError {
  readonly index: number | null;
  constructor(code: string, index: number | null, reason: string) {
    super(code, index === null ? reason : `entry ${index}: ${reason}`, { index });
    this.name = 'AuditFailure';
    this.index = index;
  }
}

/**
 * What a caller verified about one leaf before handing it to LogVerifier.push (the CLI does it
 * on worker threads, src/cli/audit-pool.ts): that the leaf bytes are the JCS (RFC 8785) form of
 * their JSON, that its statement's signature verifies under the statement's `pub`, and the two
 * hashes below. The order-dependent checks (seq, prev chain, time order, role replay, the root)
 * and the comparison with the log's hash tile are always push's own.
 */
export interface CheckedLeaf {
  /** The RFC 6962 leaf hash, SHA-256(0x00 || leaf). */
  readonly leafHash: Uint8Array;
  /** SHA-256 of the leaf bytes: what the next entry's prev names. */
  readonly entryHash: Uint8Array;
}

/** The log's identity as an auditor pins it: the origin and the Ed25519 checkpoint key. */
export interface LogIdentity {
  readonly origin: string;
  /** The C2SP verifier key string (SPEC §4); its key name is the origin. */
  readonly logKey: string;
  readonly publicKey: Uint8Array;
}

/** Parses a verifier key string into the identity it pins. Throws AuditFailure `invalid_key`. */
export function logIdentity(verifierKey: string): LogIdentity {
  try {
    const k = parseVerifierKey(verifierKey.trim());
    return { origin: k.name, logKey: verifierKey.trim(), publicKey: k.publicKey };
  } catch (e) {
    throw new AuditFailure('invalid_key', null, `the log key is not a C2SP Ed25519 verifier key: ${(e as Error).message}`);
  }
}

/** Opens a signed checkpoint with the pinned key. Throws AuditFailure `checkpoint_signature`. */
export function openLogCheckpoint(note: string, id: LogIdentity, what = 'the checkpoint'): Checkpoint {
  try {
    return openCheckpoint(note, id.origin, id.publicKey);
  } catch (e) {
    throw new AuditFailure('checkpoint_signature', null, `${what} does not verify under ${id.logKey}: ${(e as Error).message}`);
  }
}

/** A tree the auditor holds to: a checkpoint it verified earlier, or one in a bundle. */
export interface ExpectedTree {
  readonly size: number;
  readonly root: Uint8Array;
  /** The tree's perfect-subtree roots, largest first (Frontier.peaks); lets a fork be located. */
  readonly peaks?: readonly Uint8Array[];
  /** How the failure message names it, e.g. "the checkpoint verified before". */
  readonly label: string;
}

/**
 * Checks that the tree of `newer` extends `older` with the log's consistency proof (RFC 9162
 * §2.1.4). Throws AuditFailure: `log_shrank` or `inconsistent_checkpoint`.
 */
export function checkConsistency(older: ExpectedTree, newer: Checkpoint, proof: Uint8Array[]): void {
  if (newer.size < older.size) {
    throw new AuditFailure(
      'log_shrank',
      newer.size,
      `the log now has ${newer.size} entries, but ${older.label} had ${older.size}: entries were removed`,
    );
  }
  if (!verifyConsistency(older.size, newer.size, older.root, newer.root, proof)) {
    throw new AuditFailure(
      'inconsistent_checkpoint',
      null,
      `the checkpoint of size ${newer.size} is not consistent with ${older.label} (size ${older.size}, root ${toBase64(older.root)}): the log forked or rewrote its history`,
    );
  }
}

/** The peaks' subtree ranges for a tree of `size`, largest first, as [start, end) pairs. */
function peakRanges(size: number): [number, number][] {
  const out: [number, number][] = [];
  let pos = 0;
  for (let level = 52; level >= 0; level--) {
    const span = 2 ** level;
    if (Math.floor(size / span) % 2 === 1) {
      out.push([pos, pos + span]);
      pos += span;
    }
  }
  return out;
}

/**
 * The actor projection the role rules read, kept in memory (it grows with the number of actors,
 * not of entries). Only log.init and actor administration reach applyStatement, so every other
 * write it could make is unreachable here and refused loudly.
 */
function actorReplay(): { tx: LedgerTx; actors: Map<string, ActorRow> } {
  const actors = new Map<string, ActorRow>();
  const nonces = new Set<string>();
  const replayed: Partial<LedgerTx> = {
    actor: (id) => actors.get(id),
    addNonce: (actor, nonce) => {
      const k = `${actor}\n${nonce}`;
      if (nonces.has(k)) return false;
      nonces.add(k);
      return true;
    },
    insertActor: (row) => void actors.set(row.id, { ...row }),
    setActorKey: (id, pub) => {
      const a = actors.get(id);
      if (a) a.pub = pub;
    },
    revokeActor: (id, seq) => {
      const a = actors.get(id);
      if (a) {
        a.pub = null;
        a.revokedSeq = seq;
      }
    },
    atomically: (fn) => fn(),
  };
  // Any other member of LedgerTx, present or future, is a broken invariant if ever reached.
  const tx = new Proxy(replayed, {
    get(target, prop) {
      const own = Reflect.get(target, prop) as unknown;
      if (own !== undefined || typeof prop !== 'string') return own;
      return () => {
        throw new InvariantError(`the auditor replays actor administration only, not ${prop}`);
      };
    },
  }) as LedgerTx;
  return { tx, actors };
}

const ENTRY_KEYS = ['loggedAt', 'prev', 'seq', 'sig', 'statement', 'v'];

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/**
 * Verifies a log's leaves in order, holding only the Merkle frontier, the previous leaf's hash
 * and the actor projection, so its memory stays bounded however long the log. Each method
 * throws AuditFailure at the first problem; after one, the verifier must not be used again.
 */
export class LogVerifier {
  readonly id: LogIdentity;
  readonly #frontier = new Frontier();
  readonly #replay = actorReplay();
  #prevHash: string = ZERO_HASH_B64;
  #lastLoggedMs = -Infinity;
  /** Expected trees by size, checked when the frontier reaches each size. */
  readonly #expected = new Map<number, ExpectedTree[]>();
  /** Peak boundaries of expected trees, checked as soon as each subtree is complete. */
  readonly #peakChecks = new Map<number, { tree: ExpectedTree; peak: number; start: number }[]>();
  #failed = false;

  constructor(id: LogIdentity) {
    this.id = id;
  }

  /** Number of leaves verified so far. */
  get size(): number {
    return this.#frontier.size;
  }

  root(): Uint8Array {
    return this.#frontier.root();
  }

  peaks(): Uint8Array[] {
    return this.#frontier.peaks();
  }

  /**
   * Holds the leaves to a tree: when the frontier reaches `tree.size` its root must equal
   * `tree.root`, and, if peaks are given, each perfect subtree must equal its peak as soon as it
   * is complete, which locates a rewritten history to the first subtree that differs.
   */
  expect(tree: ExpectedTree): void {
    if (tree.size < this.size) throw new InvariantError(`cannot expect a tree of size ${tree.size} after ${this.size} leaves`);
    if (tree.peaks) {
      const ranges = peakRanges(tree.size);
      if (ranges.length !== tree.peaks.length) {
        throw new AuditFailure('invalid_state', null, `${tree.label} has ${tree.peaks.length} subtree hashes; a tree of size ${tree.size} has ${ranges.length}`);
      }
      const f = new Frontier(tree.size, [...tree.peaks]);
      if (!equalBytes(f.root(), tree.root)) {
        throw new AuditFailure('invalid_state', null, `the subtree hashes of ${tree.label} do not hash to its root`);
      }
      ranges.forEach(([start, end], peak) => {
        if (end <= this.size) return;
        const list = this.#peakChecks.get(end) ?? [];
        list.push({ tree, peak, start });
        this.#peakChecks.set(end, list);
      });
    }
    if (tree.size === this.size) {
      this.#checkTree(tree);
      return;
    }
    const list = this.#expected.get(tree.size) ?? [];
    list.push(tree);
    this.#expected.set(tree.size, list);
  }

  #checkTree(tree: ExpectedTree): void {
    const root = this.#frontier.root();
    if (!equalBytes(root, tree.root)) {
      throw new AuditFailure(
        'root_mismatch',
        tree.size === 0 ? null : tree.size - 1,
        `the first ${tree.size} entries hash to the root ${toBase64(root)}, but ${tree.label} has ${toBase64(tree.root)}`,
      );
    }
  }

  #fail(code: string, index: number, reason: string): never {
    this.#failed = true;
    throw new AuditFailure(code, index, reason);
  }

  /**
   * Verifies the next leaf, at index `size`. `leafHash`, when the log served one (its level-0
   * hash tile), must be the leaf's RFC 6962 hash: a log that serves one entry to readers and
   * commits to another in its tree is caught at that entry. `checked`, when given, is what a
   * caller already verified about this leaf elsewhere (see CheckedLeaf); only the rest is done
   * here. A leaf without it is checked in full.
   */
  push(leaf: Uint8Array, leafHash?: Uint8Array, checked?: CheckedLeaf): void {
    if (this.#failed) throw new InvariantError('the verifier already found a problem');
    const i = this.size;
    const fail: (code: string, reason: string) => never = (code, reason) => this.#fail(code, i, reason);

    if (leaf.length > MAX_LEAF_BYTES) fail('leaf_too_large', `the leaf is ${leaf.length} bytes, more than ${MAX_LEAF_BYTES}`);
    let entry: unknown;
    try {
      entry = JSON.parse(fromUtf8(leaf));
    } catch {
      fail('leaf_not_json', 'the leaf is not UTF-8 JSON');
    }
    if (!checked) {
      let canonical: Uint8Array | undefined;
      try {
        canonical = canonicalBytes(entry);
      } catch {
        canonical = undefined;
      }
      if (!canonical || !equalBytes(canonical, leaf)) fail('leaf_not_canonical', 'the leaf bytes are not the JCS (RFC 8785) form of the entry');
    }
    if (!isPlainObject(entry)) return fail('invalid_entry', 'the entry is not a JSON object');
    const keys = Object.keys(entry).sort();
    if (keys.length !== ENTRY_KEYS.length || keys.some((k, n) => k !== ENTRY_KEYS[n])) {
      fail('invalid_entry', `the entry must have exactly the fields ${ENTRY_KEYS.join(', ')}`);
    }
    if (entry.v !== 1) fail('invalid_entry', 'v is not 1');
    if (entry.seq !== i) fail('seq_mismatch', `seq is ${JSON.stringify(entry.seq)}, expected ${i}`);
    if (entry.prev !== this.#prevHash) {
      fail('prev_mismatch', i === 0 ? 'prev is not 32 zero bytes' : `prev does not match entry ${i - 1}'s hash`);
    }
    const loggedMs = parseTime(entry.loggedAt);
    if (loggedMs === undefined) fail('invalid_entry', 'loggedAt is not an RFC 3339 UTC time with milliseconds');
    if (loggedMs < this.#lastLoggedMs) fail('time_went_back', `loggedAt ${String(entry.loggedAt)} is before entry ${i - 1}'s`);

    const parsed = statementSchema.safeParse(entry.statement);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      fail('invalid_statement', `statement.${issue.path.join('.')}: ${issue.message}`);
    }
    const st = entry.statement as Statement;
    // A checked leaf's signature verified, so its sig is already known to be base64 of 64 bytes.
    if (!checked && !isBase64Of(entry.sig, 64)) fail('invalid_entry', 'sig is not base64 of 64 bytes');
    try {
      checkBody(st.type, st.body);
    } catch (e) {
      fail('invalid_body', `${st.type} ${(e as Error).message}`);
    }
    // A caller may verify signatures ahead, in parallel (the CLI does, on worker threads with
    // OpenSSL); otherwise they are verified here with noble.
    if (!checked && !verifySubmission({ statement: st, sig: entry.sig } as Submission)) {
      fail('bad_signature', `the statement signature does not verify under its pub (${st.actor}, ${st.type})`);
    }
    this.#replayRoles(i, st, fail);

    const hash = checked?.leafHash ?? hashLeaf(leaf);
    if (leafHash !== undefined && !equalBytes(leafHash, hash)) {
      fail('leaf_hash_mismatch', "the leaf served does not hash to the leaf hash in the log's hash tile: the log serves an entry its tree does not commit to");
    }

    this.#prevHash = toBase64(checked?.entryHash ?? entryHash(leaf));
    this.#lastLoggedMs = loggedMs;
    this.#frontier.append(hash);
    this.#afterAppend();
  }

  #replayRoles(i: number, st: Statement, fail: (code: string, reason: string) => never): void {
    const { tx } = this.#replay;
    if (i === 0) {
      if (st.type !== 'log.init') fail('invalid_log_init', `entry 0 must be log.init, not ${st.type}`);
      const b = st.body as { origin: string; operator: { pub: string }; logKey: string };
      if (st.actor !== 'operator' || b.operator.pub !== st.pub) fail('invalid_log_init', 'log.init must be signed by the operator key it names');
      if (b.origin !== this.id.origin) fail('invalid_log_init', `log.init names the origin ${JSON.stringify(b.origin)}, not ${JSON.stringify(this.id.origin)}`);
      if (b.logKey !== this.id.logKey) fail('invalid_log_init', `log.init names the log key ${b.logKey}, not ${this.id.logKey}`);
    }
    try {
      if (i === 0 || st.type === 'log.init' || st.type.startsWith('actor.')) applyStatement(tx, st, { seq: i });
      else checkSigner(tx, st);
    } catch (e) {
      if (!(e instanceof LedgerError)) throw e;
      fail('signer_not_allowed', `${st.type} by ${st.actor} breaks the role rules: ${e.code}: ${e.message}`);
    }
  }

  #afterAppend(): void {
    const size = this.size;
    const peaks = this.#peakChecks.get(size);
    if (peaks) {
      this.#peakChecks.delete(size);
      // At a boundary of the expected tree's peaks, the frontier's peaks are a prefix of them.
      const mine = this.#frontier.peaks();
      for (const { tree, peak, start } of peaks) {
        if (!equalBytes(mine[peak]!, tree.peaks![peak]!)) {
          this.#failed = true;
          throw new AuditFailure(
            'history_rewritten',
            start,
            `entries ${start} to ${size - 1} are not the ones in ${tree.label} (size ${tree.size}): the log forked or rewrote its history at or after entry ${start}`,
          );
        }
      }
    }
    const trees = this.#expected.get(size);
    if (trees) {
      this.#expected.delete(size);
      try {
        for (const t of trees) this.#checkTree(t);
      } catch (e) {
        this.#failed = true;
        throw e;
      }
    }
  }
}
