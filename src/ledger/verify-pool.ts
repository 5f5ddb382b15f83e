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

// The worker is plain JavaScript so it runs without a TypeScript loader. A batch arrives as one
// transferred buffer of records [u32 message length][message][64-byte signature][32-byte key],
// so crossing threads costs one move, not a clone per job; it answers {id, ok: 0/1 per job}.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createPublicKey, verify } = require('node:crypto');
const PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const keys = new Map();
parentPort.on('message', ({ id, n, buf }) => {
  const b = Buffer.from(buf);
  const ok = new Uint8Array(n);
  let o = 0;
  for (let i = 0; i < n; i++) {
    const len = b.readUInt32BE(o);
    const msg = b.subarray(o + 4, o + 4 + len);
    const sig = b.subarray(o + 4 + len, o + 68 + len);
    const pub = b.subarray(o + 68 + len, o + 100 + len);
    o += 100 + len;
    try {
      const k = pub.toString('base64');
      let key = keys.get(k);
      if (!key) {
        if (keys.size > 10000) keys.clear();
        key = createPublicKey({ key: Buffer.concat([PREFIX, pub]), format: 'der', type: 'spki' });
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
      let total = 0;
      for (const p of batch) total += 100 + p.job.message.length;
      const buf = new ArrayBuffer(total);
      const bytes = new Uint8Array(buf);
      const view = new DataView(buf);
      let o = 0;
      for (const { job } of batch) {
        view.setUint32(o, job.message.length);
        bytes.set(job.message, o + 4);
        bytes.set(job.signature, o + 4 + job.message.length);
        bytes.set(job.publicKey, o + 68 + job.message.length);
        o += 100 + job.message.length;
      }
      workers[next++ % workers.length]!.postMessage({ id, n: batch.length, buf }, [buf]);
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
