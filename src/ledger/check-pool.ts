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
import { loadEsbuild } from './bundle.ts';
import { checkSubmissionJson } from './check.ts';

export interface VerifyJob {
  message: Uint8Array;
  signature: Uint8Array;
  /** The 32-byte Ed25519 public key. */
  publicKey: Uint8Array;
}

/** What a worker is asked: a body to check in full, or one signature to verify. */
export type CheckJob = { kind: 'check'; body: Uint8Array; nowMs: number; skewMs: number } | ({ kind: 'verify' } & VerifyJob);

/** A worker's answer: a checked submission, a refusal, a verify verdict, or "run it yourself". */
export type CheckResult =
  | { ok: true; sub: Submission; statementJcs: string }
  | { ok: false; code: string; message: string; details: Record<string, unknown> | undefined }
  | { ok: false; retry: true }
  | { ok: boolean };

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
async function workerScript(): Promise<string> {
  const esbuild = await loadEsbuild();
  const out = await esbuild.build({
    entryPoints: [WORKER_ENTRY],
    bundle: true,
    write: false,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    logLevel: 'silent',
  });
  return out.outputFiles[0]!.text;
}

interface Pending {
  job: CheckJob;
  resolve: (r: CheckResult) => void;
  reject: (e: Error) => void;
}

/** A pool of `size` checker threads (size ≥ 1). Rejects if the worker script cannot be built. */
export async function createCheckPool(size: number, maxBatch = 256): Promise<CheckPool> {
  const script = await workerScript();
  const workers = Array.from({ length: size }, () => {
    const w = new Worker(script, { eval: true });
    w.unref();
    return w;
  });
  const inflight = new Map<number, Pending[]>();
  let nextId = 0;
  let next = 0;
  let queue: Pending[] = [];
  let scheduled = false;

  for (const w of workers) {
    w.on('message', ({ id, results }: { id: number; results: CheckResult[] }) => {
      const batch = inflight.get(id);
      if (!batch) return;
      inflight.delete(id);
      batch.forEach((p, i) => p.resolve(results[i]!));
    });
    w.on('error', (e) => {
      for (const [id, batch] of inflight) {
        inflight.delete(id);
        for (const p of batch) p.reject(e);
      }
    });
  }

  const flush = () => {
    scheduled = false;
    while (queue.length > 0) {
      const batch = queue.splice(0, maxBatch);
      const id = nextId++;
      inflight.set(id, batch);
      workers[next++ % workers.length]!.postMessage({ id, jobs: batch.map((p) => p.job) });
    }
  };
  const run = (job: CheckJob) =>
    new Promise<CheckResult>((resolve, reject) => {
      queue.push({ job, resolve, reject });
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    });

  return {
    async check(body, nowMs, skewMs) {
      const r = await run({ kind: 'check', body, nowMs, skewMs });
      if ('sub' in r) return { sub: r.sub, statementJcs: r.statementJcs };
      if ('code' in r) throw new LedgerError(r.code, r.message, r.details);
      return checkSubmissionJson(body, nowMs, skewMs);
    },
    async verify(job) {
      if (job.signature.length !== 64 || job.publicKey.length !== 32) return false;
      return (await run({ kind: 'verify', ...job })).ok;
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
