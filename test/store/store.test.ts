// The SQLite store under the ledger (src/store/sqlite.ts), on real files in temp directories:
// migrations and PRAGMAs at open, the append-only triggers, durability across a clean restart
// and across SIGKILL of a writing process, and group commit.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { equalBytes, fromHex, fromUtf8, toBase64, toHex } from '../../src/core/bytes.ts';
import { openCheckpoint } from '../../src/core/checkpoint.ts';
import { generateKeyPair, keyPairFromSeed, type KeyPair } from '../../src/core/ed25519.ts';
import { entryHash, ZERO_HASH_B64, type Entry } from '../../src/core/entry.ts';
import { InvariantError, LedgerError } from '../../src/core/errors.ts';
import { canonicalBytes } from '../../src/core/jcs.ts';
import { Frontier, hashLeaf, rootFromLeafHashes } from '../../src/core/merkle.ts';
import { signStatement, verifySubmission, type Statement, type StatementType, type Submission } from '../../src/core/statement.ts';
import { formatTime } from '../../src/core/time.ts';
import type { Clock } from '../../src/ledger/clock.ts';
import { createLedger, type Ledger } from '../../src/ledger/ledger.ts';
import type { Store } from '../../src/ledger/store.ts';
import { openSqliteStore, type SqliteStore, type SqliteStoreOptions } from '../../src/store/sqlite.ts';
import { treePosition } from '../../src/store/tree-position.ts';
import { startWalCheckpointer } from '../../src/store/wal-checkpointer.ts';
import { batchBody, makeHarness, TestClock, type Actor, type Harness } from '../support.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MIGRATIONS = join(ROOT, 'schema/migrations');
const ORIGIN = 'test.lotproof/log';
const APPEND_ONLY = ['entries', 'tree_nodes', 'checkpoints'] as const;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()!();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lotproof-store-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function harness(): Harness {
  const h = makeHarness();
  cleanups.push(() => h.close());
  return h;
}

function openStore(dir: string, walCheckpoint?: SqliteStoreOptions['walCheckpoint']): SqliteStore {
  return openSqliteStore({ file: join(dir, 'lotproof.db'), documentsDir: join(dir, 'documents'), walCheckpoint });
}

/** A statement signed by `actor`, with a nonce made from `n`. */
function statement(actor: Actor, type: StatementType, body: Record<string, unknown>, clock: Clock, n: number): Submission {
  const nonce = new Uint8Array(16).fill(0x5a);
  new DataView(nonce.buffer).setUint32(0, n);
  const st: Statement = {
    v: 1,
    type,
    actor: actor.id,
    pub: toBase64(actor.key.publicKey),
    time: formatTime(clock.now()),
    nonce: toBase64(nonce),
    body,
  };
  return signStatement(st, actor.key);
}

/** Every row of a table, as comparable text. */
function dump(sqlite: Database.Database, table: string): string {
  const rows = sqlite.prepare(`select * from "${table}" order by rowid`).all();
  return JSON.stringify(rows, (_k, v) => (Buffer.isBuffer(v) ? v.toString('hex') : v));
}

/**
 * Re-verifies the whole log from its stored leaves, as an outside auditor would: every leaf is
 * the JCS of the entry it parses to, names its seq and the previous leaf's hash, carries a valid
 * statement signature under the pub it names, and loggedAt never decreases. Returns the RFC 6962
 * leaf hashes.
 */
function verifyLog(store: Store): Uint8Array[] {
  const { size, lastHash } = store.head();
  const leaves = store.leaves(0, size);
  expect(leaves.length).toBe(size);
  let prev = ZERO_HASH_B64;
  let lastLoggedAt = '';
  const leafHashes: Uint8Array[] = [];
  for (let seq = 0; seq < size; seq++) {
    const row = store.entry(seq)!;
    expect(row, `entry ${seq}`).toBeDefined();
    expect(equalBytes(row.leaf, leaves[seq]!)).toBe(true);
    const entry = JSON.parse(fromUtf8(row.leaf)) as Entry;
    expect(equalBytes(canonicalBytes(entry), row.leaf), `entry ${seq} is JCS`).toBe(true);
    expect(entry.v).toBe(1);
    expect(entry.seq).toBe(seq);
    expect(entry.prev, `prev of entry ${seq}`).toBe(prev);
    expect(entry.loggedAt >= lastLoggedAt, `loggedAt of entry ${seq}`).toBe(true);
    expect(verifySubmission({ statement: entry.statement, sig: entry.sig }), `signature of entry ${seq}`).toBe(true);
    const hash = entryHash(row.leaf);
    expect(equalBytes(hash, row.hash), `stored hash of entry ${seq}`).toBe(true);
    prev = toBase64(hash);
    lastLoggedAt = entry.loggedAt;
    leafHashes.push(hashLeaf(row.leaf));
  }
  expect(toBase64(lastHash)).toBe(prev);
  return leafHashes;
}

// ---------------------------------------------------------------------------------------------
// Migrations and PRAGMAs
// ---------------------------------------------------------------------------------------------

