// `npm run bench`: lotproof's performance targets (issue 5), measured in one run on one machine
// against the machine's own limits and a peer, written as a table to BENCHMARKS.md.
// Usage: node --import tsx scripts/bench/run.ts [--quick] [--n ENTRIES] [--runs 3] [--out BENCHMARKS.md] [--dir DATASET_DIR]
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createPrivateKey, createPublicKey, randomBytes, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { encodePrivateKeyPem, generateKeyPair, sign as nobleSign, verify as nobleVerify } from '../../src/core/ed25519.ts';
import { parseBatchName } from '../../src/core/gs1.ts';
import { qrSvg } from '../../src/pages/qr.ts';
import { genealogyView, findBatch } from '../../src/ledger/views.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import { buildDataset } from './dataset.ts';
import { load, type LoadResult } from './load.ts';
import { freePort } from '../free-port.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    n: { type: 'string' },
    runs: { type: 'string' },
    out: { type: 'string', default: 'BENCHMARKS.md' },
    dir: { type: 'string' },
  },
});
const QUICK = values.quick === true;
const N = Number(values.n ?? (QUICK ? 3000 : 1_000_000));
const RUNS = Number(values.runs ?? (QUICK ? 1 : 3));
const APPENDS = QUICK ? 2000 : 20_000;
const LOAD_SECONDS = QUICK ? 1 : 4;
const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'scripts/lotproof.mjs');
const say = (m: string) => process.stderr.write(`bench: ${m}\n`);

interface Row {
  what: string;
  values: number[];
  unit: string;
  target?: string;
  met?: (median: number) => boolean;
  limit?: string;
  note?: string;
}
const rows: Row[] = [];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const add = (r: Row) => {
  rows.push(r);
  say(`${r.what}: ${r.values.map((v) => +v.toFixed(2)).join(', ')} ${r.unit}`);
};


async function waitFor(url: string, ms: number): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    try {
      if ((await fetch(url)).ok) return performance.now() - t0;
    } catch {
      // not yet
    }
    if (performance.now() - t0 > ms) throw new Error(`${url} did not answer within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function serve(dir: string, port: number, extra: Record<string, string> = {}): Promise<{ child: ChildProcess; readyMs: number }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [BIN, 'serve'], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOTPROOF_DATA: dir, LOTPROOF_LOG_LEVEL: 'warn', LOTPROOF_RATE_READ: '0', LOTPROOF_RATE_WRITE: '0', LOTPROOF_RATE_ACTOR_WRITE: '0', LOTPROOF_ORIGIN: 'bench.lotproof/log', ...extra },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitFor(`http://127.0.0.1:${port}/log/checkpoint`, 120_000);
  return { child, readyMs: performance.now() - t0 };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const done = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await done;
}

// ---------------------------------------------------------------------------------------------
// The machine's limits
// ---------------------------------------------------------------------------------------------

function verifyRateNode(seconds: number): number {
  const kp = generateKeyPair();
  const priv = createPrivateKey(encodePrivateKeyPem(kp));
  const pub = createPublicKey(priv);
  const msg = randomBytes(300);
  const sig = nodeSign(null, msg, priv);
  let n = 0;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  while (performance.now() < end) for (let i = 0; i < 100; i++, n++) nodeVerify(null, msg, pub, sig);
  return n / ((performance.now() - t0) / 1000);
}

function verifyRateNoble(seconds: number): number {
  const kp = generateKeyPair();
  const msg = randomBytes(300);
  const sig = nobleSign(msg, kp.secretKey);
  let n = 0;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  while (performance.now() < end) for (let i = 0; i < 10; i++, n++) nobleVerify(sig, msg, kp.publicKey);
  return n / ((performance.now() - t0) / 1000);
}

