// The ledger: accepts signed statements (SPEC §1), sequences them into entries (SPEC §2),
// integrates them into the Merkle tree and signs checkpoints (SPEC §4).
import { randomBytes } from 'node:crypto';
import { fromBase64, toBase64 } from '../core/bytes.ts';
import type { KeyPair } from '../core/ed25519.ts';
import { InvariantError, LedgerError } from '../core/errors.ts';
import { verifierKey } from '../core/note.ts';
import { signStatement, statementMessageFromJcs, type Statement, type Submission } from '../core/statement.ts';
import { canonicalJson } from '../core/jcs.ts';
import { verifyEd25519Node } from './verifier.ts';
import { checkRecentEntries } from './selfcheck.ts';
import type { VerifyPool } from './verify-pool.ts';
import { formatTime, parseTime } from '../core/time.ts';
import { MAX_LEAF_BYTES } from '../core/entry.ts';
import { submissionSchema } from './bodies.ts';
import type { Clock } from './clock.ts';
import { Checkpointer, Integrator } from './integrator.ts';
import { checkBody } from './rules.ts';
import { Sequencer, type Appended } from './sequencer.ts';
import type { CheckpointRow, Store } from './store.ts';

/** Hooks for operational metrics; the ledger knows nothing of how they are exported. */
export interface LedgerObserver {
  /** A sequencer transaction committed `group` statements, `accepted` of them appended. */
  committed(group: number, accepted: number): void;
  /** A checkpoint of `size` leaves was signed, `delayMs` after the oldest entry it was the first to cover was integrated. */
  checkpointed(size: number, delayMs: number | undefined): void;
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
  /** Called when integrating or checkpointing could not write; both are retried. */
  onStorageError?: (e: Error) => void;
  observer?: LedgerObserver;
  /** Verifies signatures on worker threads; without it they are verified on the caller's. */
  verifyPool?: VerifyPool;
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
  /** Resolves when a checkpoint covering entry `seq` is signed. */
  waitForCheckpoint(seq: number): Promise<CheckpointRow>;
  latestCheckpoint(): CheckpointRow | undefined;
  /** Since when (ms) the oldest entry not covered by a checkpoint has waited; undefined if none. */
  waitingSince(): number | undefined;
  /** Commits what is queued, signs a last checkpoint and stops timers. */
  close(): void;
}

/**
 * Parses and checks a submission's shape, type, body and time window, and returns it with the
 * exact message its signature must cover. The signature itself is checked by the caller.
 */
export function precheckSubmission(input: unknown, nowMs: number, skewMs: number): { sub: Submission; message: Uint8Array; statementJcs: string } {
  const r = submissionSchema.safeParse(input);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new LedgerError('invalid_submission', `${issue.path.join('.') || 'submission'}: ${issue.message}`, {
      issues: r.error.issues.slice(0, 10).map((i) => ({ path: i.path.join('.'), message: i.message })),
    });
  }
  const sub = r.data as Submission;
  const st = sub.statement;
  if (st.type === 'log.init') throw new LedgerError('type_not_allowed', 'log.init is written by the log itself');
  checkBody(st.type, st.body);
  const t = parseTime(st.time)!;
  if (Math.abs(t - nowMs) > skewMs) {
    throw new LedgerError('time_skew', `statement time ${st.time} is more than ${skewMs / 1000} s from the log's clock ${formatTime(nowMs)}`);
  }
  const statementJcs = canonicalJson(st);
  const message = statementMessageFromJcs(statementJcs);
  if (message.length > MAX_LEAF_BYTES - 512) throw new LedgerError('entry_too_large', 'the statement is too large for one log entry');
  return { sub, message, statementJcs };
}

const badSignature = () => new LedgerError('bad_signature', 'sig is not a valid Ed25519 signature of the statement by pub');

/** Parses and checks a submission's shape, type, body, time window and signature. */
export function checkSubmission(input: unknown, nowMs: number, skewMs: number): { sub: Submission; statementJcs: string } {
  const { sub, message, statementJcs } = precheckSubmission(input, nowMs, skewMs);
  if (!verifyEd25519Node(fromBase64(sub.sig)!, message, sub.statement.pub)) throw badSignature();
  return { sub, statementJcs };
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


  // Integration and checkpointing run after the entries are durable. A broken invariant there
  // is fatal; a storage failure (disk full, read-only) is not: the entries are safe in the log,
  // and the tree and checkpoint catch up once the store accepts writes again.
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
        guard(() => {
          integrator.catchUp(sequencer.size);
          checkpointer.schedule();
        });
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
    { maxBatch: opts.maxBatch ?? 512, maxQueue: opts.maxQueue ?? 8192, onFatal },
    (appended, group) =>
      guard(() => {
        opts.observer?.committed(group, appended.length);
        if (appended.length === 0) return;
        // After a failed integration the tree is behind; it catches up from the stored log.
        if (integrator.size < appended[0]!.seq) integrator.catchUp(appended[0]!.seq);
        integrator.integrate(appended[0]!.seq, appended.map((a) => a.leaf));
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

  return {
    origin,
    logVerifierKey,
    logPublicKey: logKey.publicKey,
    store,
    integrator,
    size: () => sequencer.size,
    submit(input, admit) {
      try {
        const pool = opts.verifyPool;
        if (pool) {
          const { sub, message, statementJcs } = precheckSubmission(input, clock.now(), skewMs);
          const job = { message, signature: fromBase64(sub.sig)!, publicKey: fromBase64(sub.statement.pub)! };
          return pool.verify(job).then((ok) => {
            if (!ok) throw badSignature();
            admit?.(sub.statement);
            return sequencer.submit(sub, statementJcs);
          });
        }
        const { sub, statementJcs } = checkSubmission(input, clock.now(), skewMs);
        admit?.(sub.statement);
        return sequencer.submit(sub, statementJcs);
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
        integrator.catchUp(sequencer.size);
        checkpointer.signNow();
      });
      if (retry) clearTimeout(retry);
    },
  };
}
