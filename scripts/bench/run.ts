// `npm run bench`: lotproof's performance targets (issue 5), measured in one run on one machine
// against that machine's own limits and a peer, and written as a table into BENCHMARKS.md (between
// its bench:results markers) and as JSON into test-artifacts/bench/latest.json.
//
// Usage: node --import tsx scripts/bench/run.ts [--quick] [--n ENTRIES] [--runs 3] [--audit-runs N]
//          [--seconds S] [--generator auto|wrk|node] [--dir DATASET_DIR] [--out BENCHMARKS.md]
//          [--json FILE] [--profile DIR]
// --quick is the bounded form CI runs (test/bench/smoke.test.ts): a small log, one run, short loads.
// --profile writes V8 CPU profiles of every server and of the auditor to DIR, with a summary.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createPrivateKey, createPublicKey, randomBytes, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import QRCode from 'qrcode';
import { encodePrivateKeyPem, generateKeyPair, sign as nobleSign, verify as nobleVerify } from '../../src/core/ed25519.ts';
import { parseBatchName } from '../../src/core/gs1.ts';
import { sodiumPath, type Sodium } from '../../src/ledger/verifier.ts';
import { findBatch, genealogyView } from '../../src/ledger/views.ts';
import { labelFormat, renderLabelSheet } from '../../src/pages/labels.ts';
import { qrSvg } from '../../src/pages/qr.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import { freePort } from '../free-port.ts';
import { percentile } from './checkpoints.ts';
import { BENCH_ORIGIN, buildDataset, datasetDir, type Dataset } from './dataset.ts';
import { load } from './load.ts';
import { hypercoreAppends, loadHypercore, lotproofInProcess, type PeerMode } from './peer.ts';
import { summarize } from './profile.ts';
import { hasWrk, wrkRead, type ReadResult } from './wrk.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const { values: opt } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    n: { type: 'string' },
    runs: { type: 'string' },
    'audit-runs': { type: 'string' },
    seconds: { type: 'string' },
    generator: { type: 'string', default: 'auto' },
    dir: { type: 'string' },
    out: { type: 'string', default: join(ROOT, 'BENCHMARKS.md') },
    json: { type: 'string', default: join(ROOT, 'test-artifacts/bench/latest.json') },
    profile: { type: 'string' },
  },
});
const QUICK = opt.quick === true;
const N = Number(opt.n ?? (QUICK ? 20_000 : 1_000_000));
const RUNS = Number(opt.runs ?? (QUICK ? 1 : 3));
const AUDIT_RUNS = Number(opt['audit-runs'] ?? RUNS);
const APPENDS = QUICK ? 2000 : 20_000;
const LOAD_SECONDS = Number(opt.seconds ?? (QUICK ? 1 : 4));
const LIMIT_SECONDS = QUICK ? 0.3 : 2;
const CONNECTIONS = 64;
if (!['auto', 'wrk', 'node'].includes(opt.generator!)) throw new Error('--generator is auto, wrk or node');
if (opt.generator === 'wrk' && !hasWrk()) throw new Error('--generator wrk, but wrk is not installed (apt-get install wrk)');
const WRK = opt.generator === 'wrk' || (opt.generator === 'auto' && hasWrk());
const PROFILE = opt.profile ? resolve(opt.profile) : undefined;
const BIN = join(ROOT, 'scripts/lotproof.mjs');
const say = (m: string) => process.stderr.write(`bench: ${m}\n`);

// ---------------------------------------------------------------------------------------------
// Figures, and what the machine was doing meanwhile
// ---------------------------------------------------------------------------------------------

interface Target {
  op: '>=' | '<=';
  value: number;
  text: string;
}
interface Figure {
  id: string;
  section: string;
  what: string;
  unit: string;
  values: number[];
  target?: Target;
  /** Against the machine's limit or a ceiling, in words. */
  limit?: string;
  note?: string;
  detail?: unknown;
}
const figures: Figure[] = [];
const median = (xs: number[]) => {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const fig = (id: string) => figures.find((f) => f.id === id);
const med = (id: string) => median(fig(id)?.values ?? []);
/** The machine's 2-core Ed25519 verify rate: the faster of OpenSSL and libsodium (when it loads), as the hot paths ask libsodium first. */
const verify2Limit = () => {
  const node = med('limit.verify.node2');
  const sodium = fig('limit.verify.sodium2')?.values.length ? med('limit.verify.sodium2') : 0;
  return sodium > node ? { rate: sodium, what: 'libsodium verify on 2 threads' } : { rate: node, what: 'node:crypto verify on 2 threads' };
};
function add(f: Figure): Figure {
  figures.push(f);
  say(`${f.what}: ${f.values.map((v) => +v.toFixed(2)).join(', ')} ${f.unit}`);
  return f;
}
const atLeast = (value: number, text = `≥ ${value.toLocaleString('en-US')}`): Target => ({ op: '>=', value, text });
const atMost = (value: number, text = `≤ ${value.toLocaleString('en-US')}`): Target => ({ op: '<=', value, text });

function cpuTimes(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.split(/\s+/).slice(1).map(Number);
  const idle = f[3]! + f[4]!;
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
interface Phase {
  phase: string;
  seconds: number;
  /** How busy the machine's cores were on average, by anything (the benchmark included). */
  machineBusyPercent: number;
  loadavgAfter: number[];
}
const phases: Phase[] = [];
async function phase<T>(name: string, fn: () => Promise<T> | T): Promise<T> {
  say(`== ${name}`);
  const c0 = cpuTimes();
  const t0 = performance.now();
  try {
    return await fn();
  } finally {
    const c1 = cpuTimes();
    phases.push({ phase: name, seconds: +((performance.now() - t0) / 1000).toFixed(1), machineBusyPercent: Math.round(((c1.busy - c0.busy) / Math.max(1, c1.total - c0.total)) * 100), loadavgAfter: loadavg() });
  }
}

/** CPU seconds a process (all its threads) has used, from /proc/<pid>/stat. */
function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
}

function peakRssMb(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** A process's resident memory now, in MiB: its own (anonymous) pages and mapped file pages, and its peak of both. */
function residentMb(pid: number): { anon: number; file: number; peak: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN) / 1024;
    return { anon: kb('RssAnon'), file: kb('RssFile'), peak: kb('VmHWM') };
  } catch {
    return { anon: NaN, file: NaN, peak: NaN };
  }
}

