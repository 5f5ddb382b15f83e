// Builds a benchmark ledger of N entries directly through the ledger layer (createLedger + the
// SQLite store, every statement through ledger.submit), with real Ed25519 signatures made by
// node:crypto and the real clock (so every statement is inside the skew window). The mix:
// many producers' batch.create, with lab reports and ship/receive handoffs on some of them; a
// showcase batch with a lab report, a certificate and 4 handoffs; and a 100-hop chain of
// batch.transform for the genealogy benchmark. The result is a data directory that
// `lotproof serve` opens as it is, cached under a name keyed by N and DATASET_VERSION.
// Usage: node --import tsx scripts/bench/dataset.ts [--n 1000000] [--dir DIR]
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateKeyPair } from '../../src/core/ed25519.ts';
import type { Submission } from '../../src/core/statement.ts';
import { formatTime } from '../../src/core/time.ts';
import { writeKeyFile } from '../../src/cli/keyfile.ts';
import { systemClock } from '../../src/ledger/clock.ts';
import { createLedger } from '../../src/ledger/ledger.ts';
import { createCheckPool } from '../../src/ledger/check-pool.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import { batchBody as create, benchGtin, registration, sign, signer, type Signer } from './sign.ts';

/** Bump when what the builder writes changes, so that cached datasets are not reused (3: tree nodes by position, migration 0004). */
export const DATASET_VERSION = 3;
export const BENCH_ORIGIN = 'bench.lotproof/log';
const MANIFEST = 'bench-dataset.json';
const BUILDING = 'bench-dataset.building';

export interface Dataset {
  version: number;
  dir: string;
  origin: string;
  entries: number;
  /** Digital Link paths (without a leading slash) of the benchmark's batches. */
  showcase: string;
  chainStart: string;
  chainEnd: string;
  chainHops: number;
  /** How many statements of each type the builder submitted. */
  mix: Record<string, number>;
  producers: number;
  buildSeconds: number;
  /** True when this call built it; false when a cached one was reused. */
  built?: boolean;
}

/** Where a dataset of n entries is cached between runs. */
export function datasetDir(n: number): string {
  return join(tmpdir(), `lotproof-bench-v${DATASET_VERSION}-${n}`);
}

const labReport = (id: string, batch: string) => ({
  id,
  batch,
  issuedOn: '2026-11-02',
  tests: [
    { name: 'Cadmium', result: 0.05, limit: 0.2, unit: 'mg/kg', method: 'GB 5009.15', verdict: 'pass' },
    { name: 'Moisture', result: 14.1, limit: 15.5, unit: '%', verdict: 'pass' },
  ],
  verdict: 'pass',
});

