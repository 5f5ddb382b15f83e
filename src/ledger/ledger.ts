// The ledger: accepts signed statements (SPEC §1), sequences them into entries (SPEC §2),
// integrates them into the Merkle tree and signs checkpoints (SPEC §4).
import { randomBytes } from 'node:crypto';
import { fromBase64, toBase64 } from '../core/bytes.ts';
import type { KeyPair } from '../core/ed25519.ts';
import { InvariantError } from '../core/errors.ts';
import { verifierKey } from '../core/note.ts';
import { signStatement, type Statement, type Submission } from '../core/statement.ts';
import { formatTime } from '../core/time.ts';
import { badSignature, checkSubmission, checkSubmissionJson, precheckSubmission } from './check.ts';
import type { CheckPool } from './check-pool.ts';
import { checkRecentEntries } from './selfcheck.ts';
import type { Clock } from './clock.ts';
import { Checkpointer, Integrator } from './integrator.ts';
import { Sequencer, type Appended } from './sequencer.ts';
import type { CheckpointRow, Store } from './store.ts';

/** Hooks for operational metrics; the ledger knows nothing of how they are exported. */
export interface LedgerObserver {
  /** A sequencer transaction committed `group` statements, `accepted` of them appended. */
  committed(group: number, accepted: number): void;
  /** A checkpoint of `size` leaves was signed, `delayMs` after the oldest entry it was the first to cover was integrated. */
  checkpointed(size: number, delayMs: number | undefined): void;
  /** The sequencer made its committed groups durable (fdatasync of the WAL) in `seconds`. */
  synced?(seconds: number): void;
}

export interface LedgerOptions {
  store: Store;
  clock: Clock;
  origin: string;
  operatorKey: KeyPair;
  logKey: KeyPair;
  /** Accepted distance between a statement's `time` and the log's clock. Default ±5 minutes. */
  skewMs?: number;
  /** Most milliseconds from acknowledgement to a checkpoint covering the entry. Default 500. */
  checkpointIntervalMs?: number;
  maxBatch?: number;
  maxQueue?: number;
  /** Called with a broken invariant; the process must stop serving. */
  onFatal?: (e: Error) => void;
  /** Called when signing a checkpoint could not write; it is retried. (The tree is written with its entries.) */
  onStorageError?: (e: Error) => void;
  observer?: LedgerObserver;
  /** Checks submissions on worker threads; without it they are checked on the caller's. */
  checkPool?: CheckPool;
}

export interface Ledger {
  readonly origin: string;
  /** The C2SP verifier key string of the log key (SPEC §4). */
  readonly logVerifierKey: string;
  readonly logPublicKey: Uint8Array;
  readonly store: Store;
  readonly integrator: Integrator;
  size(): number;
  /**
   * Validates a submission from outside and appends it; resolves once it is durable. `admit`,
   * if given, runs after the signature verified and before queueing; it may throw to refuse.
   */
  submit(input: unknown, admit?: (st: Statement) => void): Promise<Appended>;
  /** submit() for a request body's bytes, parsed as strict JSON (core/json.ts) with the other checks. */
  submitJson(body: Uint8Array, admit?: (st: Statement) => void): Promise<Appended>;
  /** Resolves when a checkpoint covering entry `seq` is signed. */
  waitForCheckpoint(seq: number): Promise<CheckpointRow>;
  latestCheckpoint(): CheckpointRow | undefined;
  /** Since when (ms) the oldest entry not covered by a checkpoint has waited; undefined if none. */
  waitingSince(): number | undefined;
  /** Commits what is queued, signs a last checkpoint and stops timers. */
  close(): void;
}

