// The auditor's stateless per-leaf checks on worker threads: whether each leaf is the JCS
// (RFC 8785) form of its JSON, its RFC 6962 leaf hash and SHA-256 (node:crypto), whether that
// leaf hash is the one in the log's hash tile, and its statement's Ed25519 signature (RFC 8032,
// as OpenSSL answers through node:crypto, with libsodium asked first as src/ledger/verifier.ts
// does; cross-tested with noble in test/core/ed25519.test.ts). The
// order-dependent checks (seq, prev chain, time order, role replay, the root) stay with the
// LogVerifier on the caller's thread. A leaf the workers do not pass is not judged here: the
// verifier re-checks it in full and reports it exactly as it would have without them.
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { CheckedLeaf } from '../ledger/audit.ts';
import { bundleForWorker } from '../ledger/bundle.ts';
import { sodiumPath } from '../ledger/verifier.ts';

export interface TileChecks {
  /** What passed every check, per leaf; undefined where anything did not. */
  checked: (CheckedLeaf | undefined)[];
  /** Gives the tile's buffer back to the pool; `checked` must not be read afterwards. */
  release(): void;
}

export interface LeafCheckPool {
  /** Checks a tile's leaves against its hash tile (`hashes[k]` for leaf k, where served). */
  check(leaves: Uint8Array[], hashes: Uint8Array[]): Promise<TileChecks>;
  close(): Promise<void>;
}

// Plain JavaScript, so that it runs without a TypeScript loader (a loader per worker would cost
// about 50 MB and half a second each). Its JCS is src/core/jcs.ts itself, which esbuild bundles
// into the script when the pool starts (jcsScript), so the auditor judges canonical form with
// the very code the log writes it with.
// A tile travels in one buffer that goes to a worker and comes back (transferred both ways, so
// that neither thread allocates per tile and memory stays flat): n*32 bytes of tile hashes, n
// bytes saying which were served, n bytes the worker sets to 1 for each leaf that passed, n*64
// bytes where it writes each passed leaf's hash and SHA-256, then [u32 length][leaf] records.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createPublicKey, hash, verify } = require('node:crypto');
const { createRequire } = require('node:module');
// libsodium first where it loaded; its accepts are a subset of OpenSSL's (src/ledger/verifier.ts),
// so its "yes" stands and a "no" is asked of OpenSSL.
const sodium = workerData.sodium ? createRequire(workerData.sodium)(workerData.sodium) : undefined;
const SPKI = Buffer.from('302a300506032b6570032100', 'hex');
const CONTEXT = Buffer.from('lotproof/statement/v1\\n');
const KEY = Buffer.from(',"statement":');
const TAIL = Buffer.from(',"v":1}');
// Leaves and messages are assembled in these reused buffers, and digests written straight
// into the tile's buffer from latin1 strings: a Buffer of its own per leaf (an ArrayBuffer
// outside V8's heap) cost more than the SHA-256 it carried (src/core/merkle.ts).
const MAX_SCRATCH = 1 << 16;
const leafInput = Buffer.alloc(MAX_SCRATCH + 1);
const messageInput = Buffer.alloc(CONTEXT.length + MAX_SCRATCH);
CONTEXT.copy(messageInput);
const B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const decoder = new TextDecoder('utf-8', { fatal: true });
const keys = new Map();
// canonicalJson (src/core/jcs.ts): throws on anything JCS cannot write.
const { canonicalJson } = lotproofJcs;

function base64(s, length) {
  if (typeof s !== 'string' || !B64.test(s)) return undefined;
  const b = Buffer.from(s, 'base64');
  return b.length === length && b.toString('base64') === s ? b : undefined;
}

function publicKey(s) {
  let k = keys.get(s);
  if (k === undefined) {
    const pub = base64(s, 32);
    try {
      k = pub ? { raw: pub, key: createPublicKey({ key: Buffer.concat([SPKI, pub]), format: 'der', type: 'spki' }) } : null;
    } catch {
      k = null;
    }
    if (keys.size >= 10000) keys.clear();
    keys.set(s, k);
  }
  return k;
}

