// In-process appends, for comparing with a peer without HTTP in the way: lotproof's own
// ledger.submit (as `lotproof serve` wires it: one check worker, each group commit fsync'd
// before it is acknowledged), and hypercore 10, a signed append-only Merkle log (holepunchto/hypercore), fed the same leaf bytes.
//
// What each does per entry. lotproof: checks the submission's shape, body and time, verifies the
// submitter's Ed25519 signature, applies the rules (roles, uniqueness, holdings), writes the entry
// and its projections in a group transaction, and resolves only after the group is fsync'd; the
// tree and checkpoint follow within 500 ms. hypercore: hashes the block into its flat-tree
// Merkle tree, signs the new root with its own key (one signature per append call, however many
// blocks), and writes the block, tree nodes and oplog with plain write(2): random-access-file
// has no fsync at all, so an append resolves before anything is durable. It verifies no
// submitter signature and applies no rules.
import { createRequire } from 'node:module';
import { closeSync, fsyncSync, mkdtempSync, openSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { generateKeyPair } from '../../src/core/ed25519.ts';
import { systemClock } from '../../src/ledger/clock.ts';
import { createLedger } from '../../src/ledger/ledger.ts';
import { createCheckPool } from '../../src/ledger/check-pool.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import { percentile } from './checkpoints.ts';
import { batchCreates, registration, signer } from './sign.ts';

export interface InProcessResult {
  entriesPerSecond: number;
  p50ms: number;
  p99ms: number;
}

/** `n` distinct signed batch.create through ledger.submit, `inFlight` at a time, on a fresh log. */
export async function lotproofInProcess(n: number, inFlight = 64, verifyWorkers = 1): Promise<InProcessResult> {
  const dir = mkdtempSync(join(tmpdir(), 'lotproof-bench-inproc-'));
  const store = openSqliteStore({ file: join(dir, 'lotproof.db'), documentsDir: join(dir, 'documents') });
  const pool = await createCheckPool(verifyWorkers);
  const operator = signer('operator');
  const ledger = createLedger({ store, clock: systemClock, origin: 'bench.lotproof/log', operatorKey: operator.key, logKey: generateKeyPair(), checkPool: pool });
  try {
    const [producer, reg] = registration(operator, 'bench-producer', 'producer');
    await ledger.submit(reg);
    const subs = batchCreates(producer, n);
    const lat: number[] = [];
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < subs.length) {
          const s = subs[next++]!;
          const t = performance.now();
          await ledger.submit(s);
          lat.push(performance.now() - t);
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    lat.sort((a, b) => a - b);
    return { entriesPerSecond: Math.round(n / seconds), p50ms: percentile(lat, 50), p99ms: percentile(lat, 99) };
  } finally {
    ledger.close();
    store.close();
    await pool.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A Hypercore class, from LOTPROOF_HYPERCORE_PATH (a directory or file) or the `hypercore` package. */
export async function loadHypercore(): Promise<{ Hypercore: HypercoreClass; version: string; from: string } | undefined> {
  const req = createRequire(import.meta.url);
  const spec = process.env.LOTPROOF_HYPERCORE_PATH || 'hypercore';
  try {
    const main = req.resolve(spec);
    const mod = (await import(pathToFileURL(main).href)) as { default: HypercoreClass };
    let version = '?';
    try {
      const pkgReq = createRequire(main);
      version = (pkgReq('./package.json') as { version: string }).version;
    } catch {
      // a file outside its package
    }
    return { Hypercore: mod.default, version, from: main };
  } catch {
    return undefined;
  }
}

interface HypercoreInstance {
  ready(): Promise<void>;
  append(block: Uint8Array | Uint8Array[]): Promise<{ length: number }>;
  close(): Promise<void>;
}
type HypercoreClass = new (storage: string) => HypercoreInstance;

export type PeerMode = { kind: 'one' } | { kind: 'one-fsync' } | { kind: 'batch'; size: number };

/** Appends `leaves` to a fresh hypercore as `mode` says; resolves with entries per second. */
export async function hypercoreAppends(Hypercore: HypercoreClass, leaves: Uint8Array[], mode: PeerMode): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'lotproof-bench-hypercore-'));
  const core = new Hypercore(dir);
  await core.ready();
  // For the fsync'd variant the harness fsyncs every file hypercore wrote after each append,
  // through its own descriptors (fsync flushes the file, whichever descriptor asks).
  let fds: number[] = [];
  const syncAll = () => {
    if (fds.length === 0) {
      fds = readdirSync(dir, { recursive: true })
        .map((f) => join(dir, String(f)))
        .filter((f) => statSync(f).isFile())
        .map((f) => openSync(f, 'r'));
      fds.push(openSync(dir, 'r'));
    }
    for (const fd of fds) fsyncSync(fd);
  };
  try {
    const t0 = performance.now();
    if (mode.kind === 'batch') {
      for (let i = 0; i < leaves.length; i += mode.size) await core.append(leaves.slice(i, i + mode.size));
    } else {
      for (const leaf of leaves) {
        await core.append(leaf);
        if (mode.kind === 'one-fsync') syncAll();
      }
    }
    return leaves.length / ((performance.now() - t0) / 1000);
  } finally {
    for (const fd of fds) closeSync(fd);
    await core.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
