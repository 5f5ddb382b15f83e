// Sequencing: the single writer that assigns `seq`, `prev` and `loggedAt` (SPEC §2) and makes
// accepted statements durable. Submissions queue up and are committed in groups: one SQLite
// transaction for many entries (group commit). A committed group waits for a store sync (one
// fsync for every group committed before it started) and only then is acknowledged and handed
// on; meanwhile the next groups commit, so the thread never idles on the disk. A group's Merkle
// tree nodes are written in its own transaction (the `stage` hook), but the tree that proofs
// and checkpoints see grows only when the group is acknowledged: as transparency-dev/tessera
// separates integration from sequencing, every signed checkpoint holds only durable entries.
import { toBase64 } from '../core/bytes.ts';
import { entryHash, entryLeafBytes, entryLeafBytesWithStatementJcs, MAX_LEAF_BYTES, type Entry } from '../core/entry.ts';
import { InvariantError, LedgerError } from '../core/errors.ts';
import type { Submission } from '../core/statement.ts';
import { formatTime } from '../core/time.ts';
import type { Clock } from './clock.ts';
import { applyStatement } from './rules.ts';
import type { Store } from './store.ts';

export interface Appended {
  seq: number;
  /** SHA-256 of the leaf bytes. */
  hash: Uint8Array;
  leaf: Uint8Array;
  entry: Entry;
}

export interface SequencerOptions {
  /** Most entries committed in one transaction. */
  maxBatch: number;
  /** Most submissions waiting; beyond it, submit refuses with `sequencer_busy` (HTTP 503). */
  maxQueue: number;
  /** Receives a broken invariant met while committing; the process must stop serving. */
  onFatal: (e: Error) => void;
  /**
   * Runs inside each group's write transaction with the entries it accepted, and may write
   * more with them (the tree's nodes); what it returns runs once the transaction committed.
   */
  stage?: (appended: Appended[]) => () => void;
  /** Told how long each sync of the write-ahead log took (fdatasync), in seconds; what it throws is ignored. */
  onSynced?: (seconds: number) => void;
}

interface Pending {
  sub: Submission;
  /** JCS text of sub.statement, when the caller already computed it. */
  statementJcs: string | undefined;
  resolve: (a: Appended) => void;
  reject: (e: Error) => void;
}

/** A committed group waiting for a sync: what each submission came to, in order. */
interface Committed {
  group: Pending[];
  outcomes: (Appended | LedgerError)[];
  /** The log's size after this group. */
  size: number;
}

export class Sequencer {
  #queue: Pending[] = [];
  #scheduled = false;
  /** Entries committed (the next seq); the durable ones are #durableSize. */
  #size: number;
  #durableSize: number;
  #unsynced: Committed[] = [];
  #syncing = false;
  #failed: Error | undefined;
  #lastHash: Uint8Array;
  #lastLoggedMs: number;
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #opts: SequencerOptions;
  readonly #onCommit: (appended: Appended[], group: number) => void;

  constructor(store: Store, clock: Clock, opts: SequencerOptions, onCommit: (appended: Appended[], group: number) => void) {
    this.#store = store;
    this.#clock = clock;
    this.#opts = opts;
    this.#onCommit = onCommit;
    const head = store.head();
    this.#size = this.#durableSize = head.size;
    this.#lastHash = head.lastHash;
    this.#lastLoggedMs = head.lastLoggedAt ? Date.parse(head.lastLoggedAt) : 0;
  }

  /** Entries durable and acknowledged: the log's size as everything else sees it. */
  get size(): number {
    return this.#durableSize;
  }

  get queued(): number {
    return this.#queue.length;
  }

  /** Queues a submission whose signature and body shape were already checked. */
  submit(sub: Submission, statementJcs?: string): Promise<Appended> {
    if (this.#failed) return Promise.reject(this.#failed);
    if (this.#queue.length >= this.#opts.maxQueue) {
      return Promise.reject(new LedgerError('sequencer_busy', 'the log is at capacity; retry shortly', { retryAfter: 1 }));
    }
    return new Promise((resolve, reject) => {
      this.#queue.push({ sub, statementJcs, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#drain());
      }
    });
  }

