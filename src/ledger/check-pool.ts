// Submission checks off the event loop: a few worker threads that parse a submission body as
// strict JSON, check its shape, body and time window, and verify its Ed25519 signature with
// OpenSSL (node:crypto): everything about a submission that needs none of the log's state
// (check.ts). The main thread keeps reading requests and sequencing meanwhile. Jobs cross in
// batches, one message per batch each way, so crossing threads costs little per job.
//
// A worker runs the very modules the main thread runs: when the pool starts, esbuild bundles
// check-worker.ts and what it imports into one script, so a worker needs no TypeScript loader
// (which would cost about 50 MB and half a second per thread).
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { LedgerError } from '../core/errors.ts';
import type { Submission } from '../core/statement.ts';
import { bundleForWorker } from './bundle.ts';
import { checkSubmissionJson } from './check.ts';
import { sodiumPath, verifyEd25519Node } from './verifier.ts';
import { toBase64 } from '../core/bytes.ts';
import { encodeBatch, type CheckJob, type CheckResult, type VerifyJob } from './check-wire.ts';

export type { VerifyJob } from './check-wire.ts';

export interface CheckPool {
  /**
   * checkSubmissionJson(body, nowMs, skewMs) on a worker: resolves with the submission and its
   * statement's JCS text, or rejects with the LedgerError the caller's thread would throw.
   */
  check(body: Uint8Array, nowMs: number, skewMs: number): Promise<{ sub: Submission; statementJcs: string }>;
  /** Verifies one Ed25519 signature; malformed input verifies as false. */
  verify(job: VerifyJob): Promise<boolean>;
  close(): Promise<void>;
}

const WORKER_ENTRY = fileURLToPath(new URL('./check-worker.ts', import.meta.url));

/** The worker script: check-worker.ts and everything it imports, as one CommonJS file. */
function workerScript(): Promise<string> {
  // sodium-native is a native addon: the worker loads it at run time, from the path it is given.
  return bundleForWorker(WORKER_ENTRY, { format: 'cjs', external: ['sodium-native'] });
}

interface Pending {
  job: CheckJob;
  resolve: (r: CheckResult) => void;
}

/**
 * A pool of `size` checker threads (size ≥ 1). Rejects if the worker script cannot be built. A
 * worker that dies (it catches each check's own errors, so that takes a bug or running out of
 * memory) hands what it held back to the caller's thread, and the pool goes on without it;
 * with no worker left, every check runs on the caller's thread.
 */
export async function createCheckPool(size: number, maxBatch = 256): Promise<CheckPool> {
  const script = await workerScript();
  const live = new Set<Worker>();
  const inflight = new Map<number, { worker: Worker; batch: Pending[] }>();
  let nextId = 0;
  let next = 0;
  let queue: Pending[] = [];
  let scheduled = false;
  let closing = false;
  const RETRY: CheckResult = { ok: false, retry: true };
  const sodium = sodiumPath();

  for (let i = 0; i < size; i++) {
    const w = new Worker(script, { eval: true, workerData: { sodium } });
    w.unref();
    live.add(w);
    w.on('message', ({ id, results }: { id: number; results: CheckResult[] }) => {
      const held = inflight.get(id);
      if (!held) return;
      inflight.delete(id);
      held.batch.forEach((p, k) => p.resolve(results[k]!));
    });
    // An 'error' is followed by 'exit'; listening keeps it from being thrown on this thread.
    w.on('error', () => {});
    w.on('exit', () => {
      live.delete(w);
      if (closing) return;
      for (const [id, held] of inflight) {
        if (held.worker !== w) continue;
        inflight.delete(id);
        for (const p of held.batch) p.resolve(RETRY);
      }
    });
  }

  const flush = () => {
    scheduled = false;
    while (queue.length > 0) {
      const batch = queue.splice(0, maxBatch);
      const workers = [...live];
      if (workers.length === 0) {
        for (const p of batch) p.resolve(RETRY);
        continue;
      }
      const worker = workers[next++ % workers.length]!;
      const id = nextId++;
      inflight.set(id, { worker, batch });
      const wire = encodeBatch(id, batch.map((p) => p.job));
      worker.postMessage(wire, [wire.meta.buffer, wire.bytes.buffer]);
    }
  };
  const run = (job: CheckJob) =>
    new Promise<CheckResult>((resolve) => {
      queue.push({ job, resolve });
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    });

  return {
    async check(body, nowMs, skewMs) {
      const r = await run({ kind: 'check', body, nowMs, skewMs });
      if ('statementJcs' in r) return { sub: { statement: JSON.parse(r.statementJcs) as Submission['statement'], sig: r.sig }, statementJcs: r.statementJcs };
      if ('code' in r) throw new LedgerError(r.code, r.message, r.details);
      return checkSubmissionJson(body, nowMs, skewMs);
    },
    async verify(job) {
      if (job.signature.length !== 64 || job.publicKey.length !== 32) return false;
      const r = await run({ kind: 'verify', ...job });
      if ('retry' in r) return verifyEd25519Node(job.signature, job.message, toBase64(job.publicKey));
      return r.ok;
    },
    async close() {
      closing = true;
      await Promise.all([...live].map((w) => w.terminate()));
    },
  };
}
