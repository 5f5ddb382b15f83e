// What crosses between the check pool (check-pool.ts) and its threads (check-worker.ts): jobs
// in, results out. Kept apart from the pool so that the workers' bundle holds none of its code.
export interface VerifyJob {
  message: Uint8Array;
  signature: Uint8Array;
  /** The 32-byte Ed25519 public key. */
  publicKey: Uint8Array;
}

/** What a worker is asked: a body to check in full, or one signature to verify. */
export type CheckJob = { kind: 'check'; body: Uint8Array; nowMs: number; skewMs: number } | ({ kind: 'verify' } & VerifyJob);

/**
 * A worker's answer: a checked submission (its statement as JCS text, which the caller parses:
 * cheaper than cloning the object across threads), a refusal, a verify verdict, or "run it
 * yourself".
 */
export type CheckResult =
  | { ok: true; statementJcs: string; sig: string }
  | { ok: false; code: string; message: string; details: Record<string, unknown> | undefined }
  | { ok: false; retry: true }
  | { ok: boolean };

/**
 * A batch as it crosses to a worker: every job's bytes in one transferred buffer, and per job
 * JOB_FIELDS numbers in `meta`: a check is [0, start, end, nowMs, skewMs] (its body is
 * bytes[start, end)), a verify [1, start, end, signature start, public key start] (the message
 * is bytes[start, end), then 64 and 32 bytes). With one buffer per batch and the statement
 * coming back as text, crossing threads cost about 6 µs of CPU per check instead of 13 (20,000
 * batch.create checks at 64 in flight, against the same checks run inline; four runs each).
 */
export interface WireBatch {
  id: number;
  meta: Float64Array<ArrayBuffer>;
  bytes: Uint8Array<ArrayBuffer>;
}
export const JOB_FIELDS = 5;

export function encodeBatch(id: number, jobs: CheckJob[]): WireBatch {
  let n = 0;
  for (const j of jobs) n += j.kind === 'check' ? j.body.length : j.message.length + 96;
  const bytes = new Uint8Array(n);
  const meta = new Float64Array(jobs.length * JOB_FIELDS);
  let at = 0;
  jobs.forEach((j, i) => {
    const m = i * JOB_FIELDS;
    if (j.kind === 'check') {
      bytes.set(j.body, at);
      meta.set([0, at, at + j.body.length, j.nowMs, j.skewMs], m);
      at += j.body.length;
    } else {
      bytes.set(j.message, at);
      bytes.set(j.signature, at + j.message.length);
      bytes.set(j.publicKey, at + j.message.length + 64);
      meta.set([1, at, at + j.message.length, at + j.message.length, at + j.message.length + 64], m);
      at += j.message.length + 96;
    }
  });
  return { id, meta, bytes };
}

/** The jobs of a batch, as views into its buffer. */
export function decodeBatch({ meta, bytes }: WireBatch): CheckJob[] {
  const jobs: CheckJob[] = [];
  for (let m = 0; m < meta.length; m += JOB_FIELDS) {
    const [kind, start, end, a, b] = [meta[m]!, meta[m + 1]!, meta[m + 2]!, meta[m + 3]!, meta[m + 4]!];
    if (kind === 0) jobs.push({ kind: 'check', body: bytes.subarray(start, end), nowMs: a, skewMs: b });
    else jobs.push({ kind: 'verify', message: bytes.subarray(start, end), signature: bytes.subarray(a, a + 64), publicKey: bytes.subarray(b, b + 32) });
  }
  return jobs;
}

