// A check pool thread (check-pool.ts): runs the stateless submission checks of check.ts on
// batches of jobs from the main thread. Bundled by esbuild into one script when the pool starts.
import { parentPort, workerData } from 'node:worker_threads';
import { LedgerError } from '../core/errors.ts';
import { checkSubmissionJson } from './check.ts';
import { useSodium, verifyEd25519Node } from './verifier.ts';
import { toBase64 } from '../core/bytes.ts';
import { decodeBatch, type CheckJob, type CheckResult, type WireBatch } from './check-wire.ts';

// libsodium, if the pool found it, from the very file the main thread would load (verifier.ts).
useSodium((workerData as { sodium?: string } | undefined)?.sodium);

function run(job: CheckJob): CheckResult {
  if (job.kind === 'verify') return { ok: verifyEd25519Node(job.signature, job.message, toBase64(job.publicKey)) };
  try {
    const { sub, statementJcs } = checkSubmissionJson(job.body, job.nowMs, job.skewMs);
    return { ok: true, statementJcs, sig: sub.sig };
  } catch (e) {
    if (e instanceof LedgerError) return { ok: false, code: e.code, message: e.message, details: e.details };
    // Anything else is a bug in the checks: the caller's thread runs them again, and fails as it would have.
    return { ok: false, retry: true };
  }
}

parentPort!.on('message', (batch: WireBatch) => {
  parentPort!.postMessage({ id: batch.id, results: decodeBatch(batch).map(run) });
});
