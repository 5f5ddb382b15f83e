// `lotproof audit` and `lotproof export` against the real service on a temp data directory.
// The tamper tests edit the SQLite file behind the service's back (dropping the append-only
// triggers first), restart it on the same directory, and require the auditor to name the entry
// that was changed. The service itself still starts: its start-up check compares the stored tree
// nodes with its last checkpoint, and these tamperings leave the tree nodes alone.
import Database from 'better-sqlite3';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fromBase64, toBase64 } from '../../src/core/bytes.ts';
import { generateKeyPair, type KeyPair } from '../../src/core/ed25519.ts';
import { signCheckpoint } from '../../src/core/checkpoint.ts';
import { sha256 } from '../../src/core/hash.ts';
import { canonicalBytes } from '../../src/core/jcs.ts';
import { Frontier, hashLeaf } from '../../src/core/merkle.ts';
import { verifierKey } from '../../src/core/note.ts';
import { signStatement, type StatementType } from '../../src/core/statement.ts';
import { runAudit, runExport, type AuditIo, type AuditOptions, type AuditReport } from '../../src/cli/audit.ts';
import { readKeyFile } from '../../src/cli/keyfile.ts';
import { configFromEnv, startService, type Service } from '../../src/main.ts';
import { nodesOfLeaves } from '../../src/store/tree-position.ts';

const ORIGIN = 'audit.test/log';
const LOTPROOF = resolve(import.meta.dirname, '../../scripts/lotproof.mjs');
const GTIN = '09506000134352';

interface Live {
  service: Service;
  url: string;
  port: number;
}