describe('opening a store', () => {
  const journal = JSON.parse(readFileSync(join(MIGRATIONS, 'meta/_journal.json'), 'utf8')) as { entries: { tag: string }[] };

  it('applies every migration to a fresh file', () => {
    const dir = tempDir();
    const store = openStore(dir);
    cleanups.push(() => store.close());
    const names = (type: string) =>
      (store.sqlite.prepare('select name from sqlite_master where type = ? order by name').all(type) as { name: string }[]).map((r) => r.name);
    const tables = names('table');
    for (const t of ['actors', 'actor_keys', 'batches', 'batch_links', 'certificates', 'checkpoints', 'documents', 'entries', 'holdings', 'lab_reports', 'nonces', 'recalls', 'recall_batches', 'shipments', 'tree_nodes']) {
      expect(tables).toContain(t);
    }
    const triggers = names('trigger');
    for (const t of APPEND_ONLY) {
      expect(triggers).toContain(`${t}_no_update`);
      expect(triggers).toContain(`${t}_no_delete`);
    }
    const applied = store.sqlite.prepare('select count(*) as n from __drizzle_migrations').get() as { n: number };
    expect(applied.n).toBe(journal.entries.length);
    expect(store.head()).toEqual({ size: 0, lastHash: new Uint8Array(32), lastLoggedAt: undefined });
    expect(store.treeSize()).toBe(0);
    expect(store.latestCheckpoint()).toBeUndefined();
  });

  it('sets journal_mode=wal and synchronous=NORMAL (durability comes from sync), and reopening migrates nothing twice', () => {
    const dir = tempDir();
    const store = openStore(dir);
    expect(store.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.sqlite.pragma('synchronous', { simple: true })).toBe(1);
    expect(store.sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
    store.close();
    // WAL is a property of the file: a plain connection sees it too.
    const raw = new Database(join(dir, 'lotproof.db'));
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
    const again = openStore(dir);
    cleanups.push(() => again.close());
    expect(again.sqlite.pragma('synchronous', { simple: true })).toBe(1);
    expect((again.sqlite.prepare('select count(*) as n from __drizzle_migrations').get() as { n: number }).n).toBe(journal.entries.length);
  });

  it('finishes a sync under way when it closes, and syncs nothing after', async () => {
    // The fdatasync runs on libuv's thread pool; closing the WAL's descriptor under it would
    // fail it (EBADF), and a failed sync stops the log. Many rounds, so the race would show.
    for (let i = 0; i < 40; i++) {
      const store = openStore(tempDir());
      store.putCheckpoint({ size: 0, root: new Uint8Array(32), note: `n${i}`, signedAt: '2026-11-22T08:00:00.000Z' });
      const pending = [store.sync(), store.sync()];
      store.close();
      await expect(Promise.all(pending)).resolves.toEqual([undefined, undefined]);
      await expect(store.sync()).resolves.toBeUndefined();
      expect(() => store.syncNow()).not.toThrow();
    }
  });
});

describe('read snapshots', () => {
  it('see one state of the file however another connection writes meanwhile, and nest in writes', () => {
    const dir = tempDir();
    const store = openStore(dir);
    cleanups.push(() => store.close());
    store.putTreeNodes([{ level: 0, index: 0, hash: new Uint8Array(32).fill(1) }]);
    const other = openStore(dir);
    cleanups.push(() => other.close());
    const seen = store.snapshot(() => {
      const before = store.treeSize();
      // A second writer (another process would do the same) commits in the middle of the snapshot.
      other.putTreeNodes([{ level: 0, index: 1, hash: new Uint8Array(32).fill(2) }]);
      return [before, store.treeSize(), store.treeNode(0, 1)];
    });
    expect(seen).toEqual([1, 1, undefined]);
    // Outside a snapshot, each query sees the latest commit.
    expect(store.treeSize()).toBe(2);
    expect(store.sqlite.inTransaction).toBe(false);
    // Inside a write, a snapshot reads what the write has done so far.
    const inWrite = store.write(() => {
      store.putTreeNodes([{ level: 0, index: 2, hash: new Uint8Array(32).fill(3) }]);
      return store.snapshot(() => store.treeSize());
    });
    expect(inWrite).toBe(3);
    // An exception in fn ends the read transaction.
    expect(() => store.snapshot(() => { throw new Error('boom'); })).toThrow('boom');
    expect(store.sqlite.inTransaction).toBe(false);
  });

  it('maps the database file for reads', () => {
    const store = openStore(tempDir());
    cleanups.push(() => store.close());
    expect(store.sqlite.pragma('mmap_size', { simple: true })).toBe(2 ** 30);
  });
});

// ---------------------------------------------------------------------------------------------
// Append-only triggers
// ---------------------------------------------------------------------------------------------

describe('the append-only tables', () => {
  async function populated(): Promise<{ h: Harness; farm: Actor }> {
    const h = harness();
    const farm = await h.register('lixin-farm', 'producer');
    for (let i = 0; i < 5; i++) await h.append(farm, 'batch.create', batchBody(`L${i}`));
    await h.ledger.waitForCheckpoint(h.ledger.size() - 1);
    return { h, farm };
  }

  it('refuse UPDATE and DELETE, and the data is unchanged afterwards', async () => {
    const { h, farm } = await populated();
    const sqlite = h.store.sqlite;
    const attacks: Record<(typeof APPEND_ONLY)[number], string[]> = {
      entries: [
        "update entries set type = 'forged'",
        "update entries set leaf = x'00' where seq = 1",
        'update entries set seq = seq + 100 where seq = (select max(seq) from entries)',
        'delete from entries',
        'delete from entries where seq = (select max(seq) from entries)',
        "insert into entries (seq, hash, leaf, logged_at, type, actor) values (1, x'00', x'00', 'x', 'forged', 'x') on conflict(seq) do update set type = 'forged'",
      ],
      tree_nodes: [
        "update tree_nodes set hash = x'00'",
        'update tree_nodes set hash = hash where pos = 0',
        'update tree_nodes set pos = pos + 100 where pos = (select max(pos) from tree_nodes)',
        'delete from tree_nodes',
        'delete from tree_nodes where pos = 3',
      ],
      checkpoints: [
        "update checkpoints set note = 'forged'",
        "update checkpoints set root = x'00' where size = (select max(size) from checkpoints)",
        'delete from checkpoints',
        'delete from checkpoints where size = (select max(size) from checkpoints)',
      ],
    };
    for (const table of APPEND_ONLY) {
      const count = (sqlite.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
      expect(count, table).toBeGreaterThan(2);
      const before = dump(sqlite, table);
      for (const sql of attacks[table]) {
        expect(() => sqlite.prepare(sql).run(), sql).toThrow(/append-only/);
        expect(dump(sqlite, table), sql).toBe(before);
      }
      // Inside a transaction the abort takes the transaction's other writes with it.
      const tx = sqlite.transaction(() => {
        sqlite.prepare("insert into nonces (actor, nonce) values ('x', 'y')").run();
        sqlite.prepare(`delete from ${table}`).run();
      });
      expect(() => tx()).toThrow(/append-only/);
      expect(sqlite.prepare("select * from nonces where actor = 'x'").all()).toEqual([]);
      expect(dump(sqlite, table)).toBe(before);
    }
    verifyLog(h.store);
    // The log goes on as before.
    const size = h.ledger.size();
    expect(await h.append(farm, 'batch.create', batchBody('AFTER'))).toBe(size);
    verifyLog(h.store);
  });

  /*
   * INSERT OR REPLACE deletes the conflicting row without firing DELETE triggers (SQLite runs
   * them for REPLACE only with PRAGMA recursive_triggers=ON); migration 0003 adds BEFORE INSERT
   * triggers that refuse an existing key on every connection.
   */
  it('refuses INSERT OR REPLACE over an existing row', async () => {
    const { h } = await populated();
    const sqlite = h.store.sqlite;
    const stmts: Record<(typeof APPEND_ONLY)[number], string> = {
      entries: "insert or replace into entries (seq, hash, leaf, logged_at, type, actor) values (1, x'00', x'00', 'x', 'forged', 'x')",
      tree_nodes: "insert or replace into tree_nodes (pos, hash) values (0, x'00')",
      checkpoints: "insert or replace into checkpoints (size, root, note, signed_at) values (1, x'00', 'forged', 'x')",
    };
    for (const table of APPEND_ONLY) {
      const before = dump(sqlite, table);
      let refused = false;
      try {
        sqlite.prepare(stmts[table]).run();
      } catch {
        refused = true;
      }
      expect(dump(sqlite, table), table).toBe(before);
      expect(refused, table).toBe(true);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Durability: a clean restart
// ---------------------------------------------------------------------------------------------

describe('a clean restart', () => {
  it('reopens with the same size, head, checkpoint, and the chain goes on', async () => {
    const h = makeHarness();
    cleanups.push(() => rmSync(h.dir, { recursive: true, force: true }));
    const farm = await h.register('lixin-farm', 'producer');
    for (let i = 0; i < 20; i++) await h.append(farm, 'batch.create', batchBody(`R${i}`));
    await h.ledger.waitForCheckpoint(h.ledger.size() - 1);
    h.ledger.close();
    const size = h.store.head().size;
    const lastHash = h.store.head().lastHash;
    const checkpoint = h.store.latestCheckpoint()!;
    expect(size).toBe(22);
    expect(checkpoint.size).toBe(size);
    h.store.close();

    const store = openStore(h.dir);
    cleanups.push(() => store.close());
    const ledger = createLedger({ store, clock: h.clock, origin: ORIGIN, operatorKey: h.operator.key, logKey: h.logKey, checkpointIntervalMs: 5 });
    cleanups.push(() => ledger.close());
    expect(ledger.size()).toBe(size);
    expect(toHex(store.head().lastHash)).toBe(toHex(lastHash));
    expect(ledger.latestCheckpoint()!.note).toBe(checkpoint.note);
    expect(ledger.integrator.size).toBe(size);
    // The checkpoint still opens under the log key and names the stored tree.
    const opened = openCheckpoint(checkpoint.note, ORIGIN, h.logKey.publicKey);
    expect(opened.size).toBe(size);
    expect(toHex(opened.root)).toBe(toHex(rootFromLeafHashes(verifyLog(store))));

    h.clock.advance(1000);
    const next = await ledger.submit(statement(farm, 'batch.create', batchBody('AFTER-RESTART'), h.clock, 1));
    expect(next.seq).toBe(size);
    expect(next.entry.prev).toBe(toBase64(lastHash));
    const cp = await ledger.waitForCheckpoint(next.seq);
    expect(cp.size).toBe(size + 1);
    expect(toHex(cp.root)).toBe(toHex(rootFromLeafHashes(verifyLog(store))));
  });

  it('upgrades a log stored with (level, idx) tree keys: the tree is rebuilt from the entries and checked before serving', async () => {
    const h = makeHarness();
    cleanups.push(() => rmSync(h.dir, { recursive: true, force: true }));
    const farm = await h.register('lixin-farm', 'producer');
    for (let i = 0; i < 40; i++) await h.append(farm, 'batch.create', batchBody(`U${i}`));
    const checkpoint = await h.ledger.waitForCheckpoint(h.ledger.size() - 1);
    const proof = h.ledger.integrator.inclusionProof(17, checkpoint.size).map(toHex);
    h.ledger.close();
    h.store.close();
    // The file as migration 0003 left it: tree_nodes keyed by (level, idx), holding this tree,
    // and 0004 not yet applied.
    const raw = new Database(join(h.dir, 'lotproof.db'));
    const nodes = raw.prepare('select pos, hash from tree_nodes order by pos').all() as { pos: number; hash: Buffer }[];
    raw.exec(`drop table tree_nodes;
      create table tree_nodes (level integer not null, idx integer not null, hash blob not null, primary key (level, idx));
      create trigger tree_nodes_no_delete before delete on tree_nodes begin select raise(abort, 'lotproof: tree_nodes are append-only'); end;`);
    const old = raw.prepare('insert into tree_nodes (level, idx, hash) values (?, ?, ?)');
    const f = new Frontier();
    for (let k = 0; k < checkpoint.size; k++) for (const n of f.append(new Uint8Array(32))) old.run(n.level, n.index, nodes[treePosition(n.level, n.index)]!.hash);
    const last = raw.prepare('select max(created_at) as at from __drizzle_migrations').get() as { at: number };
    raw.prepare('delete from __drizzle_migrations where created_at = ?').run(last.at);
    raw.close();

    const store = openStore(h.dir);
    cleanups.push(() => store.close());
    expect(store.sqlite.prepare('select name from pragma_table_info(?)').all('tree_nodes')).toEqual([{ name: 'pos' }, { name: 'hash' }]);
    expect(store.treeSize()).toBe(0);
    const ledger = createLedger({ store, clock: h.clock, origin: ORIGIN, operatorKey: h.operator.key, logKey: h.logKey, checkpointIntervalMs: 5 });
    cleanups.push(() => ledger.close());
    // The same tree, position for position, and the same proofs under the signed checkpoint.
    expect(store.treeSize()).toBe(checkpoint.size);
    expect((store.sqlite.prepare('select pos, hash from tree_nodes order by pos').all() as typeof nodes).map((n) => [n.pos, toHex(n.hash)])).toEqual(
      nodes.map((n) => [n.pos, toHex(n.hash)]),
    );
    expect(ledger.integrator.inclusionProof(17, checkpoint.size).map(toHex)).toEqual(proof);
    // The append-only triggers are back, and the log goes on.
    expect(() => store.sqlite.prepare('delete from tree_nodes where pos = 0').run()).toThrow(/append-only/);
    h.clock.advance(1000);
    const next = await ledger.submit(statement(farm, 'batch.create', batchBody('AFTER-UPGRADE'), h.clock, 2));
    const cp = await ledger.waitForCheckpoint(next.seq);
    expect(toHex(cp.root)).toBe(toHex(rootFromLeafHashes(verifyLog(store))));
  });

  it('refuses to start with another log key or origin than log.init names', async () => {
    const h = makeHarness();
    cleanups.push(() => rmSync(h.dir, { recursive: true, force: true }));
    await h.register('lixin-farm', 'producer');
    h.ledger.close();
    h.store.close();
    const store = openStore(h.dir);
    cleanups.push(() => store.close());
    const base = { store, clock: h.clock, operatorKey: h.operator.key };
    expect(() => createLedger({ ...base, origin: ORIGIN, logKey: generateKeyPair() })).toThrow(InvariantError);
    expect(() => createLedger({ ...base, origin: 'other.example/log', logKey: h.logKey })).toThrow(InvariantError);
    expect(store.head().size).toBe(2);
  });
});

// ---------------------------------------------------------------------------------------------
// Durability: SIGKILL of the writing process
// ---------------------------------------------------------------------------------------------

interface CrashRun {
  dir: string;
  acks: Map<number, string>;
  keys: { operator: KeyPair; log: KeyPair; farm: KeyPair };
  signal: NodeJS.Signals | null;
}

/**
 * Runs a child process that opens a ledger in a fresh directory and appends batch.create
 * statements in small concurrent groups forever, printing `ack <seq> <hash>` for each one the
 * ledger acknowledged. `killAfter` acknowledgements, the test SIGKILLs it; with
 * `crashInTreeWrite`, the child SIGKILLs itself as that call of putTreeNodes begins: inside a
 * group's transaction, its entries written and its tree nodes not.
 */
async function crashRun(opts: { killAfter?: number; crashInTreeWrite?: number }): Promise<CrashRun> {
  const dir = tempDir();
  const keys = { operator: generateKeyPair(), log: generateKeyPair(), farm: generateKeyPair() };
  writeFileSync(
    join(dir, 'keys.json'),
    JSON.stringify({ operator: toHex(keys.operator.secretKey), log: toHex(keys.log.secretKey), farm: toHex(keys.farm.secretKey) }),
  );
  const src = (p: string) => JSON.stringify(pathToFileURL(join(ROOT, p)).href);
  const child = `
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fromHex, toBase64 } from ${src('src/core/bytes.ts')};
import { keyPairFromSeed } from ${src('src/core/ed25519.ts')};
import { signStatement } from ${src('src/core/statement.ts')};
import { formatTime } from ${src('src/core/time.ts')};
import { systemClock } from ${src('src/ledger/clock.ts')};
import { createLedger } from ${src('src/ledger/ledger.ts')};
import { openSqliteStore } from ${src('src/store/sqlite.ts')};

const dir = process.argv[2];
const crashAt = Number(process.argv[3]);
const seeds = JSON.parse(readFileSync(join(dir, 'keys.json'), 'utf8'));
const operator = keyPairFromSeed(fromHex(seeds.operator));
const farm = keyPairFromSeed(fromHex(seeds.farm));
const store = openSqliteStore({ file: join(dir, 'lotproof.db'), documentsDir: join(dir, 'documents') });
if (crashAt > 0) {
  // Die inside a group's transaction, between writing its entries and its tree nodes.
  const put = store.putTreeNodes.bind(store);
  let calls = 0;
  store.putTreeNodes = (nodes) => {
    if (++calls === crashAt) process.kill(process.pid, 'SIGKILL');
    put(nodes);
  };
}
const ledger = createLedger({ store, clock: systemClock, origin: ${JSON.stringify(ORIGIN)}, operatorKey: operator, logKey: keyPairFromSeed(fromHex(seeds.log)), checkpointIntervalMs: 2 });
const sign = (actor, key, type, body) => signStatement({ v: 1, type, actor, pub: toBase64(key.publicKey), time: formatTime(Date.now()), nonce: toBase64(randomBytes(16)), body }, key);
const ack = (a) => process.stdout.write('ack ' + a.seq + ' ' + toBase64(a.hash) + '\\n');
ack(await ledger.submit(sign('operator', operator, 'actor.register', { id: 'farm', role: 'producer', name: 'Farm', pub: toBase64(farm.publicKey) })));
let lot = 0;
for (let group = 0; group < 100000; group++) {
  const subs = [];
  for (let i = 0; i <= group % 6; i++) {
    subs.push(sign('farm', farm, 'batch.create', { gtin: '09506000134352', lot: 'C' + lot++, product: { name: 'Wheat', category: 'grain' }, producedOn: '2026-09-01', quantity: { amount: 10, uom: 'KGM' }, origin: { country: 'CN' } }));
  }
  await Promise.all(subs.map((s) => ledger.submit(s).then(ack)));
}
process.exit(3); // never reached in the test: it is killed first
`;
  const script = join(dir, 'child.mts');
  writeFileSync(script, child);

  const acks = new Map<number, string>();
  const proc = spawn(process.execPath, ['--import', 'tsx', script, dir, String(opts.crashInTreeWrite ?? 0)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  cleanups.push(() => proc.kill('SIGKILL'));
  let stderr = '';
  let partial = '';
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  proc.stdout.on('data', (d: Buffer) => {
    const lines = (partial + d.toString()).split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      const m = /^ack (\d+) (\S+)$/.exec(line);
      if (!m) throw new Error(`unexpected child output: ${line}`);
      acks.set(Number(m[1]), m[2]!);
      if (opts.killAfter !== undefined && acks.size >= opts.killAfter) proc.kill('SIGKILL');
    }
  });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => proc.on('exit', (c, s) => resolve([c, s])));
  if (signal !== 'SIGKILL') throw new Error(`the child exited with code ${code}, signal ${signal}: ${stderr}`);
  return { dir, acks, keys, signal };
}

/** Reopens a crashed log: every acknowledged entry is there, the chain verifies, the ledger starts. */
function recover(run: CrashRun): { store: SqliteStore; ledger: Ledger; treeSizeBefore: number } {
  const store = openStore(run.dir);
  cleanups.push(() => store.close());
  const { size } = store.head();
  expect(run.acks.size).toBeGreaterThan(0);
  for (const [seq, hash] of run.acks) {
    const row = store.entry(seq);
    expect(row, `acknowledged entry ${seq}`).toBeDefined();
    expect(toBase64(row!.hash), `hash of acknowledged entry ${seq}`).toBe(hash);
  }
  expect(size).toBeGreaterThan(Math.max(...run.acks.keys()));
  const leafHashes = verifyLog(store);
  const treeSizeBefore = store.treeSize();
  expect(treeSizeBefore).toBeLessThanOrEqual(size);

  const clock = { now: () => Date.now() };
  const ledger = createLedger({ store, clock, origin: ORIGIN, operatorKey: run.keys.operator, logKey: run.keys.log, checkpointIntervalMs: 5 });
  cleanups.push(() => ledger.close());
  expect(ledger.size()).toBe(size);
  expect(ledger.integrator.size).toBe(size);
  const cp = ledger.latestCheckpoint()!;
  expect(cp.size).toBe(size);
  expect(toHex(cp.root)).toBe(toHex(rootFromLeafHashes(leafHashes)));
  expect(openCheckpoint(cp.note, ORIGIN, run.keys.log.publicKey).size).toBe(size);
  return { store, ledger, treeSizeBefore };
}

describe('a crash (SIGKILL) of the writing process', () => {
  it('loses no acknowledged entry, and the reopened log verifies and goes on', async () => {
    const run = await crashRun({ killAfter: 60 });
    expect(run.acks.size).toBeGreaterThanOrEqual(60);
    const { store, ledger } = recover(run);
    const size = store.head().size;
    const lastHash = toBase64(store.head().lastHash);
    const farm = { id: 'farm', key: run.keys.farm };
    const next = await ledger.submit(statement(farm, 'batch.create', batchBody('AFTER-CRASH'), { now: () => Date.now() }, 7));
    expect(next.seq).toBe(size);
    expect(next.entry.prev).toBe(lastHash);
    verifyLog(store);
  });

  it('loses a group whole, never its entries without their tree nodes, when the crash comes inside its commit', async () => {
    // putTreeNodes call 1 is log.init's, 2 the registration's, 3 the first batch group's: die there.
    const run = await crashRun({ crashInTreeWrite: 3 });
    const { store, treeSizeBefore } = recover(run);
    expect(store.head().size).toBe(2);
    expect(treeSizeBefore).toBe(2);
  });
});

// ---------------------------------------------------------------------------------------------
// WAL checkpoints on their own thread
// ---------------------------------------------------------------------------------------------

describe('WAL checkpoints', () => {
  const node = (i: number) => ({ level: 0, index: i, hash: new Uint8Array(32).fill(i & 0xff) });
  const frames = (file: string) => statSync(`${file}-wal`).size / 4120; // 24-byte frame header + 4 KiB page

  it('run on their own thread, and the WAL starts over instead of growing', async () => {
    const dir = tempDir();
    const file = join(dir, 'lotproof.db');
    const store = openStore(dir, { everyWrites: 4, restartFrames: 200 });
    cleanups.push(() => store.close());
    // SQLite's own checkpoints are off on the store's connection.
    expect(store.sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    const dbBytes0 = statSync(file).size;
    let heldSeen = 0;
    let next = 0;
    // 400 transactions of 100 nodes each, about 8,000 frames: far past the bound of 200.
    for (let t = 0; t < 400; t++) {
      const held = store.writesHeld();
      if (held) {
        heldSeen++;
        await held;
      }
      store.putTreeNodes(Array.from({ length: 100 }, () => node(next++)));
      await new Promise((r) => setImmediate(r));
    }
    // Pages reached the database file, which only a checkpoint writes, and the WAL started over.
    expect(statSync(file).size).toBeGreaterThan(dbBytes0 + 1_000_000);
    expect(heldSeen).toBeGreaterThan(0);
    expect(frames(file)).toBeLessThan(2_000);
    expect(store.treeSize()).toBe(40_000);
    store.close();
    // The store's connection closed last, so its close checkpointed everything and removed the WAL.
    expect(existsSync(`${file}-wal`)).toBe(false);
    const again = openStore(dir);
    cleanups.push(() => again.close());
    expect(again.treeSize()).toBe(40_000);
    expect(toHex(again.treeNode(0, 39_999)!)).toBe(toHex(node(39_999).hash));
  });

  it('hold the sequencer back while they need it, and no entry is lost or reordered', async () => {
    const dir = tempDir();
    const store = openStore(dir, { everyWrites: 2, restartFrames: 1 });
    cleanups.push(() => store.close());
    const clock = new TestClock();
    const operator = { id: 'operator', key: generateKeyPair() };
    const ledger = createLedger({ store, clock, origin: ORIGIN, operatorKey: operator.key, logKey: generateKeyPair(), maxBatch: 16, checkpointIntervalMs: 5 });
    cleanups.push(() => ledger.close());
    const farm = { id: 'farm', key: keyPairFromSeed(fromHex('12'.repeat(32))!) };
    await ledger.submit(statement(operator, 'actor.register', { id: 'farm', role: 'producer', name: 'Farm', pub: toBase64(farm.key.publicKey) }, clock, 0));
    // Counted where the sequencer asks, not by polling on a timer: a hold can begin and end
    // between two timer ticks on a busy machine, and the sequencer's question is what matters.
    let heldSeen = 0;
    const writesHeld = store.writesHeld.bind(store);
    store.writesHeld = () => {
      const held = writesHeld();
      if (held) heldSeen++;
      return held;
    };
    const subs = Array.from({ length: 400 }, (_, i) => statement(farm, 'batch.create', batchBody(`W${i}`), clock, 100 + i));
    const appended = await Promise.all(subs.map((s) => ledger.submit(s)));
    expect(heldSeen).toBeGreaterThan(0);
    expect(appended.map((a) => a.seq)).toEqual(subs.map((_, i) => 2 + i));
    const cp = await ledger.waitForCheckpoint(401);
    expect(cp.size).toBe(402);
    expect(toHex(cp.root)).toBe(toHex(rootFromLeafHashes(verifyLog(store))));
    expect(store.treeSize()).toBe(402);
  });

  it('a checkpoint thread that cannot open the database fails its checkpoints, and closing does not wait for it', async () => {
    const cp = startWalCheckpointer(join(tempDir(), 'missing.db'));
    await expect(cp.run()).rejects.toThrow(/WAL checkpoint thread (failed|stopped)/);
    const t0 = performance.now();
    cp.closeSync();
    expect(performance.now() - t0).toBeLessThan(5_000);
    await expect(cp.run()).rejects.toThrow(/WAL checkpoint thread/);
  });
});

// ---------------------------------------------------------------------------------------------
// Group commit
// ---------------------------------------------------------------------------------------------

describe('group commit', () => {
  function countWrites(store: SqliteStore): { count: number } {
    const counter = { count: 0 };
    const write = store.write.bind(store);
    store.write = <T>(fn: Parameters<Store['write']>[0]): T => {
      counter.count++;
      return write(fn) as T;
    };
    return counter;
  }

  it('commits 300 concurrent submissions in a few transactions, in order, chain intact', async () => {
    const h = harness();
    const farm = await h.register('lixin-farm', 'producer');
    const subs = Array.from({ length: 300 }, (_, i) => h.sign(farm, 'batch.create', batchBody(`G${i}`)));
    const first = h.ledger.size();
    const writes = countWrites(h.store);
    const appended = await Promise.all(subs.map((s) => h.ledger.submit(s)));
    expect(appended.map((a) => a.seq)).toEqual(subs.map((_, i) => first + i));
    expect(writes.count).toBeGreaterThanOrEqual(1);
    expect(writes.count).toBeLessThanOrEqual(3);
    expect(h.ledger.size()).toBe(first + 300);
    for (const a of appended) expect(toHex(h.store.entry(a.seq)!.hash)).toBe(toHex(a.hash));
    const cp = await h.ledger.waitForCheckpoint(h.ledger.size() - 1);
    expect(toHex(cp.root)).toBe(toHex(rootFromLeafHashes(verifyLog(h.store))));
  });

  it('splits a burst into groups of at most maxBatch, and refusals inside a group write nothing', async () => {
    const dir = tempDir();
    const store = openStore(dir);
    cleanups.push(() => store.close());
    const clock = new TestClock();
    const operator = { id: 'operator', key: generateKeyPair() };
    const ledger = createLedger({ store, clock, origin: ORIGIN, operatorKey: operator.key, logKey: generateKeyPair(), maxBatch: 64, checkpointIntervalMs: 5 });
    cleanups.push(() => ledger.close());
    const farm = { id: 'farm', key: keyPairFromSeed(fromHex('11'.repeat(32))!) };
    await ledger.submit(statement(operator, 'actor.register', { id: 'farm', role: 'producer', name: 'Farm', pub: toBase64(farm.key.publicKey) }, clock, 0));
    // Every tenth statement repeats an earlier lot and must be refused alone.
    const subs = Array.from({ length: 300 }, (_, i) =>
      statement(farm, 'batch.create', batchBody(i % 10 === 9 ? `B${i - 9}` : `B${i}`), clock, 1000 + i),
    );
    const writes = countWrites(store);
    const results = await Promise.allSettled(subs.map((s) => ledger.submit(s)));
    expect(writes.count).toBe(Math.ceil(300 / 64));
    const accepted = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.seq] : []));
    const refused = results.flatMap((r, i) => (r.status === 'rejected' ? [[i, (r.reason as LedgerError).code] as const] : []));
    expect(refused).toEqual(subs.flatMap((_, i) => (i % 10 === 9 ? [[i, 'duplicate_batch'] as const] : [])));
    expect(accepted).toEqual(Array.from({ length: 270 }, (_, i) => 2 + i));
    expect(store.head().size).toBe(2 + 270);
    verifyLog(store);
  });
});

// ---------------------------------------------------------------------------------------------
// The actor cache
// ---------------------------------------------------------------------------------------------

describe('the actor cache', () => {
  const row = (id: string, pub: string) => ({ id, role: 'producer', name: id, pub, registeredSeq: 1, revokedSeq: null });

  it('answers what the file holds after every kind of actor write', () => {
    const store = openStore(tempDir());
    cleanups.push(() => store.close());
    store.write((tx) => {
      tx.insertActor(row('farm', 'K1'));
      tx.setActorKey('farm', 'K1', 1);
    });
    expect(store.actor('farm')?.pub).toBe('K1');
    store.write((tx) => tx.setActorKey('farm', 'K2', 2));
    expect(store.actor('farm')?.pub).toBe('K2');
    // Read inside the write that changes it, and after.
    const seen = store.write((tx) => {
      const before = tx.actor('farm')?.revokedSeq;
      tx.revokeActor('farm', 3);
      return [before, tx.actor('farm')?.revokedSeq];
    });
    expect(seen).toEqual([null, 3]);
    expect(store.actor('farm')).toMatchObject({ pub: null, revokedSeq: 3 });
    expect(store.actor('nobody')).toBeUndefined();
  });

  it('keeps nothing a rolled-back write or savepoint wrote', () => {
    const store = openStore(tempDir());
    cleanups.push(() => store.close());
    store.write((tx) => tx.insertActor(row('farm', 'K1')));
    expect(store.actor('farm')?.pub).toBe('K1');
    // A whole write transaction that fails after changing and reading actors.
    expect(() =>
      store.write((tx) => {
        tx.setActorKey('farm', 'K2', 2);
        tx.insertActor(row('lab', 'L1'));
        expect(tx.actor('farm')?.pub).toBe('K2');
        expect(tx.actor('lab')?.pub).toBe('L1');
        throw new Error('refused');
      }),
    ).toThrow('refused');
    expect(store.actor('farm')?.pub).toBe('K1');
    expect(store.actor('lab')).toBeUndefined();
    // A statement's savepoint that is undone while its write transaction goes on and commits.
    store.write((tx) => {
      expect(() =>
        tx.atomically(() => {
          tx.setActorKey('farm', 'K3', 3);
          expect(tx.actor('farm')?.pub).toBe('K3');
          throw new Error('refused');
        }),
      ).toThrow('refused');
      expect(tx.actor('farm')?.pub).toBe('K1');
      tx.insertActor(row('carrier', 'C1'));
    });
    expect(store.actor('farm')?.pub).toBe('K1');
    expect(store.actor('carrier')?.pub).toBe('C1');
  });

  it('lets the sequencer see a key rotation and a revocation at once, inside one group commit', async () => {
    const h = harness();
    const farm = await h.register('farm', 'producer');
    // The farm's row is cached by this first batch.
    await h.append(farm, 'batch.create', batchBody('G0'));
    const newKey = { id: 'farm', key: generateKeyPair() };
    // Submitted together: the harness checks submissions on this thread, so all five are queued
    // before the sequencer's next turn and committed in one transaction, in this order.
    const outcomes = await Promise.allSettled([
      h.ledger.submit(h.sign(farm, 'actor.rotateKey', { id: 'farm', pub: toBase64(newKey.key.publicKey) })),
      h.ledger.submit(h.sign(farm, 'batch.create', batchBody('G1'))),
      h.ledger.submit(h.sign(newKey, 'batch.create', batchBody('G2'))),
      h.ledger.submit(h.sign(h.operator, 'actor.revoke', { id: 'farm', reason: 'key lost' })),
      h.ledger.submit(h.sign(newKey, 'batch.create', batchBody('G3'))),
    ]);
    const codes = outcomes.map((o) => (o.status === 'fulfilled' ? 'accepted' : (o.reason as LedgerError).code));
    expect(codes).toEqual(['accepted', 'key_not_active', 'accepted', 'accepted', 'actor_revoked']);
    const seqs = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value.seq] : []));
    expect(seqs).toEqual([seqs[0], seqs[0]! + 1, seqs[0]! + 2]);
    // And after the group: the row the store answers is the revoked one.
    expect(h.store.actor('farm')).toMatchObject({ pub: null, revokedSeq: seqs[2] });
  });

  it('is not kept by a read-only store, whose file another connection writes', () => {
    const dir = tempDir();
    const writer = openStore(dir);
    cleanups.push(() => writer.close());
    writer.write((tx) => tx.insertActor(row('farm', 'K1')));
    const reader = openSqliteStore({ file: join(dir, 'lotproof.db'), documentsDir: join(dir, 'documents'), readonly: true });
    cleanups.push(() => reader.close());
    expect(reader.actor('farm')?.pub).toBe('K1');
    writer.write((tx) => tx.setActorKey('farm', 'K2', 2));
    expect(reader.actor('farm')?.pub).toBe('K2');
  });
});