function check(leaf, tileHash, out, o) {
  let entry;
  try {
    const text = decoder.decode(leaf);
    entry = JSON.parse(text);
    if (canonicalJson(entry) !== text) return 0;
  } catch {
    return 0;
  }
  if (leaf.length > MAX_SCRATCH) return 0;
  leafInput[0] = 0;
  leaf.copy(leafInput, 1);
  const leafHash = hash('sha256', leafInput.subarray(0, leaf.length + 1), 'latin1');
  if (tileHash && tileHash.toString('latin1', 0, 32) !== leafHash) return 0;
  const st = entry && entry.statement;
  if (typeof st !== 'object' || st === null) return 0;
  const key = publicKey(st.pub);
  const sig = base64(entry.sig, 64);
  if (!key || !sig) return 0;
  // The leaf is canonical, so its statement member's value is JCS(statement) byte for byte.
  // In an entry with the fields SPEC §2 names, every value before it is a string or a number,
  // which cannot hold the key pattern; in any other entry the verifier fails before it would
  // rely on this signature.
  const i = leaf.indexOf(KEY);
  if (i < 0 || leaf.length < TAIL.length || !leaf.subarray(leaf.length - TAIL.length).equals(TAIL)) return 0;
  const n = leaf.copy(messageInput, CONTEXT.length, i + KEY.length, leaf.length - TAIL.length);
  const message = messageInput.subarray(0, CONTEXT.length + n);
  try {
    if (!(sodium && sodium.crypto_sign_verify_detached(sig, message, key.raw)) && !verify(null, message, key.key, sig)) return 0;
  } catch {
    return 0;
  }
  out.write(leafHash, o, 32, 'latin1');
  out.write(hash('sha256', leaf, 'latin1'), o + 32, 32, 'latin1');
  return 1;
}

parentPort.on('message', ({ id, n, buf }) => {
  const b = Buffer.from(buf);
  const has = n * 32;
  const ok = has + n;
  const out = ok + n;
  let o = out + n * 64;
  for (let k = 0; k < n; k++) {
    const len = b.readUInt32BE(o);
    const leaf = b.subarray(o + 4, o + 4 + len);
    o += 4 + len;
    b[ok + k] = check(leaf, b[has + k] ? b.subarray(k * 32, k * 32 + 32) : undefined, b, out + k * 64);
  }
  parentPort.postMessage({ id, buf }, [buf]);
});
`;

const JCS_ENTRY = fileURLToPath(new URL('../core/jcs.ts', import.meta.url));

/** src/core/jcs.ts and what it imports, as a script that defines `lotproofJcs`. */
function jcsScript(): Promise<string> {
  return bundleForWorker(JCS_ENTRY, { format: 'iife', globalName: 'lotproofJcs' });
}

/**
 * A pool of `size` worker threads (size ≥ 1); each tile goes to the one with the least queued.
 * Rejects if the workers' script cannot be built.
 */
export async function createLeafCheckPool(size: number): Promise<LeafCheckPool> {
  const source = `${await jcsScript()}\n${WORKER_SOURCE}`;
  const sodium = sodiumPath();
  const pending = new Map<number, { resolve: (r: TileChecks) => void; reject: (e: Error) => void; worker: number; n: number }>();
  const load = new Array<number>(size).fill(0);
  const free: ArrayBuffer[] = [];
  let nextId = 0;
  const workers = Array.from({ length: size }, (_, w) => {
    const worker = new Worker(source, { eval: true, workerData: { sodium } });
    worker.unref();
    worker.on('message', ({ id, buf }: { id: number; buf: ArrayBuffer }) => {
      const p = pending.get(id);
      if (!p) return;
      pending.delete(id);
      load[w]!--;
      const { n } = p;
      const b = new Uint8Array(buf);
      const ok = n * 33;
      const out = ok + n;
      const checked = Array.from({ length: n }, (_, k) =>
        b[ok + k] === 1 ? { leafHash: b.subarray(out + k * 64, out + k * 64 + 32), entryHash: b.subarray(out + k * 64 + 32, out + k * 64 + 64) } : undefined,
      );
      p.resolve({ checked, release: () => void (free.length < 64 && free.push(buf)) });
    });
    worker.on('error', (e) => {
      for (const [id, p] of pending) {
        if (p.worker !== w) continue;
        pending.delete(id);
        p.reject(e);
      }
    });
    return worker;
  });

  return {
    check(leaves, hashes) {
      const n = leaves.length;
      let total = n * (32 + 1 + 1 + 64);
      for (const l of leaves) total += 4 + l.length;
      let buf = free.pop();
      if (!buf || buf.byteLength < total) buf = new ArrayBuffer(Math.max(total, 256 * 1024));
      const bytes = new Uint8Array(buf);
      const view = new DataView(buf);
      for (let k = 0; k < n; k++) {
        const h = hashes[k];
        const served = h?.length === 32;
        if (served) bytes.set(h, k * 32);
        bytes[n * 32 + k] = served ? 1 : 0;
        bytes[n * 33 + k] = 0;
      }
      let o = n * 98;
      for (const l of leaves) {
        view.setUint32(o, l.length);
        bytes.set(l, o + 4);
        o += 4 + l.length;
      }
      let w = 0;
      for (let i = 1; i < size; i++) if (load[i]! < load[w]!) w = i;
      load[w]!++;
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject, worker: w, n });
        workers[w]!.postMessage({ id, n, buf }, [buf]);
      });
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
