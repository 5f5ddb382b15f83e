// Sequencing: the single writer that assigns `seq`, `prev` and `loggedAt` (SPEC §2) and makes
// accepted statements durable. Submissions queue up and are committed in groups: one SQLite
// transaction and one fsync for many entries (group commit). Integration into the Merkle tree
// happens afterwards, apart from sequencing, as transparency-dev/tessera separates them.
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
}

interface Pending {
  sub: Submission;
  /** JCS text of sub.statement, when the caller already computed it. */
  statementJcs: string | undefined;
  resolve: (a: Appended) => void;
  reject: (e: Error) => void;
}

export class Sequencer {
  #queue: Pending[] = [];
  #scheduled = false;
  #size: number;
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
    this.#size = head.size;
    this.#lastHash = head.lastHash;
    this.#lastLoggedMs = head.lastLoggedAt ? Date.parse(head.lastLoggedAt) : 0;
  }

  get size(): number {
    return this.#size;
  }

  get queued(): number {
    return this.#queue.length;
  }

  /** Queues a submission whose signature and body shape were already checked. */
  submit(sub: Submission, statementJcs?: string): Promise<Appended> {
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

  /** Commits everything queued now, synchronously. Used at start-up and shutdown. */
  flushNow(): void {
    while (this.#queue.length > 0) this.#commitOne();
  }

  #drain(): void {
    this.#scheduled = false;
    try {
      this.#commitOne();
    } catch (e) {
      // Only a broken invariant escapes #commitOne; nothing of the group was written.
      const err = e instanceof Error ? e : new Error(String(e));
      for (const p of this.#queue.splice(0)) p.reject(err);
      this.#opts.onFatal(err);
      return;
    }
    if (this.#queue.length > 0 && !this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#drain());
    }
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