// ---------------------------------------------------------------------------------------------
// Processes
// ---------------------------------------------------------------------------------------------

/**
 * fetch for the harness's own sequential GETs, retried once on a socket error: after a load the
 * server may close an idle keep-alive connection just as undici reuses it. A second failure is
 * reported with its cause (a crashed server, say).
 */
async function get(url: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (e) {
    say(`GET ${url}: ${e instanceof Error ? String((e as Error & { cause?: unknown }).cause ?? e.message) : String(e)}; retrying once`);
    try {
      return await fetch(url, init);
    } catch (e2) {
      throw new Error(`GET ${url} failed twice: ${String((e2 as Error & { cause?: unknown }).cause ?? e2)}`);
    }
  }
}

async function waitFor(url: string, ms: number, child?: ChildProcess): Promise<void> {
  const t0 = performance.now();
  for (;;) {
    if (child && child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}) before answering ${url}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not yet
    }
    if (performance.now() - t0 > ms) throw new Error(`${url} did not answer within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function profileArgs(name: string): string[] {
  if (!PROFILE) return [];
  const dir = join(PROFILE, name);
  mkdirSync(dir, { recursive: true });
  return ['--cpu-prof', `--cpu-prof-dir=${dir}`];
}

interface Server {
  child: ChildProcess;
  base: string;
  readyMs: number;
}

/**
 * `lotproof serve` on `dir`, as `npm start` runs it: default limits (this bench is a loopback
 * client, which they do not limit) and default logging; only the port, data directory and the
 * dataset's origin are set.
 */
async function serve(dir: string, profileName?: string): Promise<Server> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, [...(profileName ? profileArgs(profileName) : []), BIN, 'serve'], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOTPROOF_DATA: dir,
      LOTPROOF_ORIGIN: BENCH_ORIGIN,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.add(child);
  const base = `http://127.0.0.1:${port}`;
  await waitFor(`${base}/log/checkpoint`, 120_000, child);
  return { child, base, readyMs: performance.now() - t0 };
}

/** Every process this run started and has not stopped; killed if the run fails part-way. */
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

async function stop(child: ChildProcess): Promise<void> {
  children.delete(child);
  if (child.exitCode !== null || child.signalCode !== null) return;
  const done = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await done;
}

async function bareServer(): Promise<Server> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/bench/bare-server.ts'), String(port)], { stdio: 'ignore', cwd: ROOT });
  children.add(child);
  const base = `http://127.0.0.1:${port}`;
  await waitFor(`${base}/log/checkpoint`, 30_000, child);
  return { child, base, readyMs: 0 };
}

/** Reads `file` from start to end, so that the kernel's page cache holds it; returns the milliseconds taken. */
function warmPageCache(file: string): number {
  const t0 = performance.now();
  const fd = openSync(file, 'r');
  try {
    const chunk = Buffer.allocUnsafe(16 * 1024 * 1024);
    while (readSync(fd, chunk, 0, chunk.length, null) > 0);
  } finally {
    closeSync(fd);
  }
  return performance.now() - t0;
}

// ---------------------------------------------------------------------------------------------
// The machine's limits
// ---------------------------------------------------------------------------------------------

/** How many times per second `verify` runs on this thread, over `seconds`, in rounds of `round`. */
function callsPerSecond(seconds: number, round: number, verify: () => boolean): number {
  let n = 0;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  while (performance.now() < end) for (let i = 0; i < round; i++, n++) verify();
  return n / ((performance.now() - t0) / 1000);
}

function verifyRateNode(seconds: number): number {
  const priv = createPrivateKey(encodePrivateKeyPem(generateKeyPair()));
  const pub = createPublicKey(priv);
  const msg = randomBytes(400);
  const sig = nodeSign(null, msg, priv);
  return callsPerSecond(seconds, 100, () => nodeVerify(null, msg, pub, sig));
}

function verifyRateNoble(seconds: number): number {
  const kp = generateKeyPair();
  const msg = randomBytes(400);
  const sig = nobleSign(msg, kp.secretKey);
  return callsPerSecond(seconds, 10, () => nobleVerify(sig, msg, kp.publicKey));
}

/** libsodium's verify (sodium-native) on one core, or undefined where it does not load. */
function verifyRateSodium(seconds: number): number | undefined {
  const path = sodiumPath();
  if (!path) return undefined;
  const sodium = createRequire(path)(path) as Sodium;
  const kp = generateKeyPair();
  const msg = randomBytes(400);
  const sig = nobleSign(msg, kp.secretKey);
  return callsPerSecond(seconds, 100, () => sodium.crypto_sign_verify_detached(sig, msg, kp.publicKey));
}