export function createLedger(opts: LedgerOptions): Ledger {
  const { store, clock, origin, operatorKey, logKey } = opts;
  const skewMs = opts.skewMs ?? 5 * 60_000;
  const onFatal =
    opts.onFatal ??
    ((e: Error) => {
      throw e;
    });
  const logVerifierKey = verifierKey(origin, logKey.publicKey);


  // The tree grows and checkpoints are signed after the entries are durable. A broken invariant
  // there is fatal; a storage failure (disk full, read-only) is not: the entries are safe in the
  // log, and the checkpoint is signed once the store accepts writes again.
  let retry: ReturnType<typeof setTimeout> | undefined;
  let sequencer: Sequencer;
  const guard = (fn: () => void) => {
    try {
      fn();
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      if (err instanceof InvariantError) return onFatal(err);
      opts.onStorageError?.(err);
      retry ??= setTimeout(() => {
        retry = undefined;
        guard(() => checkpointer.schedule());
      }, 1000);
      retry.unref?.();
    }
  };

  const integrator = new Integrator(store);
  const checkpointer = new Checkpointer(store, integrator, {
    origin,
    logKey,
    clock,
    intervalMs: opts.checkpointIntervalMs ?? 500,
    onSigned: (row, delayMs) => opts.observer?.checkpointed(row.size, delayMs),
    guard,
  });

  sequencer = new Sequencer(
    store,
    clock,
    {
      maxBatch: opts.maxBatch ?? 512,
      maxQueue: opts.maxQueue ?? 8192,
      onFatal,
      onSynced: (seconds) => opts.observer?.synced?.(seconds),
      stage: (appended) => {
        const group = integrator.stage(appended[0]!.seq, appended.map((a) => a.leaf));
        return () => integrator.staged(group);
      },
    },
    (appended, group) =>
      guard(() => {
        opts.observer?.committed(group, appended.length);
        integrator.advance(sequencer.size);
        checkpointer.schedule();
      }),
  );

  // Start-up: finish integrating what was sequenced before a crash, check the tree against the
  // last signed checkpoint, and write log.init into an empty log.
  checkRecentEntries(store, checkpointer.latest?.size ?? 0);
  integrator.catchUp(store.head().size);
  checkpointer.verifyStored();
  if (store.head().size === 0) {
    const st: Statement = {
      v: 1,
      type: 'log.init',
      actor: 'operator',
      pub: toBase64(operatorKey.publicKey),
      time: formatTime(clock.now()),
      nonce: toBase64(randomBytes(16)),
      body: { origin, operator: { id: 'operator', pub: toBase64(operatorKey.publicKey) }, logKey: logVerifierKey },
    };
    void sequencer.submit(signStatement(st, operatorKey));
    sequencer.flushNow();
    if (store.head().size !== 1) throw new InvariantError('log.init could not be written');
  } else {
    const first = store.entry(0)!;
    const init = JSON.parse(Buffer.from(first.leaf).toString('utf8')) as { statement: Statement };
    const body = init.statement.body as { origin: string; logKey: string };
    if (body.origin !== origin) {
      throw new InvariantError(`this log's origin is ${JSON.stringify(body.origin)}, not the configured ${JSON.stringify(origin)}`);
    }
    if (body.logKey !== logVerifierKey) {
      throw new InvariantError(`the log key file does not hold the key named in log.init (${body.logKey})`);
    }
  }
  checkpointer.signNow();

  /** Queues a submission whose stateless checks passed, once `admit` lets it in. */
  const accept = ({ sub, statementJcs }: { sub: Submission; statementJcs: string }, admit?: (st: Statement) => void) => {
    admit?.(sub.statement);
    return sequencer.submit(sub, statementJcs);
  };

  return {
    origin,
    logVerifierKey,
    logPublicKey: logKey.publicKey,
    store,
    integrator,
    size: () => sequencer.size,
    submit(input, admit) {
      try {
        const pool = opts.checkPool;
        if (!pool) return accept(checkSubmission(input, clock.now(), skewMs), admit);
        const { sub, message, statementJcs } = precheckSubmission(input, clock.now(), skewMs);
        const job = { message, signature: fromBase64(sub.sig)!, publicKey: fromBase64(sub.statement.pub)! };
        return pool.verify(job).then((ok) => {
          if (!ok) throw badSignature();
          return accept({ sub, statementJcs }, admit);
        });
      } catch (e) {
        return Promise.reject(e);
      }
    },
    submitJson(body, admit) {
      try {
        const pool = opts.checkPool;
        if (!pool) return accept(checkSubmissionJson(body, clock.now(), skewMs), admit);
        return pool.check(body, clock.now(), skewMs).then((checked) => accept(checked, admit));
      } catch (e) {
        return Promise.reject(e);
      }
    },
    waitForCheckpoint(seq) {
      return checkpointer.waitFor(seq + 1);
    },
    latestCheckpoint: () => checkpointer.latest,
    waitingSince: () => checkpointer.pendingSince,
    close() {
      sequencer.flushNow();
      checkpointer.stop();
      if (retry) clearTimeout(retry);
      guard(() => {
        integrator.advance(sequencer.size);
        checkpointer.signNow();
      });
      if (retry) clearTimeout(retry);
    },
  };
}
