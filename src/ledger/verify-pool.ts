// Ed25519 verification off the event loop: a small pool of worker threads running OpenSSL's
// verify (node:crypto), fed in batches so the per-message cost of crossing threads stays low.
// The main thread keeps parsing, sequencing and serving while the workers verify.
import { Worker } from 'node:worker_threads';

export interface VerifyJob {
  message: Uint8Array;
  signature: Uint8Array;
  /** The 32-byte Ed25519 public key. */
  publicKey: Uint8Array;
}

export interface VerifyPool {
  verify(job: VerifyJob): Promise<boolean>;
  close(): Promise<void>;
}

// The worker is plain JavaScript so it runs without a TypeScript loader. It receives
// {id, jobs: [[msg, sig, spki], ...]} and answers {id, ok: Uint8Array of 0/1}.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createPublicKey, verify } = require('node:crypto');
const keys = new Map();
parentPort.on('message', ({ id, jobs }) => {
  const ok = new Uint8Array(jobs.length);
  for (let i = 0; i < jobs.length; i++) {
    const [msg, sig, spki] = jobs[i];
    try {
      const k = Buffer.from(spki).toString('base64');
      let key = keys.get(k);
      if (!key) {
        if (keys.size > 10000) keys.clear();
        key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
        keys.set(k, key);
      }
      ok[i] = verify(null, msg, key, sig) ? 1 : 0;
    } catch {
      ok[i] = 0;
    }
  }
  parentPort.postMessage({ id, ok });
});
`;

const SPKI_PREFIX = new Uint8Array([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]);

interface Pending {
  job: VerifyJob;
  resolve: (ok: boolean) => void;
  reject: (e: Error) => void;
}

/** A pool of `size` verifier threads (size ≥ 1). */
export function createVerifyPool(size: number, maxBatch = 256): VerifyPool {
  const workers = Array.from({ length: size }, () => {
    const w = new Worker(WORKER_SOURCE, { eval: true });
    w.unref();
    return w;
  });
  const inflight = new Map<number, Pending[]>();
  let nextId = 0;
  let next = 0;
  let queue: Pending[] = [];
  let scheduled = false;

  for (const w of workers) {
    w.on('message', ({ id, ok }: { id: number; ok: Uint8Array }) => {
      const batch = inflight.get(id);
      if (!batch) return;
      inflight.delete(id);
      batch.forEach((p, i) => p.resolve(ok[i] === 1));
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
      const jobs = batch.map((p) => {
        const spki = new Uint8Array(44);
        spki.set(SPKI_PREFIX);
        spki.set(p.job.publicKey, 12);
        return [p.job.message, p.job.signature, spki];
      });
      workers[next++ % workers.length]!.postMessage({ id, jobs });
    }
  };

  return {
    verify(job) {
      if (job.signature.length !== 64 || job.publicKey.length !== 32) return Promise.resolve(false);
      return new Promise((resolve, reject) => {
        queue.push({ job, resolve, reject });
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
