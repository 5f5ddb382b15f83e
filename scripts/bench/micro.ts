// Per-call CPU of the building blocks every entry passes through, on a bench dataset's own leaves:
// the hashes, the UTF-8 encoding, the statement and body shape checks, the auditor's
// LogVerifier.push, and its check pool against a bare Ed25519 verify of the same messages.
// BENCHMARKS.md quotes these figures where it explains where an entry's time goes. CPU time
// (process.cpuUsage) on one thread, except the pool, whose figure counts both threads.
// Usage: node --import tsx scripts/bench/micro.ts [--dir DATASET_DIR] [--n 50000] [--rounds 3]
import { verify as nodeVerify, createPublicKey } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { fromBase64, fromUtf8, utf8 } from '../../src/core/bytes.ts';
import { entryHash } from '../../src/core/entry.ts';
import { hashChildren, hashLeaf } from '../../src/core/merkle.ts';
import { statementMessage } from '../../src/core/statement.ts';
import { createLeafCheckPool } from '../../src/cli/audit-pool.ts';
import { logIdentity, LogVerifier } from '../../src/ledger/audit.ts';
import { statementSchema } from '../../src/ledger/bodies.ts';
import { checkBody } from '../../src/ledger/rules.ts';
import { sodiumPath, type Sodium } from '../../src/ledger/verifier.ts';
import { datasetDir } from './dataset.ts';

const { values } = parseArgs({
  options: { dir: { type: 'string' }, n: { type: 'string', default: '50000' }, rounds: { type: 'string', default: '3' } },
});
const N = Number(values.n);
const ROUNDS = Number(values.rounds);
if (!Number.isInteger(N) || N < 2 || !Number.isInteger(ROUNDS) || ROUNDS < 1) throw new Error('--n is an integer ≥ 2, --rounds ≥ 1');
const dir = values.dir ?? datasetDir(1_000_000);

const db = new Database(join(dir, 'lotproof.db'), { readonly: true, fileMustExist: true });
const rows = db.prepare('SELECT leaf FROM entries WHERE seq < ? ORDER BY seq').all(N) as { leaf: Buffer }[];
db.close();
if (rows.length < N) throw new Error(`${dir} holds ${rows.length} entries, fewer than --n ${N}`);
const leaves = rows.map((r) => new Uint8Array(r.leaf));
const texts = leaves.map((l) => fromUtf8(l));
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- bench leaves are known entries
const entries = texts.map((t) => JSON.parse(t) as { sig: string; statement: any });
const leafHashes = leaves.map((l) => hashLeaf(l));
const entryHashes = leaves.map((l) => entryHash(l));
const messages = entries.map((e) => statementMessage(e.statement));
const sigs = entries.map((e) => fromBase64(e.sig)!);
const pubs = entries.map((e) => fromBase64(e.statement.pub as string)!);
const id = logIdentity(entries[0]!.statement.body.logKey as string);

/** CPU µs per call of f over every leaf, one figure per round. */
function perCall(f: (i: number) => unknown): number[] {
  const out: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const c0 = process.cpuUsage();
    for (let i = 0; i < N; i++) f(i);
    const c = process.cpuUsage(c0);
    out.push((c.user + c.system) / N);
  }
  return out;
}

const results: [string, number[]][] = [];
const measure = (what: string, f: (i: number) => unknown) => void results.push([what, perCall(f)]);

measure('hashLeaf (RFC 6962 leaf hash)', (i) => hashLeaf(leaves[i]!));
measure('sha256 of the leaf (entry hash)', (i) => entryHash(leaves[i]!));
measure('hashChildren (interior node)', (i) => hashChildren(leafHashes[i]!, leafHashes[(i + 1) % N]!));
measure('utf8 of the leaf text', (i) => utf8(texts[i]!));
measure('JSON.parse of the leaf text', (i) => JSON.parse(texts[i]!));
measure('statement envelope (statementSchema)', (i) => statementSchema.safeParse(entries[i]!.statement));
measure("the type's body (checkBody)", (i) => checkBody(entries[i]!.statement.type, entries[i]!.statement.body));
let verifier = new LogVerifier(id);
measure('LogVerifier.push, the leaf checked ahead (as the CLI audit runs it)', (i) => {
  if (i === 0) verifier = new LogVerifier(id);
  verifier.push(leaves[i]!, undefined, { leafHash: leafHashes[i]!, entryHash: entryHashes[i]! });
});

const sodiumAt = sodiumPath();
const sodium = sodiumAt ? (createRequire(sodiumAt)(sodiumAt) as Sodium) : undefined;
if (sodium) measure('Ed25519 verify of the same messages, libsodium', (i) => sodium.crypto_sign_verify_detached(sigs[i]!, messages[i]!, pubs[i]!));
const SPKI = Buffer.from('302a300506032b6570032100', 'hex');
const keys = new Map<string, ReturnType<typeof createPublicKey>>();
measure('Ed25519 verify of the same messages, node:crypto', (i) => {
  const pub = entries[i]!.statement.pub as string;
  let k = keys.get(pub);
  if (!k) keys.set(pub, (k = createPublicKey({ key: Buffer.concat([SPKI, pubs[i]!]), format: 'der', type: 'spki' })));
  return nodeVerify(null, messages[i]!, k, sigs[i]!);
});

// The audit's check pool, one thread: JCS, both hashes and the verify per leaf, plus handing
// tiles across. Counted over the process, so the main thread's share is in it.
const pool = await createLeafCheckPool(1);
const poolRounds: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  const c0 = process.cpuUsage();
  let passed = 0;
  for (let start = 0; start < N; start += 256) {
    const tile = leaves.slice(start, start + 256);
    const checks = await pool.check(tile, leafHashes.slice(start, start + 256));
    passed += checks.checked.filter(Boolean).length;
    checks.release();
  }
  const c = process.cpuUsage(c0);
  if (passed !== N) throw new Error(`the check pool passed ${passed} of ${N} leaves`);
  poolRounds.push((c.user + c.system) / N);
}
await pool.close();
results.push(['the audit check pool per leaf (1 thread; JCS, two SHA-256, the verify, the hand-over)', poolRounds]);

const fmt = (x: number) => x.toFixed(2);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
process.stdout.write(`${N} leaves of ${dir}, ${ROUNDS} rounds; CPU µs per call, median (rounds)\n\n| call | µs | rounds |\n|---|---|---|\n`);
for (const [what, rs] of results) process.stdout.write(`| ${what} | ${fmt(median(rs))} | ${rs.map(fmt).join(' / ')} |\n`);
