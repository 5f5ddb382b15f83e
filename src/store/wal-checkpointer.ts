// WAL checkpoints on a thread of their own. SQLite's automatic checkpoint runs inside the commit
// that takes the WAL past 1,000 pages: that commit copies every page into the database file and
// fsyncs it before it returns. Under steady appends that was one group commit in twenty,
// stalling the event loop 5-10 ms each time and taking about 40% of all commit time (measured
// with the append benchmark). Here the store's connection turns automatic checkpoints off, and
// a worker thread with a connection of its own runs PASSIVE checkpoints (sqlite.org/wal.html,
// sqlite.org/c3ref/wal_checkpoint_v2.html): they copy pages and fsync the database file without
// blocking the writer or any reader.
//
// The WAL file only starts over from its beginning when a write begins with every frame copied.
// So the store holds its own writes back while a checkpoint runs (Store.writesHeld); a write
// that does not wait only costs that one restart, and a WAL that grows past a bound anyway is
// checkpointed by the store itself (sqlite.ts).
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

export interface CheckpointResult {
  /** 1 if the checkpoint could not run at all (another one held the lock). */
  busy: number;
  /** Frames in the WAL. */
  log: number;
  /** Frames copied into the database file; equal to `log` when the checkpoint completed. */
  checkpointed: number;
}

export interface WalCheckpointer {
  /** Runs one PASSIVE checkpoint on the worker's connection. Rejects if SQLite refused it. */
  run(): Promise<CheckpointResult>;
  /**
   * Closes the worker's connection and waits for that, blocking the thread (a checkpoint under
   * way finishes first), so that the store's own close is the last and removes the WAL.
   */
  closeSync(): void;
}

// Plain JavaScript, so that it runs without a TypeScript loader.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.betterSqlite3);
const closed = new Int32Array(workerData.closed);
// However this thread ends, a closeSync waiting for it stops waiting.
process.on('exit', () => { Atomics.store(closed, 0, 1); Atomics.notify(closed, 0); });
const db = new Database(workerData.file, { fileMustExist: true });
// After a complete checkpoint SQLite fsyncs the database file before the WAL may start over.
db.pragma('synchronous = NORMAL');
db.pragma('wal_autocheckpoint = 0');
parentPort.on('message', (m) => {
  if (m.close) {
    db.close();
    Atomics.store(closed, 0, 1);
    Atomics.notify(closed, 0);
    return;
  }
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ id: m.id, result: r });
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: String(e && e.message || e) });
  }
});
`;

/** Policy: how long closeSync waits for the worker's connection to close (a checkpoint of a large WAL takes a while). */
const CLOSE_WAIT_MS = 30_000;

/** A checkpointing thread for the database `file` (in WAL mode; it must exist). */
export function startWalCheckpointer(file: string): WalCheckpointer {
  const closedFlag = new SharedArrayBuffer(4);
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { betterSqlite3: createRequire(import.meta.url).resolve('better-sqlite3'), file, closed: closedFlag },
  });
  worker.unref();
  const pending = new Map<number, { resolve: (r: CheckpointResult) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  let failure: Error | undefined;
  const failAll = (e: Error) => {
    failure ??= e;
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };
  worker.on('message', (m: { id: number; result?: CheckpointResult; error?: string }) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.result) p.resolve(m.result);
    else p.reject(new Error(`WAL checkpoint failed: ${m.error}`));
  });
  worker.on('error', (e: unknown) => {
    const why = e instanceof Error ? e.message : typeof e === 'object' && e && 'message' in e ? String(e.message) : String(e);
    failAll(new Error(`the WAL checkpoint thread failed: ${why}`));
  });
  worker.on('exit', () => failAll(new Error('the WAL checkpoint thread stopped')));

  return {
    run() {
      if (failure) return Promise.reject(failure);
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage({ id });
      });
    },
    closeSync() {
      if (!failure) {
        worker.postMessage({ close: true });
        Atomics.wait(new Int32Array(closedFlag), 0, 0, CLOSE_WAIT_MS);
      }
      failAll(new Error('the WAL checkpoint thread was closed'));
      void worker.terminate();
    },
  };
}