async function verifyRateNodeThreads(threads: number, seconds: number): Promise<number> {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const c = require('node:crypto');
    const { privateKey, publicKey } = c.generateKeyPairSync('ed25519');
    const msg = c.randomBytes(300); const sig = c.sign(null, msg, privateKey);
    let n = 0; const t0 = Date.now(); const end = t0 + workerData * 1000;
    while (Date.now() < end) for (let i = 0; i < 100; i++, n++) c.verify(null, msg, publicKey, sig);
    parentPort.postMessage(n / ((Date.now() - t0) / 1000));`;
  const counts = await Promise.all(
    Array.from({ length: threads }, () => new Promise<number>((res, rej) => {
      const w = new Worker(code, { eval: true, workerData: seconds });
      w.once('message', (n: number) => { void w.terminate(); res(n); });
      w.once('error', rej);
    })),
  );
  return counts.reduce((a, b) => a + b, 0);
}

function sqliteInsertRate(seconds: number): number {
  const dir = mkdtempSync(join(tmpdir(), 'lotproof-bench-sqlite-'));
  const db = new Database(join(dir, 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE t (seq INTEGER PRIMARY KEY, leaf BLOB NOT NULL)');
  const ins = db.prepare('INSERT INTO t (seq, leaf) VALUES (?, ?)');
  const leaf = randomBytes(600);
  let seq = 0;
  const tx = db.transaction(() => {
    for (let i = 0; i < 500; i++) ins.run(seq++, leaf);
  });
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) tx();
  const rate = seq / ((performance.now() - t0) / 1000);
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return rate;
}

// ---------------------------------------------------------------------------------------------

function appendRun(url: string, operatorKey: string, n: number): { entriesPerSecond: number; p99ms: number; lastAckToCheckpointMs: number | null } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/bench/append-http.ts'), '--url', url, '--operator-key', operatorKey, '--n', String(n), '--c', '64'], { encoding: 'utf8', cwd: ROOT, timeout: 600_000 });
  if (r.status !== 0) throw new Error(`append-http failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!);
}