let dir: string;
let live: Live | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lotproof-audit-'));
});
afterEach(async () => {
  if (live) await live.service.close();
  live = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const dataDir = () => join(dir, 'data');
const dbFile = () => join(dataDir(), 'lotproof.db');

async function start(port = 0, data = dataDir()): Promise<Live> {
  const config = configFromEnv({
    PORT: String(port),
    LOTPROOF_DATA: data,
    LOTPROOF_ORIGIN: ORIGIN,
    LOTPROOF_CHECKPOINT_INTERVAL_MS: '10',
    LOTPROOF_RATE_READ: '0',
    LOTPROOF_RATE_WRITE: '0',
    LOTPROOF_RATE_ACTOR_WRITE: '0',
  });
  const service = await startService(config, { listen: true, quiet: true });
  const addr = service.server!.address();
  if (typeof addr !== 'object' || !addr) throw new Error('no port');
  live = { service, url: `http://127.0.0.1:${addr.port}`, port: addr.port };
  return live;
}

async function stop(): Promise<void> {
  await live!.service.close();
  live = undefined;
}

const operatorKey = (): KeyPair => readKeyFile(join(dataDir(), 'operator.key'));
const logKeyString = (): string => verifierKey(ORIGIN, readKeyFile(join(dataDir(), 'log.key')).publicKey);

async function submit(actor: string, key: KeyPair, type: StatementType, body: Record<string, unknown>, wait = false): Promise<number> {
  const sub = signStatement(
    { v: 1, type, actor, pub: toBase64(key.publicKey), time: new Date().toISOString(), nonce: toBase64(randomBytes(16)), body },
    key,
  );
  const post = () =>
    fetch(`${live!.url}/v1/entries${wait ? '?wait=checkpoint' : ''}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(sub),
    });
  // After a restart on the same port, fetch may first pick a pooled connection to the old server.
  const res = await post().catch(post);
  if (res.status !== 201) throw new Error(`${type} by ${actor}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { seq: number }).seq;
}

const batch = (lot: string) => ({
  gtin: GTIN,
  lot,
  product: { name: 'Organic wheat', category: 'grain' },
  producedOn: '2026-09-01',
  quantity: { amount: 1000, uom: 'KGM' },
  origin: { country: 'CN' },
});

/**
 * Writes 20 entries exercising the role replay: registrations, a key rotation by the actor
 * itself, a lab report, a revocation. Entry 0 is log.init. Returns the log size.
 */
async function populate(tag: string): Promise<number> {
  const op = operatorKey();
  let farm = generateKeyPair();
  const lab = generateKeyPair();
  await submit('operator', op, 'actor.register', { id: 'farm', role: 'producer', name: 'Farm', pub: toBase64(farm.publicKey) });
  await submit('operator', op, 'actor.register', {
    id: 'lab', role: 'lab', name: 'Lab', pub: toBase64(lab.publicKey), accreditation: { body: 'CNAS', number: 'L1234' },
  });
  await submit('operator', op, 'actor.register', { id: 'carrier', role: 'carrier', name: 'Carrier', pub: toBase64(generateKeyPair().publicKey) });
  for (let i = 1; i <= 6; i++) await submit('farm', farm, 'batch.create', batch(`${tag}-${i}`));
  const next = generateKeyPair();
  await submit('farm', farm, 'actor.rotateKey', { id: 'farm', pub: toBase64(next.publicKey) });
  farm = next;
  for (let i = 7; i <= 9; i++) await submit('farm', farm, 'batch.create', batch(`${tag}-${i}`));
  await submit('lab', lab, 'labreport.issue', {
    id: `R-${tag}`, batch: `01/${GTIN}/10/${tag}-1`, issuedOn: '2026-09-05', verdict: 'pass',
    tests: [{ name: 'Chlorpyrifos', result: '<0.01', verdict: 'pass' }],
  });
  await submit('operator', op, 'actor.revoke', { id: 'carrier', reason: 'left the scheme' });
  let last = 0;
  for (let i = 10; i <= 13; i++) last = await submit('farm', farm, 'batch.create', batch(`${tag}-${i}`), i === 13);
  return last + 1;
}

interface Captured {
  code: number;
  out: string;
  err: string;
  json: () => AuditReport;
}

function io(opts: { tty?: boolean; signal?: AbortSignal } = {}): { io: AuditIo; get: () => { out: string; err: string } } {
  let out = '';
  let err = '';
  return {
    io: {
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: (s: string) => (err += s), isTTY: opts.tty ?? false, columns: 80 },
      fetch: globalThis.fetch,
      now: Date.now,
      ...(opts.signal ? { signal: opts.signal } : {}),
    },
    get: () => ({ out, err }),
  };
}

async function audit(opts: AuditOptions, tty = false): Promise<Captured> {
  const c = io({ tty });
  const code = await runAudit(opts, c.io);
  const { out, err } = c.get();
  return { code, out, err, json: () => JSON.parse(out) as AuditReport };
}

/** Runs the real `lotproof` command as a child process (the service keeps this event loop). */
function spawnCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [LOTPROOF, ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** Runs fn over the stopped log's SQLite file, with the append-only triggers dropped. */
function tamper(fn: (db: Database.Database) => void): void {
  const db = new Database(dbFile());
  try {
    for (const t of ['entries_no_update', 'entries_no_delete', 'tree_nodes_no_update', 'tree_nodes_no_delete', 'checkpoints_no_update', 'checkpoints_no_delete']) {
      db.exec(`DROP TRIGGER IF EXISTS ${t}`);
    }
    fn(db);
  } finally {
    db.close();
  }
}

function leafOf(db: Database.Database, seq: number): any {
  const row = db.prepare('select leaf from entries where seq = ?').get(seq) as { leaf: Buffer };
  return JSON.parse(row.leaf.toString('utf8'));
}

function setLeaf(db: Database.Database, seq: number, entry: unknown): void {
  db.prepare('update entries set leaf = ? where seq = ?').run(Buffer.from(canonicalBytes(entry)), seq);
}

describe('lotproof audit against a live log', () => {
  it('verifies an honest log, trusting the served key on first use, and pins it with --state', async () => {
    await start();
    const size = await populate('A');
    const r = await audit({ url: live!.url });
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toContain(`OK: ${ORIGIN} at size ${size}`);
    expect(r.out).toContain('not replayed: holdings');
    expect(r.err).toContain('trusting the log key served at');

    const pinned = await audit({ url: live!.url, key: logKeyString() });
    expect(pinned.code).toBe(0);
    expect(pinned.err).toBe('');

    const other = verifierKey(ORIGIN, generateKeyPair().publicKey);
    const wrong = await audit({ url: live!.url, key: other, json: true });
    expect(wrong.code).toBe(1);
    expect(wrong.json().firstBad).toMatchObject({ index: null, code: 'checkpoint_signature' });

    const state = join(dir, 'state.json');
    const first = await audit({ url: live!.url, state });
    expect(first.code).toBe(0);
    expect(first.err).toContain(`pinned in ${state}`);
    const saved = JSON.parse(readFileSync(state, 'utf8'));
    expect(saved).toMatchObject({ format: 'lotproof-audit-state/v1', origin: ORIGIN, logKey: logKeyString(), size });

    await submit('operator', operatorKey(), 'actor.register', { id: 'shop', role: 'retailer', name: 'Shop', pub: toBase64(generateKeyPair().publicKey) }, true);
    const second = await audit({ url: live!.url, state });
    expect(second.code, second.out).toBe(0);
    expect(second.err).toBe('');
    expect(second.out).toContain(`consistent with the checkpoint of size ${size} verified before`);
    expect(JSON.parse(readFileSync(state, 'utf8')).size).toBe(size + 1);

    // A --key that contradicts the pinned one is a usage error, not a silent re-pin.
    await expect(audit({ url: live!.url, state, key: other })).rejects.toThrow(/not the key pinned/);
  });

  it('prints one JSON object with --json, and draws progress only on a terminal', async () => {
    await start();
    const size = await populate('J');
    const r = await audit({ url: live!.url, json: true });
    expect(r.code).toBe(0);
    const report = r.json();
    expect(Object.keys(report).sort()).toEqual(['checked', 'firstBad', 'ok', 'origin', 'root', 'size']);
    expect(report).toMatchObject({ ok: true, origin: ORIGIN, size, checked: size, firstBad: null });
    expect(fromBase64(report.root!)?.length).toBe(32);
    expect(r.out.trim().split('\n').length).toBe(1);
    expect(r.err).not.toContain('\r');

    const tty = await audit({ url: live!.url, key: logKeyString() }, true);
    expect(tty.code).toBe(0);
    expect(tty.err).toContain('\r');
    expect(tty.err).toContain(`${size}/${size}`);
  });

  it('runs as the real command: exit 0, and 3 when the log cannot be reached', async () => {
    await start();
    const size = await populate('C');
    const ok = await spawnCli(['audit', '--url', live!.url, '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, size, checked: size, firstBad: null });
    const url = live!.url;
    await stop();
    const down = await spawnCli(['audit', '--url', url]);
    expect(down.code).toBe(3);
    expect(down.stderr).toContain('cannot read');
    const usage = await spawnCli(['audit']);
    expect(usage.code).toBe(2);
    // A mistyped --key is a usage error (exit 2, stderr), never "the log failed verification".
    for (const args of [['audit', '--url', url, '--key', 'garbage'], ['export', '--url', url, '--out', join(dir, 'k.jsonl'), '--key', 'garbage']]) {
      const bad = await spawnCli(args);
      expect(bad.code, bad.stderr).toBe(2);
      expect(bad.stdout).toBe('');
      expect(bad.stderr.trim().split('\n')).toHaveLength(1);
      expect(bad.stderr).toMatch(/--key: .*not a C2SP Ed25519 verifier key/);
    }
  });
});

describe('tampering with the stored log is caught at the right entry', () => {
  it('(a) an entry whose signed body was edited: its signature fails', async () => {
    await start();
    await populate('T');
    await stop();
    tamper((db) => {
      const e = leafOf(db, 7);
      expect(e.statement.type).toBe('batch.create');
      e.statement.body.quantity.amount = 999_999;
      setLeaf(db, 7, e);
    });
    await start();
    const r = await audit({ url: live!.url, json: true });
    expect(r.code).toBe(1);
    expect(r.json()).toMatchObject({ ok: false, checked: 7, firstBad: { index: 7, code: 'bad_signature' } });
    expect(r.json().firstBad!.reason).toMatch(/^entry 7: the statement signature does not verify/);

    const cli = await spawnCli(['audit', '--url', live!.url]);
    expect(cli.code).toBe(1);
    expect(cli.stdout).toContain('FAILED: entry 7: the statement signature does not verify');
  });

  it('(a) an entry whose unsigned loggedAt was edited: its leaf no longer matches the hash tile', async () => {
    await start();
    await populate('U');
    await stop();
    tamper((db) => {
      const e = leafOf(db, 12);
      e.loggedAt = e.loggedAt.replace(/\.\d{3}Z$/, '.999Z');
      setLeaf(db, 12, e);
    });
    await start();
    const r = await audit({ url: live!.url, json: true });
    expect(r.code).toBe(1);
    expect(r.json().firstBad).toMatchObject({ index: 12, code: 'leaf_hash_mismatch' });
  });

  it('(b) a deleted entry: the next one turns up at its index', async () => {
    await start();
    await populate('D');
    await stop();
    tamper((db) => db.prepare('delete from entries where seq = 5').run());
    await start();
    const r = await audit({ url: live!.url, json: true });
    expect(r.code).toBe(1);
    expect(r.json().firstBad).toMatchObject({ index: 5, code: 'seq_mismatch', reason: 'entry 5: seq is 6, expected 5' });
  });

  it('(c) two swapped entries: the first has the wrong seq', async () => {
    await start();
    await populate('S');
    await stop();
    tamper((db) => {
      const a = db.prepare('select leaf, hash from entries where seq = 9').get() as { leaf: Buffer; hash: Buffer };
      const b = db.prepare('select leaf, hash from entries where seq = 10').get() as { leaf: Buffer; hash: Buffer };
      db.prepare('update entries set leaf = ?, hash = ? where seq = 9').run(b.leaf, b.hash);
      db.prepare('update entries set leaf = ?, hash = ? where seq = 10').run(a.leaf, a.hash);
    });
    await start();
    const r = await audit({ url: live!.url, json: true });
    expect(r.code).toBe(1);
    expect(r.json().firstBad).toMatchObject({ index: 9, code: 'seq_mismatch', reason: 'entry 9: seq is 10, expected 9' });
  });

  it('(d) a whole history rewritten and re-signed with the stolen keys: caught with --state', async () => {
    const state = join(dir, 'state.json');
    await start();
    const size = await populate('F');
    expect((await audit({ url: live!.url, state })).code).toBe(0);
    const before = readFileSync(state, 'utf8');
    await stop();
    // A fresh log with the same key files and origin, and different entries.
    for (const f of ['', '-wal', '-shm']) rmSync(`${dbFile()}${f}`, { force: true });
    await start();
    await populate('G');
    await submit('operator', operatorKey(), 'actor.register', { id: 'extra', role: 'retailer', name: 'X', pub: toBase64(generateKeyPair().publicKey) }, true);

    // On its own the forged log is self-consistent, even against the pinned key...
    expect((await audit({ url: live!.url, key: logKeyString() })).code).toBe(0);
    // ...but not with the checkpoint verified before.
    const r = await audit({ url: live!.url, state, json: true });
    expect(r.code).toBe(1);
    expect(r.json().firstBad).toMatchObject({ index: 0, code: 'history_rewritten' });
    expect(r.json().firstBad!.reason).toContain(`size ${size}`);
    expect(readFileSync(state, 'utf8')).toBe(before);
  });

  it('(d) a history truncated and rewritten from entry 17 on: located to the subtree that holds it', async () => {
    const state = join(dir, 'state.json');
    await start();
    expect(await populate('P')).toBe(20);
    expect((await audit({ url: live!.url, state })).code).toBe(0);
    await stop();
    tamper((db) => {
      db.prepare('delete from entries where seq >= 17').run();
      db.prepare(`delete from tree_nodes where pos >= ${nodesOfLeaves(17)}`).run();
      db.prepare('delete from checkpoints where size > 17').run();
    });
    await start();
    const op = operatorKey();
    for (let i = 0; i < 5; i++) {
      await submit('operator', op, 'actor.register', { id: `forged${i}`, role: 'retailer', name: 'F', pub: toBase64(generateKeyPair().publicKey) }, i === 4);
    }
    expect((await audit({ url: live!.url })).code).toBe(0);
    const r = await audit({ url: live!.url, state, json: true });
    expect(r.code).toBe(1);
    // The tree of size 20 is the subtrees [0, 16) and [16, 20): the first still matches.
    expect(r.json().firstBad).toMatchObject({ index: 16, code: 'history_rewritten' });

    // A log that shrank below the verified size is caught before reading any entry.
    await stop();
    tamper((db) => {
      db.prepare('delete from entries where seq >= 12').run();
      db.prepare(`delete from tree_nodes where pos >= ${nodesOfLeaves(12)}`).run();
      db.prepare('delete from checkpoints where size > 12').run();
    });
    await start();
    const shrunk = await audit({ url: live!.url, state, json: true });
    expect(shrunk.code).toBe(1);
    expect(shrunk.json().firstBad).toMatchObject({ index: 12, code: 'log_shrank' });
  });
});

describe('lotproof export and audit --bundle', () => {
  it('exports a bundle that verifies offline, and fails when it is tampered with', async () => {
    await start();
    const size = await populate('B');
    const bundle = join(dir, 'log.jsonl');
    const gz = join(dir, 'log.jsonl.gz');
    const c = io();
    expect(await runExport({ url: live!.url, out: bundle }, c.io)).toBe(0);
    expect(c.get().out).toContain(`${size} entries`);
    expect(await runExport({ url: live!.url, out: gz, key: logKeyString() }, io().io)).toBe(0);
    await stop();

    const lines = readFileSync(bundle, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ format: 'lotproof-bundle/v1', origin: ORIGIN, logKey: logKeyString(), size });
    expect(lines.filter((l) => 'leaf' in l).length).toBe(size);
    const cps = lines.filter((l) => 'checkpoint' in l);
    expect(cps.length).toBeGreaterThan(1);
    expect(lines[lines.length - 1]).toEqual({ end: { leaves: size, checkpoints: cps.length } });

    for (const file of [bundle, gz]) {
      const r = await audit({ bundle: file, key: logKeyString(), json: true });
      expect(r.code, r.out).toBe(0);
      expect(r.json()).toMatchObject({ ok: true, size, checked: size, firstBad: null });
    }
    const tofu = await audit({ bundle });
    expect(tofu.code).toBe(0);
    expect(tofu.err).toContain('trusting the log key named in the bundle');
    expect(tofu.out).toContain(`${cps.length} signed checkpoints`);

    const write = (ls: unknown[]) => {
      const f = join(dir, 'tampered.jsonl');
      writeFileSync(f, ls.map((l) => JSON.stringify(l)).join('\n') + '\n');
      return f;
    };
    // A leaf's body edited.
    const leafLines = lines.map((l, i) => ('leaf' in l ? i : -1)).filter((i) => i >= 0);
    const edited = structuredClone(lines);
    const e = JSON.parse(Buffer.from(edited[leafLines[4]!].leaf, 'base64').toString('utf8'));
    e.statement.body.name = 'Someone else';
    edited[leafLines[4]!].leaf = toBase64(canonicalBytes(e));
    let r = await audit({ bundle: write(edited), key: logKeyString(), json: true });
    expect(r.json().firstBad).toMatchObject({ index: 4, code: 'bad_signature' });

    // A checkpoint re-rooted without a valid signature.
    const forged = structuredClone(lines);
    const cpLine = forged.find((l: any) => 'checkpoint' in l && l.checkpoint.size > 1);
    cpLine.checkpoint.note = cpLine.checkpoint.note.replace(/\n\n\u2014 (\S+) (\S+)\n$/, (_: string, n: string, s: string) => `\n\n\u2014 ${n} ${s.slice(0, 10)}${s[10] === 'A' ? 'B' : 'A'}${s.slice(11)}\n`);
    r = await audit({ bundle: write(forged), key: logKeyString(), json: true });
    expect(r.json().firstBad).toMatchObject({ index: null, code: 'checkpoint_signature' });

    // A leaf dropped: every later leaf is at the wrong index.
    const dropped = lines.filter((_, i) => i !== leafLines[9]);
    r = await audit({ bundle: write(dropped), key: logKeyString(), json: true });
    // Entry 10 turns up at index 9, or, when a checkpoint followed leaf 9, it comes too early.
    expect(r.json().firstBad!.index).toBe(9);
    expect(['seq_mismatch', 'missing_entry']).toContain(r.json().firstBad!.code);

    // Truncated before its end line.
    r = await audit({ bundle: write(lines.slice(0, -3)), key: logKeyString(), json: true });
    expect(r.code).toBe(1);
    expect(r.json().ok).toBe(false);

    // Another log's key.
    r = await audit({ bundle, key: verifierKey(ORIGIN, generateKeyPair().publicKey), json: true });
    expect(r.json().firstBad).toMatchObject({ code: 'wrong_key' });
  });
});

describe('lotproof audit --watch', () => {
  it('follows new checkpoints, then exits 1 when the log forks under it', async () => {
    const { port } = await start();
    await populate('W');
    const ctl = new AbortController();
    const c = io({ signal: ctl.signal });
    const watching = runAudit({ url: live!.url, watch: true, intervalSeconds: 0.05, key: logKeyString() }, c.io);
    const until = async (pred: () => boolean) => {
      for (let i = 0; i < 400 && !pred(); i++) await new Promise((r) => setTimeout(r, 25));
      expect(pred(), c.get().out + c.get().err).toBe(true);
    };
    try {
      await until(() => c.get().out.includes('OK: audit.test/log at size 20'));
      const op = operatorKey();
      await submit('operator', op, 'actor.register', { id: 'late', role: 'retailer', name: 'Late', pub: toBase64(generateKeyPair().publicKey) }, true);
      await until(() => c.get().out.includes('size 20 -> 21'));

      // A forged history is prepared elsewhere with copies of the same key files...
      const forkData = join(dir, 'fork');
      mkdirSync(forkData);
      for (const k of ['operator.key', 'log.key']) {
        copyFileSync(join(dataDir(), k), join(forkData, k));
        chmodSync(join(forkData, k), 0o600);
      }
      const honest = live!;
      live = await start(0, forkData);
      const forkOp = readKeyFile(join(forkData, 'operator.key'));
      await populate('X');
      for (let i = 0; i < 3; i++) {
        await submit('operator', forkOp, 'actor.register', { id: `fork${i}`, role: 'retailer', name: 'F', pub: toBase64(generateKeyPair().publicKey) }, i === 2);
      }
      await stop();
      // ...and served on the watched address in place of the honest log.
      live = honest;
      await stop();
      await start(port, forkData);
      const code = await Promise.race([watching, new Promise<number>((r) => setTimeout(() => r(-1), 10_000))]);
      expect(code, c.get().out + c.get().err).toBe(1);
      expect(c.get().out).toContain('FAILED: entry 21: prev does not match entry 20');
    } finally {
      ctl.abort();
      await watching;
    }
  });

  it('stops cleanly with exit 0 when asked to', async () => {
    await start();
    await populate('Q');
    const ctl = new AbortController();
    const c = io({ signal: ctl.signal });
    const watching = runAudit({ url: live!.url, watch: true, intervalSeconds: 0.05, json: true }, c.io);
    for (let i = 0; i < 200 && !c.get().out; i++) await new Promise((r) => setTimeout(r, 25));
    ctl.abort();
    expect(await watching).toBe(0);
    expect(JSON.parse(c.get().out.split('\n')[0]!)).toMatchObject({ ok: true, size: 20 });
  });
});

describe('audit --bundle usage', () => {
  it('refuses --bundle with --url', async () => {
    await expect(audit({ bundle: 'x', url: 'http://127.0.0.1:1' })).rejects.toThrow(/offline/);
    await expect(audit({ bundle: join(dir, 'missing.jsonl') })).rejects.toThrow(/cannot read the bundle/);
  });
});


describe('audit --bundle replays the role rules (on histories no honest log would write)', () => {
  const origin = 'forge.test/log';
  const logKey = generateKeyPair();
  const op = generateKeyPair();
  const vkey = verifierKey(origin, logKey.publicKey);
  type Forged = { actor: string; key: KeyPair; type: StatementType; body: Record<string, unknown>; loggedAt?: string; raw?: (leaf: string) => string };

  /** Writes a bundle whose every leaf and checkpoint is well signed, whatever the rules say. */
  function forge(items: Forged[], init: Record<string, unknown> = {}): string {
    const all: Forged[] = [
      { actor: 'operator', key: op, type: 'log.init', body: { origin, operator: { id: 'operator', pub: toBase64(op.publicKey) }, logKey: vkey, ...init } },
      ...items,
    ];
    const frontier = new Frontier();
    let prev = toBase64(new Uint8Array(32));
    const lines: string[] = [JSON.stringify({ format: 'lotproof-bundle/v1', origin, logKey: vkey, size: all.length, exportedAt: '2026-11-22T09:00:00.000Z' })];
    all.forEach((it, seq) => {
      const sub = signStatement(
        { v: 1, type: it.type, actor: it.actor, pub: toBase64(it.key.publicKey), time: '2026-11-22T08:00:00.000Z', nonce: toBase64(randomBytes(16)), body: it.body },
        it.key,
      );
      const entry = { v: 1, seq, prev, loggedAt: it.loggedAt ?? `2026-11-22T08:00:${String(seq).padStart(2, '0')}.000Z`, statement: sub.statement, sig: sub.sig };
      const text = new TextDecoder().decode(canonicalBytes(entry));
      const leaf = new TextEncoder().encode(it.raw ? it.raw(text) : text);
      prev = toBase64(sha256(leaf));
      frontier.append(hashLeaf(leaf));
      lines.push(JSON.stringify({ leaf: toBase64(leaf) }));
    });
    const note = signCheckpoint({ origin, size: all.length, root: frontier.root() }, logKey);
    lines.push(JSON.stringify({ checkpoint: { size: all.length, root: toBase64(frontier.root()), signedAt: '2026-11-22T09:00:00.000Z', note } }));
    lines.push(JSON.stringify({ end: { leaves: all.length, checkpoints: 1 } }));
    const file = join(dir, `forged-${randomBytes(4).toString('hex')}.jsonl`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    return file;
  }

  const farm1 = generateKeyPair();
  const farm2 = generateKeyPair();
  const register = (id: string, key: KeyPair, role = 'producer'): Forged => ({
    actor: 'operator', key: op, type: 'actor.register', body: { id, role, name: id, pub: toBase64(key.publicKey) },
  });
  const create = (key: KeyPair, lot: string, actor = 'farm'): Forged => ({ actor, key, type: 'batch.create', body: batch(lot) });

  async function firstBad(file: string) {
    const r = await audit({ bundle: file, key: vkey, json: true });
    return r.json().firstBad;
  }

  it('passes a history that keeps the rules', async () => {
    const file = forge([
      register('farm', farm1),
      create(farm1, 'A1'),
      { actor: 'farm', key: farm1, type: 'actor.rotateKey', body: { id: 'farm', pub: toBase64(farm2.publicKey) } },
      create(farm2, 'A2'),
    ]);
    expect(await firstBad(file)).toBeNull();
  });

  it('names the entry signed with a key rotated away, by a revoked actor, out of role, or by a stranger', async () => {
    const rotated = forge([
      register('farm', farm1),
      { actor: 'farm', key: farm1, type: 'actor.rotateKey', body: { id: 'farm', pub: toBase64(farm2.publicKey) } },
      create(farm2, 'B1'),
      create(farm1, 'B2'),
    ]);
    expect(await firstBad(rotated)).toMatchObject({ index: 4, code: 'signer_not_allowed' });
    expect((await firstBad(rotated))!.reason).toContain('key_not_active');

    const revoked = forge([register('farm', farm1), { actor: 'operator', key: op, type: 'actor.revoke', body: { id: 'farm', reason: 'fraud' } }, create(farm1, 'C1')]);
    expect(await firstBad(revoked)).toMatchObject({ index: 3, code: 'signer_not_allowed' });
    expect((await firstBad(revoked))!.reason).toContain('actor_revoked');

    const outOfRole = forge([register('farm', farm1), { actor: 'farm', key: farm1, type: 'actor.register', body: { id: 'x', role: 'producer', name: 'x', pub: toBase64(farm2.publicKey) } }]);
    expect((await firstBad(outOfRole))!.reason).toContain('role_not_allowed');

    const stranger = forge([create(farm1, 'D1', 'nobody')]);
    expect(await firstBad(stranger)).toMatchObject({ index: 1, code: 'signer_not_allowed' });
    expect((await firstBad(stranger))!.reason).toContain('unknown_actor');

    const secondInit = forge([register('farm', farm1), { actor: 'operator', key: op, type: 'log.init', body: { origin, operator: { id: 'operator', pub: toBase64(op.publicKey) }, logKey: vkey } }]);
    expect(await firstBad(secondInit)).toMatchObject({ index: 2, code: 'signer_not_allowed' });
  });

  it('names log.init that does not name this log, non-canonical leaves and time going back', async () => {
    const otherKey = verifierKey(origin, generateKeyPair().publicKey);
    expect(await firstBad(forge([], { logKey: otherKey }))).toMatchObject({ index: 0, code: 'invalid_log_init' });
    expect(await firstBad(forge([], { origin: 'other.test/log' }))).toMatchObject({ index: 0, code: 'invalid_log_init' });
    const spaced = forge([register('farm', farm1), { ...create(farm1, 'E1'), raw: (t) => t.replace('{"loggedAt"', '{ "loggedAt"') }]);
    expect(await firstBad(spaced)).toMatchObject({ index: 2, code: 'leaf_not_canonical' });
    const back = forge([register('farm', farm1), { ...create(farm1, 'E2'), loggedAt: '2026-11-22T07:00:00.000Z' }]);
    expect(await firstBad(back)).toMatchObject({ index: 2, code: 'time_went_back' });
    const badBody = forge([register('farm', farm1), { actor: 'farm', key: farm1, type: 'batch.create', body: { ...batch('E3'), gtin: '09506000134353' } }]);
    expect(await firstBad(badBody)).toMatchObject({ index: 2, code: 'invalid_body' });
  });
});