  /** Commits everything queued now and makes it durable, synchronously. Used at start-up and shutdown. */
  flushNow(): void {
    if (this.#failed) return;
    while (this.#queue.length > 0) this.#commitOne();
    if (this.#unsynced.length === 0) return;
    try {
      this.#store.syncNow();
    } catch (e) {
      this.#syncFailed(e);
      return;
    }
    this.#acknowledge(this.#size);
  }

  #drain(): void {
    this.#scheduled = false;
    if (this.#failed) return;
    // The store's upkeep (a WAL checkpoint) wants writes held back: the queue waits, and the
    // group that follows is larger.
    const held = this.#store.writesHeld();
    if (held) {
      this.#scheduled = true;
      void held.then(() => this.#drain());
      return;
    }
    try {
      this.#commitOne();
    } catch (e) {
      // Only a broken invariant escapes #commitOne; nothing of the group was written.
      this.#fail(e instanceof Error ? e : new Error(String(e)));
      return;
    }
    this.#startSync();
    if (this.#queue.length > 0 && !this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#drain());
    }
  }

  /** One sync at a time; each covers every group committed before it started. */
  #startSync(): void {
    if (this.#syncing || this.#unsynced.length === 0) return;
    this.#syncing = true;
    const upTo = this.#size;
    const started = performance.now();
    this.#store.sync().then(
      () => {
        this.#syncing = false;
        try {
          this.#opts.onSynced?.((performance.now() - started) / 1000);
        } catch {
          // A metric must never keep entries from being acknowledged.
        }
        if (this.#failed) return;
        this.#acknowledge(upTo);
        this.#startSync();
      },
      (e: unknown) => {
        this.#syncing = false;
        this.#syncFailed(e);
      },
    );
  }

  /** Acknowledges the groups that make the log `upTo` entries long, and hands them on. */
  #acknowledge(upTo: number): void {
    while (this.#unsynced.length > 0 && this.#unsynced[0]!.size <= upTo) {
      const { group, outcomes, size } = this.#unsynced.shift()!;
      this.#durableSize = size;
      const appended: Appended[] = [];
      group.forEach((p, i) => {
        const o = outcomes[i]!;
        if (o instanceof LedgerError) p.reject(o);
        else {
          appended.push(o);
          p.resolve(o);
        }
      });
      this.#onCommit(appended, group.length);
    }
  }

  /** Stops for good: everything queued or not yet durable is refused (with `refusal`, else err). */
  #fail(err: Error, refusal: Error = err): void {
    this.#failed = refusal;
    for (const c of this.#unsynced.splice(0)) for (const p of c.group) p.reject(refusal);
    for (const p of this.#queue.splice(0)) p.reject(refusal);
    this.#opts.onFatal(err);
  }

  #syncFailed(e: unknown): void {
    const why = e instanceof Error ? e.message : String(e);
    // After a failed fsync the kernel may have dropped the written pages: whether the committed
    // groups are on disk is unknown, so none is acknowledged and the log stops (as PostgreSQL
    // does since "fsyncgate") rather than build on entries that may vanish.
    this.#fail(
      new InvariantError(`the log could not make its writes durable (fsync failed: ${why})`),
      new LedgerError('storage_unavailable', 'the log could not make its writes durable and has stopped accepting entries', { retryAfter: 30 }),
    );
  }

  #commitOne(): void {
    if (this.#queue.length === 0) return;
    const now = this.#clock.now();
    if (now < this.#lastLoggedMs - 60_000) {
      throw new InvariantError(`the clock went back more than a minute (${formatTime(now)} < ${formatTime(this.#lastLoggedMs)})`);
    }
    const group = this.#queue.splice(0, this.#opts.maxBatch);
    const outcomes: (Appended | LedgerError)[] = [];
    let size = this.#size;
    let lastHash = this.#lastHash;
    let lastMs = this.#lastLoggedMs;
    // Policy: loggedAt never decreases; a clock that steps back briefly is held at the last time.
    const loggedMs = Math.max(now, lastMs);
    const loggedAt = formatTime(loggedMs);
    let staged: (() => void) | undefined;
    try {
      this.#store.write((tx) => {
        for (const p of group) {
          try {
            const appended = tx.atomically(() => {
              const st = p.sub.statement;
              applyStatement(tx, st, { seq: size });
              const entry: Entry = { v: 1, seq: size, prev: toBase64(lastHash), loggedAt, statement: st, sig: p.sub.sig };
              const leaf =
                p.statementJcs === undefined
                  ? entryLeafBytes(entry)
                  : entryLeafBytesWithStatementJcs({ v: 1, seq: size, prev: entry.prev, loggedAt, sig: p.sub.sig }, p.statementJcs);
              if (leaf.length > MAX_LEAF_BYTES) {
                throw new LedgerError('entry_too_large', `the entry would be ${leaf.length} bytes; at most ${MAX_LEAF_BYTES}`);
              }
              const hash = entryHash(leaf);
              tx.appendEntry({ seq: size, hash, leaf, loggedAt, type: st.type, actor: st.actor });
              return { seq: size, hash, leaf, entry };
            });
            outcomes.push(appended);
            size++;
            lastHash = appended.hash;
            lastMs = loggedMs;
          } catch (e) {
            if (e instanceof LedgerError) outcomes.push(e);
            else throw e;
          }
        }
        const appended = outcomes.filter((o): o is Appended => !(o instanceof LedgerError));
        if (appended.length > 0) staged = this.#opts.stage?.(appended);
      });
    } catch (e) {
      if (e instanceof InvariantError) throw e;
      // The commit failed (disk full, read-only database, I/O error): nothing of the group is
      // stored, and the sequencer's head is unchanged.
      const why = e instanceof Error ? e.message : String(e);
      const err = new LedgerError('storage_unavailable', `the log could not write to its storage: ${why}`, { retryAfter: 5 });
      for (const p of group) p.reject(err);
      return;
    }
    this.#size = size;
    this.#lastHash = lastHash;
    this.#lastLoggedMs = lastMs;
    staged?.();
    this.#unsynced.push({ group, outcomes, size });
  }
}