/** Verify on `threads` worker threads at once (the main thread waits): node:crypto, or libsodium from `sodium` (a path). */
async function verifyRateThreads(threads: number, seconds: number, sodium?: string): Promise<number> {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const c = require('node:crypto');
    const { privateKey, publicKey } = c.generateKeyPairSync('ed25519');
    const msg = c.randomBytes(400); const sig = c.sign(null, msg, privateKey);
    const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(12);
    const s = workerData.sodium ? require('node:module').createRequire(workerData.sodium)(workerData.sodium) : undefined;
    const verify = s ? () => s.crypto_sign_verify_detached(sig, msg, raw) : () => c.verify(null, msg, publicKey, sig);
    parentPort.once('message', (start) => {
      while (Date.now() < start) {}
      let n = 0; const t0 = performance.now(); const end = t0 + workerData.seconds * 1000;
      while (performance.now() < end) for (let i = 0; i < 100; i++, n++) verify();
      parentPort.postMessage(n / ((performance.now() - t0) / 1000));
    });`;
  const workers = Array.from({ length: threads }, () => new Worker(code, { eval: true, workerData: { seconds, sodium } }));
  await new Promise((r) => setTimeout(r, 300));
  const start = Date.now() + 50;
  const rates = await Promise.all(
    workers.map(
      (w) =>
        new Promise<number>((res, rej) => {
          w.once('message', (n: number) => res(n));
          w.once('error', rej);
          w.postMessage(start);
        }),
    ),
  );
  await Promise.all(workers.map((w) => w.terminate()));
  return rates.reduce((a, b) => a + b, 0);
}

/**
 * Rows of ~600 bytes inserted in 500-row transactions, WAL with synchronous=FULL: one fsync per
 * transaction, as each of the log's group commits gets.
 */
function sqliteInsertRate(seconds: number): number {
  const dir = mkdtempSync(join(tmpdir(), 'lotproof-bench-sqlite-'));
  const db = new Database(join(dir, 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE t (seq INTEGER PRIMARY KEY, leaf BLOB NOT NULL)');
  const ins = db.prepare('INSERT INTO t (seq, leaf) VALUES (?, ?)');
  let seq = 0;
  const tx = db.transaction(() => {
    for (let i = 0; i < 500; i++) ins.run(seq++, randomBytes(600));
  });
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) tx();
  const rate = seq / ((performance.now() - t0) / 1000);
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return rate;
}

// ---------------------------------------------------------------------------------------------
// Load
// ---------------------------------------------------------------------------------------------

interface AppendRun {
  generator: string;
  entriesPerSecond: number;
  p50ms: number;
  p99ms: number;
  failed: number;
  ackToCheckpoint: { p50ms: number; p99ms: number; maxMs: number };
  loggedAtToCheckpoint: { p50ms: number; p99ms: number; maxMs: number };
  /** Sequencer transactions during the run, and statements per transaction (a sync covers every transaction committed before it began). */
  groupCommits: number;
  meanGroup: number;
  /** Mean time of the WAL's fdatasyncs during the run: how fast the disk was. */
  meanSyncMs: number;
}

/** One run of ./append-http.ts, in its own process; without an operator key, against the bare server. */
function appendRun(base: string, operatorKey: string | undefined, n: number, viaWrk: boolean): AppendRun {
  const target = operatorKey ? ['--operator-key', operatorKey] : ['--bare'];
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/bench/append-http.ts'), '--url', base, ...target, '--n', String(n), '--c', String(CONNECTIONS), ...(viaWrk ? ['--wrk'] : [])], {
    encoding: 'utf8',
    cwd: ROOT,
    timeout: 600_000,
  });
  if (r.status !== 0) throw new Error(`append-http failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as AppendRun;
  if (out.failed > 0) throw new Error(`${out.failed} appends were refused`);
  return out;
}

type ReadSpec = { mode: 'path'; path: string; accept: string } | { mode: 'inclusion' | 'receipt'; size: number };

async function read(base: string, spec: ReadSpec, seconds: number): Promise<ReadResult> {
  if (WRK) {
    return spec.mode === 'path' ? wrkRead(base, 'path', spec.path, spec.accept, CONNECTIONS, seconds) : wrkRead(base, spec.mode, String(spec.size), '', CONNECTIONS, seconds);
  }
  let k = 0;
  const path =
    spec.mode === 'path'
      ? () => spec.path
      : spec.mode === 'inclusion'
        ? () => `/log/proof/inclusion?index=${(k++ * 7919) % spec.size}&size=${spec.size}`
        : () => `/log/receipt/${(k++ * 7919) % spec.size}`;
  return load(base, path, spec.mode === 'path' && spec.accept ? { accept: spec.accept } : {}, CONNECTIONS, seconds);
}