function readManifest(dir: string): Dataset | undefined {
  try {
    const m = JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8')) as Dataset;
    return m.version === DATASET_VERSION ? { ...m, dir } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Builds a ledger of exactly `n` entries in `dir`, or reuses the one a previous call left there.
 * A build that was interrupted (its marker file is still there) is thrown away and redone.
 */
export async function buildDataset(dir: string, n: number, log: (m: string) => void = () => {}): Promise<Dataset> {
  const cached = readManifest(dir);
  if (cached) {
    if (cached.entries !== n) throw new Error(`${dir} holds a dataset of ${cached.entries} entries, not ${n}; remove it or pick another --dir`);
    return { ...cached, built: false };
  }
  if (existsSync(join(dir, 'lotproof.db'))) {
    if (!existsSync(join(dir, BUILDING))) throw new Error(`${dir} holds a lotproof log that is not a benchmark dataset (no ${MANIFEST}); refusing to touch it`);
    log(`dataset: ${dir} holds an interrupted build; starting again`);
    rmSync(dir, { recursive: true, force: true });
  }
  const t0 = performance.now();
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, BUILDING), `${process.pid}\n`);
  const origin = BENCH_ORIGIN;
  const operator = signer('operator');
  const logKey = generateKeyPair();
  writeKeyFile(join(dir, 'operator.key'), operator.key);
  writeKeyFile(join(dir, 'log.key'), logKey);
  const store = openSqliteStore({ file: join(dir, 'lotproof.db'), documentsDir: join(dir, 'documents') });
  // Signatures are verified on a second core, as `lotproof serve` does; one worker answers in
  // order, so statements still reach the sequencer in the order they were submitted.
  const pool = await createCheckPool(1);
  const ledger = createLedger({ store, clock: systemClock, origin, operatorKey: operator.key, logKey, checkpointIntervalMs: 1000, maxBatch: 1000, maxQueue: 100_000, checkPool: pool });
  const mix: Record<string, number> = {};
  const submitAll = async (subs: Submission[]) => {
    for (const s of subs) mix[s.statement.type] = (mix[s.statement.type] ?? 0) + 1;
    // No statement depends on another in the same group (a receive follows its shipment in the
    // next group, a report the batch's), so the order within a group does not matter.
    await Promise.all(subs.map((s) => ledger.submit(s)));
  };
  const registerAll = async (ids: string[], role: string): Promise<Signer[]> => {
    const pairs = ids.map((id) => registration(operator, id, role));
    await submitAll(pairs.map((p) => p[1]));
    return pairs.map((p) => p[0]);
  };

  try {
    const [farm, mill] = await registerAll(['bench-farm', 'bench-mill'], 'producer');
    const [lab] = await registerAll(['bench-lab'], 'lab');
    const [cert] = await registerAll(['bench-cert'], 'certifier');
    const [carrierA, carrierB] = await registerAll(['bench-carrier-a', 'bench-carrier-b'], 'carrier');
    const [dc, store1] = await registerAll(['bench-retail-dc', 'bench-retail-store'], 'retailer');

    // The showcase: a lab report, a certificate and 4 handoffs (ship/receive pairs) along
    // farm → carrier A → carrier B → retail DC → store.
    const showcase = `01/${benchGtin(1)}/10/SHOWCASE`;
    await submitAll([sign(farm!, 'batch.create', create(benchGtin(1), 'SHOWCASE'))]);
    await submitAll([
      sign(lab!, 'labreport.issue', labReport('R-SHOW', showcase)),
      sign(cert!, 'certificate.issue', { id: 'C-SHOW', subject: { batch: showcase }, standard: 'GB/T 19630', validFrom: '2026-01-01', validUntil: '2027-12-31', scope: 'organic production' }),
    ]);
    const hops: [Signer, Signer][] = [[farm!, carrierA!], [carrierA!, carrierB!], [carrierB!, dc!], [dc!, store1!]];
    for (const [i, [from, to]] of hops.entries()) {
      await submitAll([sign(from, 'handoff.ship', { id: `S${i + 1}`, batch: showcase, to: to.id, quantity: 800, shippedAt: `2026-11-0${3 + i}T08:00:00.000Z`, conditions: 'chilled 4 °C' })]);
      await submitAll([sign(to, 'handoff.receive', { shipment: `${from.id}/S${i + 1}`, receivedAt: `2026-11-0${3 + i}T10:00:00.000Z`, outcome: 'accepted', quantity: 800 })]);
    }

    // The 100-hop chain: each transform consumes part of the previous output.
    const chainHops = 100;
    const chain = (i: number) => `01/${benchGtin(2)}/10/CHAIN-${i}`;
    await submitAll([sign(mill!, 'batch.create', create(benchGtin(2), 'CHAIN-0', 1_000_000))]);
    for (let i = 1; i <= chainHops; i++) {
      await submitAll([sign(mill!, 'batch.transform', { inputs: [{ batch: chain(i - 1), quantity: 1 }], outputs: [create(benchGtin(2), `CHAIN-${i}`, 1_000_000)] })]);
    }

    // Filler: many producers' batches; about 2% of them get a lab report and 2% are shipped
    // to a carrier, who receives them in the next group.
    const PRODUCERS = Math.max(10, Math.min(1000, Math.floor(n / 1000)));
    const producers = await registerAll(Array.from({ length: PRODUCERS }, (_, i) => `bench-p${String(i).padStart(4, '0')}`), 'producer');
    const labs = await registerAll(['bench-lab-1', 'bench-lab-2', 'bench-lab-3'], 'lab');
    const carriers = await registerAll(Array.from({ length: 8 }, (_, i) => `bench-carrier-${i}`), 'carrier');
    const GROUP = 2000;
    let k = 0;
    let previous: { p: Signer; name: string }[] = [];
    let receives: Submission[] = [];
    let nextReport = 0;
    while (ledger.size() < n) {
      const room = n - ledger.size();
      const subs: Submission[] = receives.slice(0, room);
      receives = [];
      const made: { p: Signer; name: string }[] = [];
      for (const [j, b] of previous.entries()) {
        if (subs.length >= room) break;
        if (j % 50 === 7) {
          const l = labs[j % labs.length]!;
          subs.push(sign(l, 'labreport.issue', labReport(`R${nextReport++}`, b.name)));
        } else if (j % 50 === 31 && subs.length + 1 < room) {
          const c = carriers[j % carriers.length]!;
          const id = `S${k}-${j}`;
          subs.push(sign(b.p, 'handoff.ship', { id, batch: b.name, to: c.id, quantity: 100, shippedAt: formatTime(Date.now()) }));
          receives.push(sign(c, 'handoff.receive', { shipment: `${b.p.id}/${id}`, receivedAt: formatTime(Date.now()), outcome: 'accepted' }));
        }
      }
      while (subs.length < Math.min(GROUP, room - receives.length)) {
        const p = producers[k % producers.length]!;
        const g = benchGtin(1000 + (k % 9_000_000));
        subs.push(sign(p, 'batch.create', create(g, `L${k}`)));
        made.push({ p, name: `01/${g}/10/L${k}` });
        k++;
      }
      if (subs.length === 0) break;
      const before = ledger.size();
      await submitAll(subs);
      if (ledger.size() - before !== subs.length) throw new Error(`the ledger refused ${subs.length - (ledger.size() - before)} of the builder's statements`);
      previous = made;
      if (Math.floor(ledger.size() / 100_000) !== Math.floor(before / 100_000)) log(`dataset: ${ledger.size()} entries, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    }
    ledger.close();
    const ds: Dataset = {
      version: DATASET_VERSION,
      dir,
      origin,
      entries: store.head().size,
      showcase,
      chainStart: chain(0),
      chainEnd: chain(chainHops),
      chainHops,
      mix,
      producers: PRODUCERS,
      buildSeconds: (performance.now() - t0) / 1000,
    };
    store.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    store.close();
    await pool.close();
    writeFileSync(join(dir, MANIFEST), `${JSON.stringify(ds, null, 2)}\n`);
    rmSync(join(dir, BUILDING), { force: true });
    return { ...ds, built: true };
  } catch (e) {
    ledger.close();
    store.close();
    await pool.close();
    throw e;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { n: { type: 'string', default: '1000000' }, dir: { type: 'string' } } });
  const n = Number(values.n);
  const ds = await buildDataset(values.dir ?? datasetDir(n), n, (m) => process.stderr.write(`${m}\n`));
  console.log(JSON.stringify(ds, null, 2));
}
