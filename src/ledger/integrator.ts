// Integration: adding sequenced leaves to the RFC 6962 Merkle tree (RFC 9162 §2.1) and signing
// C2SP checkpoints (c2sp.org/tlog-checkpoint), apart from sequencing as tessera does. The log
// never signs a checkpoint it has not first proved consistent with the last one it signed.
import { equalBytes, toBase64 } from '../core/bytes.ts';
import { signCheckpoint } from '../core/checkpoint.ts';
import type { KeyPair } from '../core/ed25519.ts';
import { InvariantError } from '../core/errors.ts';
import {
  consistencyProof,
  HASH_SIZE,
  inclusionProof,
  type SubtreeMemo,
  Frontier,
  hashLeaf,
  rootAt,
  verifyConsistency,
  type NewNode,
  type NodeReader,
} from '../core/merkle.ts';
import { formatTime } from '../core/time.ts';
import type { Clock } from './clock.ts';
import type { CheckpointRow, Store } from './store.ts';

/**
 * Policy: tree nodes at and above this level are kept in memory (NodeCache): every inclusion and
 * consistency proof crosses them, so a proof reads at most one stored node per level below it.
 * Memory: about n/8 nodes of 33 bytes for n leaves, so 4 to 8 MB per 1,000,000 entries.
 */
const CACHED_FROM_LEVEL = 4;

/**
 * Complete tree nodes at levels >= `from`, kept once read or written. A stored node never
 * changes (only complete subtrees are stored, append-only), so nothing is ever invalidated. One
 * flat buffer of hashes per level and a byte per node saying whether it is there.
 */
class NodeCache {
  readonly #from: number;
  readonly #hashes: Uint8Array[] = [];
  readonly #present: Uint8Array[] = [];

  constructor(from: number) {
    this.#from = from;
  }