// ---------------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const startedAt = new Date().toISOString();
  const cpu = (cpus()[0]?.model ?? 'unknown').trim();
  const background = await (async () => {
    const a = cpuTimes();
    await new Promise((r) => setTimeout(r, 1000));
    const b = cpuTimes();
    return Math.round(((b.busy - a.busy) / Math.max(1, b.total - a.total)) * 100);
  })();
  const machine = {
    cpu,
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    date: startedAt.slice(0, 10),
    generator: WRK ? `wrk ${(spawnSync('wrk', ['--version'], { encoding: 'utf8' }).stdout || '').split(' ')[1] ?? ''}`.trim() : 'node (wrk not installed)',
    backgroundBusyPercent: background,
    loadavgAtStart: loadavg(),
  };
  say(`machine: ${cpu}, ${machine.cores} cores, Node ${process.version}; N=${N}, runs=${RUNS}${QUICK ? ' (quick)' : ''}; generator ${machine.generator}; cores ${background}% busy before the run`);

  // --- Limits ---------------------------------------------------------------------------------
  await phase('limits', async () => {
    const node1: number[] = [];
    const noble1: number[] = [];
    const node2: number[] = [];
    const sodium1: number[] = [];
    const sodium2: number[] = [];
    const sodium = sodiumPath();
    const sql: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      node1.push(verifyRateNode(LIMIT_SECONDS));
      noble1.push(verifyRateNoble(LIMIT_SECONDS));
      node2.push(await verifyRateThreads(2, LIMIT_SECONDS));
      if (sodium) {
        sodium1.push(verifyRateSodium(LIMIT_SECONDS)!);
        sodium2.push(await verifyRateThreads(2, LIMIT_SECONDS, sodium));
      }
      sql.push(sqliteInsertRate(LIMIT_SECONDS));
    }
    add({ id: 'limit.verify.node1', section: 'limits', what: 'Ed25519 verify, node:crypto (OpenSSL), 1 core', unit: 'verifies/s', values: node1 });
    add({ id: 'limit.verify.noble1', section: 'limits', what: 'Ed25519 verify, @noble/ed25519, 1 core', unit: 'verifies/s', values: noble1 });
    add({ id: 'limit.verify.node2', section: 'limits', what: 'Ed25519 verify, node:crypto, 2 worker threads', unit: 'verifies/s', values: node2 });
    const noSodium = sodium ? undefined : 'sodium-native did not load (optional dependency); not measured';
    add({ id: 'limit.verify.sodium1', section: 'limits', what: 'Ed25519 verify, libsodium (sodium-native), 1 core', unit: 'verifies/s', values: sodium1, note: noSodium });
    add({ id: 'limit.verify.sodium2', section: 'limits', what: 'Ed25519 verify, libsodium, 2 worker threads', unit: 'verifies/s', values: sodium2, note: noSodium });
    add({ id: 'limit.sqlite', section: 'limits', what: 'SQLite inserts, WAL + synchronous=FULL, 500-row transactions of 600 B', unit: 'rows/s', values: sql });
  });

  // --- Appends over HTTP --------------------------------------------------------------------
  await phase('appends', async () => {
    const bare = await bareServer();
    // The bare handler writes nothing, so no checkpoint is measured against it.
    const bareRate = (viaWrk: boolean) => appendRun(bare.base, undefined, APPENDS, viaWrk).entriesPerSecond;
    const barePostWrk: number[] = [];
    const barePostNode: number[] = [];
    bareRate(WRK); // warm-up, as for the log below
    for (let i = 0; i < RUNS; i++) {
      if (WRK) barePostWrk.push(bareRate(true));
      barePostNode.push(bareRate(false));
    }
    const bareGet: ReadResult[] = [];
    for (let i = 0; i < RUNS; i++) bareGet.push(await read(bare.base, { mode: 'path', path: '/bare', accept: '' }, LOAD_SECONDS));
    await stop(bare.child);
    if (WRK) add({ id: 'limit.http.post.wrk', section: 'limits', what: `HTTP ceiling: a bare Hono POST handler (no checks, no storage), wrk, ${CONNECTIONS} connections`, unit: 'req/s', values: barePostWrk });
    add({ id: 'limit.http.post.node', section: 'limits', what: `HTTP ceiling: the same bare handler under the Node append generator, ${CONNECTIONS} connections`, unit: 'req/s', values: barePostNode });
    add({ id: 'limit.http.get', section: 'limits', what: `HTTP ceiling: a bare Hono GET answering 1 KB, ${WRK ? 'wrk' : 'Node generator'}, ${CONNECTIONS} connections`, unit: 'req/s', values: bareGet.map((r) => r.perSecond), note: `p99 ${bareGet.map((r) => r.p99ms.toFixed(1)).join(' / ')} ms` });

    const dir = mkdtempSync(join(tmpdir(), 'lotproof-bench-append-'));
    const svc = await serve(dir, 'appends-server');
    // The first appends after start-up run while V8 is still compiling the hot paths (on the
    // event loop and the check threads): its first second measured 2,000-3,000/s, against about
    // 5,300/s once warm. That run is reported on its own row; the measured runs follow it, as
    // each read figure follows a warm-up.
    const cold = appendRun(svc.base, join(dir, 'operator.key'), APPENDS, WRK);
    const runs: Record<'wrk' | 'node', AppendRun[]> = { wrk: [], node: [] };
    for (let i = 0; i < RUNS; i++) {
      if (WRK) runs.wrk.push(appendRun(svc.base, join(dir, 'operator.key'), APPENDS, true));
      runs.node.push(appendRun(svc.base, join(dir, 'operator.key'), APPENDS, false));
    }
    await stop(svc.child);
    rmSync(dir, { recursive: true, force: true });
    const verify2 = verify2Limit().rate;
    add({
      id: 'appends.cold',
      section: 'appends',
      what: `the same, the first ${APPENDS.toLocaleString('en-US')} appends after start-up (not yet compiled by V8: the warm-up of the runs below), ${WRK ? 'wrk' : 'Node generator'}`,
      unit: 'entries/s',
      values: [cold.entriesPerSecond],
      note: `p99 ${cold.p99ms.toFixed(1)} ms`,
      detail: [cold],
    });
    for (const g of WRK ? (['wrk', 'node'] as const) : (['node'] as const)) {
      const rs = runs[g];
      const gen = g === 'wrk' ? 'wrk' : 'Node generator';
      const ceiling = g === 'wrk' ? med('limit.http.post.wrk') : med('limit.http.post.node');
      const rate = add({
        id: `appends.${g}`,
        section: 'appends',
        what: `signed batch.create over HTTP (${APPENDS.toLocaleString('en-US')} entries, ${CONNECTIONS} keep-alive connections, each acked when fsync'd), ${gen}`,
        unit: 'entries/s',
        values: rs.map((r) => r.entriesPerSecond),
        target: atLeast(5000),
        detail: rs,
      });
      rate.limit = `${pct(median(rate.values), ceiling)} of the bare handler under the same generator (${fmt(ceiling)}/s); ${pct(median(rate.values), verify2)} of 2-core Ed25519 verify; ${pct(median(rate.values), med('limit.sqlite'))} of raw SQLite inserts`;
      rate.note = `group commit: ${rs.map((r) => r.meanGroup).join(' / ')} statements per transaction; fdatasync ${rs.map((r) => r.meanSyncMs).join(' / ')} ms on average`;
      add({ id: `appends.${g}.p99`, section: 'appends', what: `append latency p99, ${gen}`, unit: 'ms', values: rs.map((r) => r.p99ms), target: atMost(50), note: `p50 ${rs.map((r) => r.p50ms.toFixed(1)).join(' / ')} ms` });
      add({
        id: `appends.${g}.checkpoint`,
        section: 'appends',
        what: `acknowledgement to a signed checkpoint covering the entry, p99 over every entry, ${gen}`,
        unit: 'ms',
        values: rs.map((r) => r.ackToCheckpoint.p99ms),
        target: atMost(1000),
        note: `p50 ${rs.map((r) => r.ackToCheckpoint.p50ms.toFixed(0)).join(' / ')} ms, max ${rs.map((r) => r.ackToCheckpoint.maxMs.toFixed(0)).join(' / ')} ms; from loggedAt (an upper bound, no client clock) p99 ${rs.map((r) => r.loggedAtToCheckpoint.p99ms.toFixed(0)).join(' / ')} ms; the checkpoint interval is 500 ms`,
      });
    }
  });

  // --- In-process appends and the peer ---------------------------------------------------------
  await phase('in-process appends', async () => {
    const rs = [];
    for (let i = 0; i < RUNS; i++) rs.push(await lotproofInProcess(APPENDS, CONNECTIONS));
    add({
      id: 'appends.inprocess',
      section: 'peer',
      what: `lotproof in-process: ledger.submit of the same statements, ${CONNECTIONS} in flight, no HTTP`,
      unit: 'entries/s',
      values: rs.map((r) => r.entriesPerSecond),
      note: `p99 ${rs.map((r) => r.p99ms.toFixed(1)).join(' / ')} ms`,
    });
  });

  // --- The dataset -------------------------------------------------------------------------
  const dir = resolve(opt.dir ?? datasetDir(N));
  const ds: Dataset = await phase('dataset', () => buildDataset(dir, N, say));
  say(`dataset: ${ds.entries} entries in ${dir}${ds.built ? `, built in ${ds.buildSeconds.toFixed(0)} s` : ' (cached)'}`);
  add({
    id: 'dataset.build',
    section: 'dataset',
    what: `building the dataset through the ledger layer (${ds.entries.toLocaleString('en-US')} entries, real signatures, fsync'd groups)`,
    unit: 's',
    values: [ds.buildSeconds],
    note: `${fmt(ds.entries / ds.buildSeconds)} entries/s${ds.built ? '' : '; built by an earlier run and reused from its cache'}`,
  });
  const entries = ds.entries.toLocaleString('en-US');
  const show = parseBatchName(ds.showcase)!;

  // --- Start-up ----------------------------------------------------------------------------
  // The database file is read through once first, so that the page cache holds it as on a host
  // that has been serving it. This VM reclaims file pages left idle (an earlier run's dataset
  // came back cold after a few hours, and inclusion proofs then measured half their rate with a
  // p99 of 200-900 ms until the tree's pages were read back in).
  const warmMs = warmPageCache(join(dir, 'lotproof.db'));
  say(`read the database file into the page cache in ${warmMs.toFixed(0)} ms`);
  let server: Server | undefined;
  await phase('start-up', async () => {
    const starts: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      const r = spawnSync(process.execPath, [BIN, 'help'], { stdio: 'ignore' });
      if (r.status !== 0) throw new Error('lotproof help failed');
      bare.push(performance.now() - t0);
      if (server) await stop(server.child);
      server = await serve(dir, i === RUNS - 1 ? 'reads-server' : undefined);
      starts.push(server.readyMs);
    }
    add({ id: 'startup', section: 'serving', what: `start-up to serving (until /log/checkpoint answers), ${entries} entries`, unit: 'ms', values: starts, target: atMost(2000), note: `of which starting Node, the TypeScript loader and the modules (\`lotproof help\`) takes ${bare.map((b) => b.toFixed(0)).join(' / ')} ms` });
  });
  const base = server!.base;

  // --- Reads -------------------------------------------------------------------------------
  await phase('reads', async () => {
    const cpSize = Number((await (await get(`${base}/log/checkpoint`)).text()).split('\n')[1]);
    const page = `/${ds.showcase}`;
    const probe = async (accept: string) => {
      const r = await get(`${base}${page}`, { headers: { accept } });
      const body = await r.text();
      return { status: r.status, type: (r.headers.get('content-type') ?? '').split(';')[0]!, bytes: Buffer.byteLength(body), verification: /<body[^>]*data-verification=/.test(body) };
    };
    const html = await probe('text/html');
    const json = await probe('application/json');
    const what = (p: typeof html) => `${p.type}, ${(p.bytes / 1000).toFixed(1)} KB${p.verification ? ', with the in-browser check' : ''}`;
    const getCeiling = med('limit.http.get');
    const reads: { id: string; what: string; spec: ReadSpec; rate: number; p99: number; note: string }[] = [
      { id: 'read.page', what: 'verification page (HTML): a batch with a lab report, a certificate and 4 handoffs', spec: { mode: 'path', path: page, accept: 'text/html' }, rate: 3000, p99: 25, note: `served ${what(html)}${html.type === 'text/html' ? '' : ' (not HTML: the page answered what it serves)'}` },
      { id: 'read.json', what: 'batch JSON view (the same batch)', spec: { mode: 'path', path: page, accept: 'application/json' }, rate: 8000, p99: 15, note: `served ${what(json)}` },
      { id: 'read.inclusion', what: 'inclusion proof, a random leaf per request', spec: { mode: 'inclusion', size: cpSize }, rate: 8000, p99: 15, note: `/log/proof/inclusion?index=<random>&size=${cpSize}` },
      { id: 'read.receipt', what: 'receipt (c2sp.org/tlog-proof), a random leaf per request', spec: { mode: 'receipt', size: cpSize }, rate: 8000, p99: 15, note: '/log/receipt/<random>' },
      { id: 'read.trace', what: 'genealogy trace over HTTP (100 hops up), under load', spec: { mode: 'path', path: `/v1/trace/${ds.chainEnd}`, accept: 'application/json' }, rate: NaN, p99: NaN, note: 'no target of its own; see the trace figures below' },
    ];
    for (const r of reads) {
      await read(base, r.spec, Math.min(3, LOAD_SECONDS)); // warm-up: JIT, caches, connections; not counted
      const rs: ReadResult[] = [];
      for (let i = 0; i < RUNS; i++) rs.push(await read(base, r.spec, LOAD_SECONDS));
      const errors = rs.reduce((a, x) => a + x.errors, 0);
      const f = add({
        id: r.id,
        section: 'reads',
        what: `${r.what}, ${entries} entries, ${CONNECTIONS} connections`,
        unit: 'req/s',
        values: rs.map((x) => x.perSecond),
        note: `${r.note}${errors ? `; ${errors} errors` : ''}`,
        detail: rs,
      });
      if (!Number.isNaN(r.rate)) f.target = atLeast(r.rate);
      f.limit = `${pct(median(f.values), getCeiling)} of the bare GET ceiling (${fmt(getCeiling)}/s)`;
      const p = add({ id: `${r.id}.p99`, section: 'reads', what: `${r.what.split(':')[0]!.split(',')[0]} p99 latency`, unit: 'ms', values: rs.map((x) => x.p99ms), note: `p50 ${rs.map((x) => x.p50ms.toFixed(2)).join(' / ')} ms` });
      if (!Number.isNaN(r.p99)) p.target = atMost(r.p99);
    }
  });

  // --- Genealogy, store size, QR codes and labels ---------------------------------------------
  await phase('genealogy, store, QR', async () => {
    const store = openSqliteStore({ file: join(dir, 'lotproof.db'), documentsDir: join(dir, 'documents'), readonly: true });
    try {
      for (const [id, name, dirn, label] of [
        ['trace.up', ds.chainEnd, 'upstream', 'up from the last batch'],
        ['trace.down', ds.chainStart, 'downstream', 'down from the first batch'],
      ] as const) {
        const k = parseBatchName(name)!;
        const b = findBatch(store, k.gtin, k.lot);
        const meds: number[] = [];
        for (let r = 0; r < RUNS; r++) {
          const times: number[] = [];
          for (let i = 0; i < 30; i++) {
            const t = performance.now();
            const g = genealogyView(store, b);
            times.push(performance.now() - t);
            if (g[dirn].batches.length !== ds.chainHops) throw new Error(`the chain has ${g[dirn].batches.length} hops ${dirn}, not ${ds.chainHops}`);
          }
          meds.push(median(times.slice(5)));
        }
        add({ id, section: 'genealogy', what: `genealogy trace in-process (genealogyView), ${ds.chainHops} hops ${label}, ${entries} entries, median of 25`, unit: 'ms', values: meds, target: atMost(5) });
      }
      const http: number[] = [];
      const p99s: number[] = [];
      for (let r = 0; r < RUNS; r++) {
        const times: number[] = [];
        for (let i = 0; i < 55; i++) {
          const t = performance.now();
          const res = await get(`${base}/v1/trace/${ds.chainEnd}`);
          await res.arrayBuffer();
          if (res.status !== 200) throw new Error(`trace answered ${res.status}`);
          times.push(performance.now() - t);
        }
        const s = times.slice(5).sort((a, b) => a - b);
        http.push(median(s));
        p99s.push(percentile(s, 99));
      }
      add({ id: 'trace.http', section: 'genealogy', what: `genealogy trace over HTTP, one request at a time (/v1/trace, ${ds.chainHops} hops up), median of 50`, unit: 'ms', values: http, target: atMost(5), note: `p99 ${p99s.map((x) => x.toFixed(2)).join(' / ')} ms` });

      const leafBytes = (store.sqlite.prepare('SELECT sum(length(leaf)) AS s FROM entries').get() as { s: number }).s;
      const files = ['lotproof.db', 'lotproof.db-wal'].map((f) => (existsSync(join(dir, f)) ? statSync(join(dir, f)).size : 0));
      const fileBytes = files.reduce((a, x) => a + x, 0);
      add({ id: 'store.ratio', section: 'store', what: `store size / total leaf bytes, ${entries} entries`, unit: '×', values: [fileBytes / leafBytes], target: atMost(2), note: `lotproof.db ${mb(files[0]!)} + WAL ${mb(files[1]!)} for ${mb(leafBytes)} of leaves (${(leafBytes / ds.entries).toFixed(0)} B each); one measurement, it does not vary` });
    } finally {
      store.close();
    }

    const qrSeconds = QUICK ? 0.3 : 2;
    const raw: number[] = [];
    const ours: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      let n = 0;
      let t0 = performance.now();
      while (performance.now() - t0 < qrSeconds * 1000) await QRCode.toString(`https://lotproof.example/01/09506000134352/10/L${n++}`, { type: 'svg', errorCorrectionLevel: 'M', margin: 4 });
      raw.push(n / ((performance.now() - t0) / 1000));
      n = 0;
      t0 = performance.now();
      while (performance.now() - t0 < qrSeconds * 1000) qrSvg(`https://lotproof.example/01/09506000134352/10/L${n++}`, { ec: 'M', margin: 4 });
      ours.push(n / ((performance.now() - t0) / 1000));
    }
    add({ id: 'qr.package', section: 'qr', what: "QR SVG generation, the qrcode package (toString, type svg, ec M, margin 4), distinct URLs", unit: 'codes/s', values: raw, target: atLeast(2000) });
    add({ id: 'qr.lotproof', section: 'qr', what: "QR SVG generation, lotproof's qrSvg (src/pages/qr.ts, as /qr serves)", unit: 'codes/s', values: ours, target: atLeast(2000), limit: `${pct(median(ours), median(raw))} of the qrcode package's own SVG writer` });

    const distinct: number[] = [];
    const sheet: number[] = [];
    let sheetBytes = 0;
    for (let r = 0; r < RUNS; r++) {
      const items = Array.from({ length: 1000 }, (_, i) => ({ uri: `https://lotproof.example/01/${show.gtin}/10/${show.lot}/21/S${r}X${String(i).padStart(6, '0')}`, gtin: show.gtin, lot: show.lot, serial: `S${r}X${String(i).padStart(6, '0')}` }));
      let t = performance.now();
      const html = renderLabelSheet({ lang: 'en', format: labelFormat(undefined), ec: 'M', margin: 4, productName: 'Bench rice', cssHref: '/labels.css', items });
      distinct.push(performance.now() - t);
      if ((html.match(/<symbol /g) ?? []).length !== 1000) throw new Error('the serial sheet does not hold 1,000 distinct codes');
      t = performance.now();
      const res = await get(`${base}/labels/${ds.showcase}?count=1000`);
      const body = await res.text();
      sheet.push(performance.now() - t);
      if (res.status !== 200) throw new Error(`/labels answered ${res.status}`);
      sheetBytes = Buffer.byteLength(body);
    }
    add({ id: 'labels.serials', section: 'qr', what: '1,000-label sheet of distinct serial codes (AI 21), each its own QR symbol, rendered in-process (renderLabelSheet)', unit: 'ms', values: distinct, target: atMost(2000) });
    add({ id: 'labels.http', section: 'qr', what: '1,000-label sheet of one lot over HTTP (/labels/01/…?count=1000; one shared symbol)', unit: 'ms', values: sheet, target: atMost(2000), note: `${(sheetBytes / 1e6).toFixed(2)} MB of HTML` });
  });
  // The service's memory after every read and 1,000-label sheet above: a log of N entries must
  // not cost memory that grows with N.
  const readsServerMb = residentMb(server!.child.pid!);
  await stop(server!.child);

  // --- The auditor -------------------------------------------------------------------------
  await phase('audit', async () => {
    const auditServer = await serve(dir, 'audit-server');
    let auditServerMb = residentMb(NaN);
    const rates: number[] = [];
    const rss: number[] = [];
    const cpu: { auditor: number; server: number }[] = [];
    try {
      for (let i = 0; i < AUDIT_RUNS; i++) {
        const server0 = processCpuSeconds(auditServer.child.pid!);
        const t0 = performance.now();
        const audit = spawn(process.execPath, [...(i === 0 ? profileArgs('auditor') : []), BIN, 'audit', '--url', auditServer.base, '--json'], { stdio: ['ignore', 'pipe', 'ignore'] });
        let peak = 0;
        let auditorCpu = 0;
        const poll = setInterval(() => {
          peak = Math.max(peak, peakRssMb(audit.pid!));
          const c = processCpuSeconds(audit.pid!);
          if (!Number.isNaN(c)) auditorCpu = c;
        }, 50);
        let out = '';
        audit.stdout!.on('data', (d) => (out += String(d)));
        const code = await new Promise<number | null>((r) => audit.once('exit', r));
        clearInterval(poll);
        const seconds = (performance.now() - t0) / 1000;
        const report = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as { ok?: boolean; checked?: number };
        if (code !== 0 || !report.ok) throw new Error(`audit failed (${code}): ${out}`);
        rates.push((report.checked ?? ds.entries) / seconds);
        rss.push(peak);
        cpu.push({ auditor: auditorCpu, server: processCpuSeconds(auditServer.child.pid!) - server0 });
        say(`audit ${i + 1}: ${seconds.toFixed(1)} s, ${fmt(rates.at(-1)!)} entries/s, peak ${peak.toFixed(0)} MB`);
      }
    } finally {
      auditServerMb = residentMb(auditServer.child.pid!);
      await stop(auditServer.child);
    }
    const { rate: verify2, what: verify2What } = verify2Limit();
    const node2 = med('limit.verify.node2');
    const perEntry = (s: number) => ((s / ds.entries) * 1e6).toFixed(0);
    add({
      id: 'audit.rate',
      section: 'audit',
      what: `\`lotproof audit\` of ${entries} entries over HTTP (signatures, JCS bytes, seq and prev chain, role replay, root)`,
      unit: 'entries/s',
      values: rates,
      target: { op: '>=', value: 0.8 * verify2, text: `≥ 80% of 2-core verify (${fmt(0.8 * verify2)})` },
      limit: `${pct(median(rates), verify2)} of ${verify2What} (${fmt(verify2)}/s)${verify2 !== node2 ? `; ${pct(median(rates), node2)} of node:crypto verify on 2 threads (${fmt(node2)}/s)` : ''}`,
      note: `CPU per entry: auditor ${cpu.map((c) => perEntry(c.auditor)).join(' / ')} µs, the log serving it ${cpu.map((c) => perEntry(c.server)).join(' / ')} µs (a verify alone is ${(1e6 / (verify2 !== node2 ? med('limit.verify.sodium1') : med('limit.verify.node1'))).toFixed(0)} µs)`,
    });
    add({ id: 'audit.rss', section: 'audit', what: '`lotproof audit` peak resident memory (VmHWM)', unit: 'MB', values: rss, target: atMost(256), note: 'MiB, all threads' });
    add({
      id: 'serve.rss',
      section: 'audit',
      what: `the service's own resident memory (RssAnon) serving ${entries} entries: the reads phase's server, after every read above`,
      unit: 'MB',
      values: [readsServerMb.anon],
      note: `MiB, all threads; besides it ${readsServerMb.file.toFixed(0)} MB of the database's mapped file pages (the kernel's page cache, shared, reclaimable), peak of both ${readsServerMb.peak.toFixed(0)} MB. The server that served the ${AUDIT_RUNS} audits: ${auditServerMb.anon.toFixed(0)} MB own, ${auditServerMb.file.toFixed(0)} MB mapped`,
    });
  });

  // --- The peer ----------------------------------------------------------------------------
  await phase('peer', async () => {
    const hc = await loadHypercore();
    if (!hc) {
      say('peer: hypercore is not installed; set LOTPROOF_HYPERCORE_PATH or install hypercore@10 to compare');
      add({ id: 'peer.hypercore', section: 'peer', what: 'hypercore 10: append the same leaf bytes', unit: 'entries/s', values: [], note: 'not installed (set LOTPROOF_HYPERCORE_PATH or install hypercore@10); not measured' });
      return;
    }
    const store = openSqliteStore({ file: join(dir, 'lotproof.db'), documentsDir: join(dir, 'documents'), readonly: true });
    const from = Math.min(2000, Math.max(1, ds.entries - APPENDS));
    const leaves = store.leaves(from, Math.min(ds.entries, from + APPENDS));
    store.close();
    const avg = leaves.reduce((a, l) => a + l.length, 0) / leaves.length;
    const modes: [string, PeerMode, number][] = [
      ['one at a time (each append awaited)', { kind: 'one' }, QUICK ? 500 : 5000],
      ['one at a time, each followed by fsync of its files (by the harness)', { kind: 'one-fsync' }, QUICK ? 200 : 1000],
      ['batches of 100', { kind: 'batch', size: 100 }, leaves.length],
      ['batches of 1,000', { kind: 'batch', size: 1000 }, leaves.length],
    ];
    const http = med(WRK ? 'appends.wrk' : 'appends.node');
    const inproc = med('appends.inprocess');
    for (const [label, mode, count] of modes) {
      const rs: number[] = [];
      for (let i = 0; i < RUNS; i++) rs.push(await hypercoreAppends(hc.Hypercore, leaves.slice(0, count), mode));
      const m = median(rs);
      add({
        id: `peer.hypercore.${mode.kind}${mode.kind === 'batch' ? mode.size : ''}`,
        section: 'peer',
        what: `hypercore ${hc.version}: append lotproof's leaf bytes (${avg.toFixed(0)} B), ${label}`,
        unit: 'entries/s',
        values: rs,
        limit: `lotproof/hypercore: ${(http / m).toFixed(2)} over HTTP, ${(inproc / m).toFixed(2)} in-process`,
        note: `${count.toLocaleString('en-US')} appends`,
      });
    }
  });

  // --- Profiles ----------------------------------------------------------------------------
  let profileSummary = '';
  if (PROFILE) {
    const files = readdirSync(PROFILE, { recursive: true }).map(String).filter((f) => f.endsWith('.cpuprofile')).sort();
    profileSummary = files.map((f) => `## ${dirname(f)}\n${summarize(join(PROFILE, f), 15)}`).join('\n\n');
    writeFileSync(join(PROFILE, 'summary.txt'), `${profileSummary}\n`);
    say(`profiles: ${join(PROFILE, 'summary.txt')}`);
  }

  // --- Reports -------------------------------------------------------------------------------
  const command = QUICK ? `node --import tsx scripts/bench/run.ts --quick${opt.n ? ` --n ${N}` : ''}` : `npm run bench${N !== 1_000_000 || opt.runs ? ` --${N !== 1_000_000 ? ` --n ${N}` : ''}${opt.runs ? ` --runs ${RUNS}` : ''}` : ''}`;
  const judged = figures.map((f) => {
    const m = median(f.values);
    const met = f.target ? (f.target.op === '>=' ? m >= f.target.value : m <= f.target.value) : null;
    return { ...f, median: m, min: Math.min(...f.values), max: Math.max(...f.values), met, target: f.target?.text, gap: f.target ? gap(m, f.target) : undefined };
  });
  const finishedAt = new Date().toISOString();
  const json = { command, quick: QUICK, n: N, runs: RUNS, auditRuns: AUDIT_RUNS, startedAt, finishedAt, machine, dataset: ds, phases, figures: judged };
  mkdirSync(dirname(resolve(opt.json!)), { recursive: true });
  writeFileSync(resolve(opt.json!), `${JSON.stringify(json, null, 2)}\n`);
  writeMarkdown(resolve(opt.out!), command, machine, judged, phases, ds);
  say(`wrote ${relative(process.cwd(), resolve(opt.out!))} and ${relative(process.cwd(), resolve(opt.json!))}`);
}