function peakRss(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

async function main() {
  const cpu = (cpus()[0]?.model ?? 'unknown').trim();
  const machine = `${cpu}, ${cpus().length} cores, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`;
  say(`machine: ${machine}; N=${N}, runs=${RUNS}${QUICK ? ' (quick)' : ''}`);

  // Limits.
  const nodeRate = verifyRateNode(QUICK ? 0.5 : 2);
  const nobleRate = verifyRateNoble(QUICK ? 0.5 : 2);
  const node2 = await verifyRateNodeThreads(2, QUICK ? 0.5 : 2);
  const sqliteRate = sqliteInsertRate(QUICK ? 0.5 : 2);
  add({ what: 'limit: Ed25519 verify, node:crypto, 1 core', values: [nodeRate], unit: '/s' });
  add({ what: 'limit: Ed25519 verify, @noble/ed25519, 1 core', values: [nobleRate], unit: '/s' });
  add({ what: 'limit: Ed25519 verify, node:crypto, 2 threads', values: [node2], unit: '/s' });
  add({ what: 'limit: SQLite inserts, WAL + synchronous=FULL, 500-row transactions of 600 B', values: [sqliteRate], unit: 'rows/s' });

  // Appends over HTTP, against lotproof and against a bare Hono handler.
  const appendDir = mkdtempSync(join(tmpdir(), 'lotproof-bench-append-'));
  const appendPort = await freePort();
  const svc = await serve(appendDir, appendPort);
  const appends = [];
  for (let i = 0; i < RUNS; i++) appends.push(appendRun(`http://127.0.0.1:${appendPort}`, join(appendDir, 'operator.key'), APPENDS));
  await stop(svc.child);
  rmSync(appendDir, { recursive: true, force: true });
  const barePort = await freePort();
  const bare = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/bench/bare-server.ts'), String(barePort)], { stdio: 'ignore', cwd: ROOT });
  await waitFor(`http://127.0.0.1:${barePort}/log/checkpoint`, 30_000);
  const bareOp = mkdtempSync(join(tmpdir(), 'lotproof-bench-bare-'));
  const { writeKeyFile } = await import('../../src/cli/keyfile.ts');
  writeKeyFile(join(bareOp, 'op.key'), generateKeyPair());
  const bareRun = appendRun(`http://127.0.0.1:${barePort}`, join(bareOp, 'op.key'), APPENDS);
  bare.kill();
  rmSync(bareOp, { recursive: true, force: true });
  const eps = appends.map((a) => a.entriesPerSecond);
  add({ what: `appends over HTTP (${APPENDS} signed batch.create, 64 connections, fsync'd)`, values: eps, unit: 'entries/s', target: '≥ 5,000', met: (m) => m >= 5000, limit: `${Math.round((median(eps) / bareRun.entriesPerSecond) * 100)}% of a bare Hono handler under the same generator (${bareRun.entriesPerSecond}/s); ${Math.round((median(eps) / sqliteRate) * 100)}% of raw SQLite inserts` });
  add({ what: 'append latency p99', values: appends.map((a) => a.p99ms), unit: 'ms', target: '≤ 50', met: (m) => m <= 50 });
  add({ what: 'last acknowledgement to a checkpoint covering it', values: appends.map((a) => a.lastAckToCheckpointMs ?? NaN), unit: 'ms', target: '≤ 1,000 (p99)', met: (m) => m <= 1000, note: 'the last entry of each run; entries wait at most the checkpoint interval (500 ms) plus signing' });

  // The dataset.
  const dir = values.dir ?? join(tmpdir(), `lotproof-bench-${N}`);
  say(`dataset: ${N} entries in ${dir}`);
  const ds = await buildDataset(dir, N, 'bench.lotproof/log', say);
  if (ds.buildSeconds > 0) add({ what: `dataset build through the ledger layer (${ds.entries} entries, real signatures)`, values: [ds.buildSeconds], unit: 's' });

  // Start-up.
  const port = await freePort();
  const starts: number[] = [];
  let running: { child: ChildProcess; readyMs: number } | undefined;
  for (let i = 0; i < RUNS; i++) {
    running = await serve(dir, port);
    starts.push(running.readyMs);
    if (i < RUNS - 1) await stop(running.child);
  }
  add({ what: `start-up to serving, ${ds.entries} entries`, values: starts, unit: 'ms', target: '≤ 2,000', met: (m) => m <= 2000, note: 'includes Node and the TypeScript loader starting' });
  const base = `http://127.0.0.1:${port}`;

  // Reads.
  const cpSize = Number((await (await fetch(`${base}/log/checkpoint`)).text()).split('\n')[1]);
  const show = parseBatchName(ds.showcase)!;
  const page = `/01/${show.gtin}/10/${show.lot}`;
  const reads: [string, (i: number) => string, Record<string, string>, string, (m: number) => boolean][] = [
    ['verification page (HTML), lab report + certificate + 4 handoffs', () => page, { accept: 'text/html' }, '≥ 3,000/s, p99 ≤ 25 ms', (m) => m >= 3000],
    ['batch JSON view', () => page, { accept: 'application/json' }, '≥ 8,000/s, p99 ≤ 15 ms', (m) => m >= 8000],
    ['inclusion proof', (i) => `/log/proof/inclusion?index=${(i * 7919) % cpSize}&size=${cpSize}`, {}, '≥ 8,000/s, p99 ≤ 15 ms', (m) => m >= 8000],
    ['receipt', (i) => `/log/receipt/${(i * 7919) % cpSize}`, {}, '≥ 8,000/s, p99 ≤ 15 ms', (m) => m >= 8000],
  ];
  for (const [what, path, headers, target, met] of reads) {
    await load(base, path, headers, 64, 0.5); // warm-up
    const rs: LoadResult[] = [];
    for (let i = 0; i < RUNS; i++) rs.push(await load(base, path, headers, 64, LOAD_SECONDS));
    add({ what: `${what}, ${ds.entries} entries, 64 connections`, values: rs.map((r) => r.perSecond), unit: 'req/s', target, met, note: `p99 ${rs.map((r) => r.p99ms).join(' / ')} ms; errors ${rs.reduce((a, r) => a + r.errors, 0)}` });
  }

  // Genealogy, in-process over the same files.
  const store = openSqliteStore({ file: join(dir, 'lotproof.db'), documentsDir: join(dir, 'documents') });
  const end = parseBatchName(ds.chainEnd)!;
  const b = findBatch(store, end.gtin, end.lot);
  const times: number[] = [];
  for (let i = 0; i < 25; i++) {
    const t = performance.now();
    const g = genealogyView(store, b);
    times.push(performance.now() - t);
    if (g.upstream.batches.length !== 100) throw new Error(`the chain has ${g.upstream.batches.length} hops`);
  }
  add({ what: `genealogy trace, 100 upstream hops, ${ds.entries} entries`, values: [median(times.slice(5))], unit: 'ms', target: '≤ 5', met: (m) => m <= 5 });
  const leafBytes = (store.sqlite.prepare('SELECT sum(length(leaf)) AS s FROM entries').get() as { s: number }).s;
  store.close();
  const fileBytes = ['lotproof.db', 'lotproof.db-wal'].map((f) => (existsSync(join(dir, f)) ? statSync(join(dir, f)).size : 0)).reduce((a, x) => a + x, 0);
  add({ what: 'store size / total leaf bytes', values: [fileBytes / leafBytes], unit: '×', target: '≤ 2', met: (m) => m <= 2, note: `${(fileBytes / 1e6).toFixed(0)} MB for ${(leafBytes / 1e6).toFixed(0)} MB of leaves` });

  // QR codes and a label sheet.
  const qrT0 = performance.now();
  let qrs = 0;
  while (performance.now() - qrT0 < (QUICK ? 500 : 2000)) qrSvg(`https://lotproof.example/01/09506000134352/10/L${qrs++}`, { ec: 'M', margin: 4 });
  add({ what: 'QR SVG generation', values: [qrs / ((performance.now() - qrT0) / 1000)], unit: 'codes/s', target: '≥ 2,000', met: (m) => m >= 2000 });
  const sheets: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    const r = await fetch(`${base}/labels${page}?count=1000`);
    await r.text();
    sheets.push(performance.now() - t);
  }
  add({ what: '1,000-label sheet', values: sheets, unit: 'ms', target: '≤ 2,000', met: (m) => m <= 2000 });

  // The auditor against the served log.
  const t0 = performance.now();
  const audit = spawn(process.execPath, [BIN, 'audit', '--url', base, '--json'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let rss = 0;
  const poll = setInterval(() => (rss = Math.max(rss, peakRss(audit.pid!))), 200);
  let out = '';
  audit.stdout!.on('data', (d) => (out += String(d)));
  const code = await new Promise<number | null>((r) => audit.once('exit', r));
  clearInterval(poll);
  const auditSeconds = (performance.now() - t0) / 1000;
  const report = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as { ok?: boolean; checked?: number };
  if (code !== 0 || !report.ok) throw new Error(`audit failed: ${out}`);
  const auditRate = (report.checked ?? ds.entries) / auditSeconds;
  add({ what: `lotproof audit, ${ds.entries} entries (signatures, chain, role replay, root)`, values: [auditRate], unit: 'entries/s', target: '≥ 80% of 2-core verify', met: (m) => m >= 0.8 * node2, limit: `${Math.round((auditRate / node2) * 100)}% of node:crypto on 2 threads (${Math.round(node2)}/s)` });
  add({ what: 'lotproof audit peak resident memory', values: [rss], unit: 'MB', target: '≤ 256', met: (m) => m > 0 && m <= 256 });
  await stop(running!.child);

  // The peer: hypercore, if installed.
  let Hypercore: any;
  try {
    const spec = process.env.LOTPROOF_HYPERCORE_PATH ?? 'hypercore';
    Hypercore = (await import(spec)).default;
  } catch {
    Hypercore = undefined;
  }
  if (Hypercore) {
    const hdir = mkdtempSync(join(tmpdir(), 'lotproof-bench-hc-'));
    const core = new Hypercore(hdir);
    await core.ready();
    const leaf = randomBytes(600);
    const oneN = QUICK ? 500 : 2000;
    let t = performance.now();
    for (let i = 0; i < oneN; i++) await core.append(leaf);
    const one = oneN / ((performance.now() - t) / 1000);
    const batch = Array.from({ length: 100 }, () => leaf);
    t = performance.now();
    for (let i = 0; i < APPENDS; i += 100) await core.append(batch);
    const batched = APPENDS / ((performance.now() - t) / 1000);
    await core.close();
    rmSync(hdir, { recursive: true, force: true });
    add({ what: 'peer: hypercore 10 appends, one at a time (awaited)', values: [one], unit: 'entries/s', limit: `lotproof over HTTP is ${(median(eps) / one).toFixed(2)}× this` });
    add({ what: 'peer: hypercore 10 appends, batches of 100', values: [batched], unit: 'entries/s', limit: `lotproof over HTTP is ${(median(eps) / batched).toFixed(2)}× this` });
  } else {
    say('peer: hypercore is not installed; set LOTPROOF_HYPERCORE_PATH or install hypercore@10 to compare');
  }

  // The table.
  const fmt = (v: number) => (Number.isNaN(v) ? '—' : v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(2));
  const lines = [
    '# lotproof benchmarks',
    '',
    `Produced by \`${QUICK ? 'node --import tsx scripts/bench/run.ts --quick' : `npm run bench${N !== 1_000_000 ? ` -- --n ${N}` : ''}`}\` on ${machine}.`,
    `Each figure is the median of ${RUNS} run(s), with min–max; the load generator runs on the same machine.`,
    '',
    '| figure | median | min–max | unit | target | met | against the limit | note |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => {
      const m = median(r.values);
      const met = r.met ? (r.met(m) ? 'yes' : '**no**') : '';
      return `| ${r.what} | ${fmt(m)} | ${fmt(Math.min(...r.values))}–${fmt(Math.max(...r.values))} | ${r.unit} | ${r.target ?? ''} | ${met} | ${r.limit ?? ''} | ${r.note ?? ''} |`;
    }),
    '',
    'What each system does per entry: lotproof parses the submission, checks its shape and time,',
    'verifies the submitter\'s Ed25519 signature, applies the ledger rules (roles, holdings,',
    'uniqueness), writes the entry and its projections, and acknowledges only after the group is',
    'fsync\'d (WAL, synchronous=FULL); the tree and checkpoint follow. hypercore appends to its own',
    'signed Merkle log: it verifies no submitter signature, applies no rules, and takes the bytes',
    'from the same process (no HTTP).',
  ];
  const outPath = resolve(ROOT, values.out!);
  writeFileSync(outPath, `${lines.join('\n')}\n`);
  say(`wrote ${outPath}`);
}

main().catch((e) => {
  console.error(`bench: FAILED: ${e instanceof Error ? e.stack : String(e)}`);
  process.exit(1);
});