  get(level: number, index: number): Uint8Array | undefined {
    if (level < this.#from || this.#present[level]?.[index] !== 1) return undefined;
    return this.#hashes[level]!.subarray(index * HASH_SIZE, (index + 1) * HASH_SIZE);
  }

  set(level: number, index: number, hash: Uint8Array): void {
    if (level < this.#from) return;
    let present = this.#present[level] ?? new Uint8Array(0);
    if (index >= present.length) {
      const n = Math.max(index + 1, present.length * 2, 1024);
      const grown = new Uint8Array(n);
      grown.set(present);
      const hashes = new Uint8Array(n * HASH_SIZE);
      hashes.set(this.#hashes[level] ?? new Uint8Array(0));
      this.#present[level] = present = grown;
      this.#hashes[level] = hashes;
    }
    this.#hashes[level]!.set(hash, index * HASH_SIZE);
    present[index] = 1;
  }
}

/** Policy: how many right-edge subtree hashes the integrator keeps for proofs (about 50 bytes each). */
const MEMO_RANGES = 4096;

/** A group's part of the tree, written inside its transaction and adopted once that commits. */
export interface StagedGroup {
  readonly next: Frontier;
  readonly nodes: NewNode[];
}

export class Integrator {
  readonly #store: Store;
  readonly #memo: SubtreeMemo = new Map();
  /** The tree of the durable entries: what proofs, roots and checkpoints see. */
  #frontier: Frontier;
  /** That tree and the groups committed since, whose sync has not finished. */
  #staged: Frontier;
  /** The staged tree after each of those groups, oldest first. */
  #unsynced: Frontier[] = [];
  readonly #cache: NodeCache;
  readonly read: NodeReader;

  constructor(store: Store) {
    this.#store = store;
    const cache = new NodeCache(CACHED_FROM_LEVEL);
    this.#cache = cache;
    this.read = (level, index) => {
      const hit = cache.get(level, index);
      if (hit) return hit;
      const h = store.treeNode(level, index);
      if (!h) throw new InvariantError(`tree node ${level}/${index} is missing from the store`);
      cache.set(level, index, h);
      return h;
    };
    this.#frontier = this.#staged = store.snapshot(() => Frontier.fromReader(store.treeSize(), this.read));
  }

  /** Leaves in the tree of durable entries. */
  get size(): number {
    return this.#frontier.size;
  }

  /**
   * The inclusion proof of leaf `index` in the tree of `size` leaves (size ≤ this.size), read
   * as one snapshot. Proofs into one size share the hashes of its right edge's incomplete
   * subtrees; they are kept (a few per size, at most MEMO_RANGES in all), as they never change.
   */
  inclusionProof(index: number, size: number): Uint8Array[] {
    if (this.#memo.size > MEMO_RANGES) this.#memo.clear();
    return this.#store.snapshot(() => inclusionProof(index, size, this.read, this.#memo));
  }

  root(): Uint8Array {
    return this.#frontier.root();
  }

  /**
   * Adds a group's leaves (their leaf bytes) to the staged tree and writes the new nodes. Runs
   * inside the sequencer's write transaction, so the nodes commit with the group's entries or
   * not at all, and reach the disk with the same sync; one transaction per group instead of a
   * second one for the tree. Nothing changes here until `staged` says the transaction committed.
   */
  stage(firstSeq: number, leaves: Uint8Array[]): StagedGroup {
    if (firstSeq !== this.#staged.size) {
      throw new InvariantError(`integration out of order: tree has ${this.#staged.size} leaves, got leaf ${firstSeq}`);
    }
    const next = new Frontier(this.#staged.size, this.#staged.peaks());
    const nodes: NewNode[] = [];
    for (const leaf of leaves) for (const n of next.append(hashLeaf(leaf))) nodes.push(n);
    this.#store.putTreeNodes(nodes);
    return { next, nodes };
  }

  /** The transaction that wrote `group` committed. Its nodes are cached: stored nodes never change. */
  staged(group: StagedGroup): void {
    for (const n of group.nodes) this.#cache.set(n.level, n.index, n.hash);
    this.#staged = group.next;
    this.#unsynced.push(group.next);
  }

  /** The log's first `size` entries are durable: the tree grows to the last staged group within them. */
  advance(size: number): void {
    while (this.#unsynced.length > 0 && this.#unsynced[0]!.size <= size) this.#frontier = this.#unsynced.shift()!;
  }

  /**
   * Adds leaves at the end of the tree in a transaction of their own, with nothing staged. If
   * the store refuses the write (disk full, read-only), the tree stays as it was and the error
   * propagates.
   */
  integrate(firstSeq: number, leaves: Uint8Array[]): void {
    if (this.#unsynced.length > 0) throw new InvariantError('integration with groups still staged');
    const group = this.stage(firstSeq, leaves);
    this.staged(group);
    this.advance(group.next.size);
  }

  /**
   * Integrates the stored entries the tree does not hold: at start-up, after a log written by
   * a version that stored the tree apart from the entries stopped between the two.
   */
  catchUp(logSize: number, chunk = 4096): void {
    while (this.#frontier.size < logSize) {
      const start = this.#frontier.size;
      this.integrate(start, this.#store.leaves(start, Math.min(logSize, start + chunk)));
    }
  }
}

export interface CheckpointerOptions {
  origin: string;
  logKey: KeyPair;
  clock: Clock;
  /** Most milliseconds between an entry's integration and the checkpoint that covers it. */
  intervalMs: number;
  /** Called after each checkpoint is stored, with how long its oldest new entry waited. */
  onSigned?: (row: CheckpointRow, delayMs: number | undefined) => void;
  /** Runs the timer's signing, deciding what a failure means (fatal, or retried). */
  guard?: (fn: () => void) => void;
}

export class Checkpointer {
  readonly #store: Store;
  readonly #integrator: Integrator;
  readonly #opts: CheckpointerOptions;
  #latest: CheckpointRow | undefined;
  #timer: NodeJS.Timeout | undefined;
  #waiters: { size: number; resolve: (cp: CheckpointRow) => void }[] = [];
  /** When the oldest entry not yet covered by a checkpoint was integrated. */
  #pendingSince: number | undefined;

  constructor(store: Store, integrator: Integrator, opts: CheckpointerOptions) {
    this.#store = store;
    this.#integrator = integrator;
    this.#opts = opts;
    this.#latest = store.latestCheckpoint();
  }

  get latest(): CheckpointRow | undefined {
    return this.#latest;
  }

  /** When the oldest entry not yet covered by a checkpoint was integrated; undefined if none waits. */
  get pendingSince(): number | undefined {
    return this.#pendingSince;
  }

  /**
   * Checks that the stored tree still has the root of the last signed checkpoint. A mismatch
   * means the log's own files disagree with what it signed: fatal, never repaired silently.
   */
  verifyStored(): void {
    const cp = this.#latest;
    if (!cp) return;
    if (this.#integrator.size < cp.size) {
      throw new InvariantError(`the tree has ${this.#integrator.size} leaves but checkpoint ${cp.size} was signed`);
    }
    const root = rootAt(cp.size, this.#integrator.read);
    if (!equalBytes(root, cp.root)) {
      throw new InvariantError(`the stored tree at size ${cp.size} has root ${toBase64(root)}, not the signed ${toBase64(cp.root)}`);
    }
  }

  /** Schedules a checkpoint within the interval, if the tree grew and none is pending. */
  schedule(): void {
    if (this.#integrator.size === (this.#latest?.size ?? 0)) return;
    this.#pendingSince ??= this.#opts.clock.now();
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      const guard = this.#opts.guard ?? ((fn: () => void) => fn());
      guard(() => this.signNow());
    }, this.#opts.intervalMs);
  }

  /** Resolves once a checkpoint covering `size` leaves is signed. */
  waitFor(size: number): Promise<CheckpointRow> {
    if (this.#latest && this.#latest.size >= size) return Promise.resolve(this.#latest);
    return new Promise((resolve) => {
      this.#waiters.push({ size, resolve });
      this.schedule();
    });
  }

  /** Signs a checkpoint of the current tree, if it grew, after proving it consistent. */
  signNow(): CheckpointRow | undefined {
    const size = this.#integrator.size;
    const old = this.#latest;
    if (old && size === old.size) return old;
    if (old && size < old.size) throw new InvariantError(`the tree shrank from ${old.size} to ${size}`);
    const root = this.#integrator.root();
    const stored = rootAt(size, this.#integrator.read);
    if (!equalBytes(root, stored)) throw new InvariantError(`the stored tree disagrees with the in-memory tree at size ${size}`);
    if (old) {
      const proof = consistencyProof(old.size, size, this.#integrator.read);
      if (!verifyConsistency(old.size, size, old.root, root, proof)) {
        throw new InvariantError(`the tree at size ${size} is not consistent with checkpoint ${old.size}: refusing to sign a split view`);
      }
    }
    const note = signCheckpoint({ origin: this.#opts.origin, size, root }, this.#opts.logKey);
    const row: CheckpointRow = { size, root, note, signedAt: formatTime(this.#opts.clock.now()) };
    this.#store.putCheckpoint(row);
    this.#latest = row;
    const delay = this.#pendingSince === undefined ? undefined : this.#opts.clock.now() - this.#pendingSince;
    this.#pendingSince = undefined;
    this.#opts.onSigned?.(row, delay);
    const ready = this.#waiters.filter((w) => w.size <= size);
    this.#waiters = this.#waiters.filter((w) => w.size > size);
    for (const w of ready) w.resolve(row);
    return row;
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