// ---------------------------------------------------------------------------------------------
// Formatting
// ---------------------------------------------------------------------------------------------

function fmt(v: number): string {
  if (Number.isNaN(v)) return '—';
  if (Math.abs(v) >= 100) return Math.round(v).toLocaleString('en-US');
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v.toFixed(2);
}
const pct = (x: number, of: number) => (Number.isNaN(of) || of === 0 ? '—' : `${Math.round((x / of) * 100)}%`);
const mb = (b: number) => `${(b / 1e6).toFixed(0)} MB`;
function gap(m: number, t: Target): string {
  if (Number.isNaN(m)) return 'not measured';
  if (t.op === '>=') return m >= t.value ? `${pct(m, t.value)} of target` : `${pct(m, t.value)} of target; needs ${(t.value / m).toFixed(2)}×`;
  return m <= t.value ? `${pct(m, t.value)} of the bound` : `${(m / t.value).toFixed(2)}× the bound`;
}

type Judged = Omit<Figure, 'target'> & { median: number; min: number; max: number; met: boolean | null; gap: string | undefined; target: string | undefined };

const BEGIN = '<!-- bench:results:begin (written by scripts/bench/run.ts; edit outside these markers) -->';
const END = '<!-- bench:results:end -->';

function writeMarkdown(path: string, command: string, machine: Record<string, unknown>, rows: Judged[], ph: Phase[], ds: Dataset): void {
  const busy = ph.filter((p) => p.seconds > 5);
  const lines = [
    `Command: \`${command}\` (${QUICK ? 'the quick form; not comparable with a full run' : 'a full run'}), ${ph.reduce((a, p) => a + p.seconds, 0).toFixed(0)} s in all.`,
    '',
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGb} GB; Node ${machine.node}; ${machine.date}. Load generator on the same machine: ${machine.generator}.`,
    `Before the run the cores were ${machine.backgroundBusyPercent}% busy with other work (load average ${(machine.loadavgAtStart as number[]).join(', ')}); the machine is shared, so figures carry that noise.`,
    `Dataset: ${ds.entries.toLocaleString('en-US')} entries (${Object.entries(ds.mix).map(([k, v]) => `${v.toLocaleString('en-US')} ${k}`).join(', ')}; ${ds.producers} producers), built through the ledger layer with real signatures.`,
    `Each figure is the median of ${RUNS} run(s) (the auditor: ${AUDIT_RUNS}), with the min–max over runs.`,
    '',
    '| figure | median | min–max | unit | target | met | gap | against the limit | note |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => {
      const met = r.met === null ? '' : r.met ? 'yes' : '**no**';
      const spread = r.values.length > 1 ? `${fmt(r.min)}–${fmt(r.max)}` : '';
      return `| ${r.what} | ${fmt(r.median)} | ${spread} | ${r.unit} | ${r.target ?? ''} | ${met} | ${r.gap ?? ''} | ${r.limit ?? ''} | ${r.note ?? ''} |`;
    }),
    '',
    `Phases (wall time, and how busy both cores were on average, this benchmark included): ${busy.map((p) => `${p.phase} ${p.seconds} s at ${p.machineBusyPercent}%`).join('; ')}.`,
  ];
  const block = `${BEGIN}\n${lines.join('\n')}\n${END}`;
  let text: string;
  if (existsSync(path) && readFileSync(path, 'utf8').includes(BEGIN)) {
    const old = readFileSync(path, 'utf8');
    text = `${old.slice(0, old.indexOf(BEGIN))}${block}${old.slice(old.indexOf(END) + END.length)}`;
  } else {
    text = `# lotproof benchmarks\n\n${block}\n`;
  }
  writeFileSync(path, text);
}

main().catch((e) => {
  console.error(`bench: FAILED: ${e instanceof Error ? e.stack : String(e)}`);
  process.exit(1);
});
