// Faults: a full disk, a read-only database and missing or unreadable key files. Writes fail
// with a 503 problem that says why, nothing partial is stored, reads keep working, and once the
// fault clears the log goes on with an unbroken chain. A missing key is never replaced.
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toBase64, toHex } from '../../src/core/bytes.ts';
import { sha256 } from '../../src/core/hash.ts';
import { sign } from '../../src/core/ed25519.ts';
import { formatTime } from '../../src/core/time.ts';
import { uploadMessage } from '../../src/core/upload.ts';
import { configFromEnv, startService } from '../../src/main.ts';
import { batchBody, GTIN, makeHarness, type Actor, type Harness } from '../support.ts';

let h: Harness;
let farm: Actor;
beforeEach(async () => {
  h = makeHarness();
  farm = await h.register('farm', 'producer');
  await h.append(farm, 'batch.create', batchBody('F0'));
  await h.ledger.waitForCheckpoint(h.ledger.size() - 1);
});
afterEach(() => h.close());

async function problemOf(res: Response) {
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  return (await res.json()) as { code: string; detail: string; status: number };
}

/** Reads keep working: an entry, the checkpoint, a batch view, a proof. */
async function readsWork() {
  expect((await h.app.request('/v1/entries/0')).status).toBe(200);
  expect((await h.app.request('/log/checkpoint')).status).toBe(200);
  expect((await h.app.request(`/01/${GTIN}/10/F0`, { headers: { accept: 'application/json' } })).status).toBe(200);
  expect((await h.app.request('/log/proof/inclusion?index=1')).status).toBe(200);
}

/** The chain is unbroken: every entry's prev is the hash of the one before, seq has no gaps. */
function chainIntact() {
  const size = h.ledger.size();
  let prev: Uint8Array = new Uint8Array(32);
  for (let seq = 0; seq < size; seq++) {
    const row = h.store.entry(seq)!;
    const e = JSON.parse(Buffer.from(row.leaf).toString('utf8'));
    expect(e.seq).toBe(seq);
    expect(e.prev).toBe(toBase64(prev));
    prev = row.hash;
  }
}

describe('a full disk', () => {
  it('refuses writes with 503 storage_unavailable, keeps reads, and recovers', async () => {
    const pages = h.store.sqlite.pragma('page_count', { simple: true }) as number;
    // SQLITE_FULL is what a full disk produces; max_page_count makes it happen here. The free
    // room left in the last pages takes a few entries before the first write is refused.
    h.store.sqlite.pragma(`max_page_count = ${pages}`);
    const subs = Array.from({ length: 60 }, (_, i) => h.sign(farm, 'batch.create', batchBody(`FULL-${i}`, { attributes: { pad: 'x'.repeat(3000) } })));
    let refused = -1;
    for (let i = 0; i < subs.length && refused < 0; i++) {
      const before = h.ledger.size();
      const res = await h.post(subs[i]!);
      if (res.status === 201) continue;
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBeTruthy();
      const p = await problemOf(res);
      expect(p.code).toBe('storage_unavailable');
      expect(p.detail).toMatch(/full/i);
      // Nothing of the refused group was stored.
      expect(h.ledger.size()).toBe(before);
      expect(h.store.head().size).toBe(before);
      refused = i;
    }
    expect(refused).toBeGreaterThanOrEqual(0);
    const size = h.ledger.size();
    // Every further write is refused while the disk is full, whole groups at once.
    const answers = await Promise.all(subs.slice(refused, refused + 10).map((s) => h.post(s)));
    for (const res of answers) expect(res.status).toBe(503);
    expect(h.ledger.size()).toBe(size);
    await readsWork();
    // The disk has room again: the same statements are accepted, the chain continues.
    h.store.sqlite.pragma('max_page_count = 1073741823');
    const again = await Promise.all(subs.slice(refused, refused + 5).map((s) => h.post(s)));
    expect(again.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
    expect(h.ledger.size()).toBe(size + 5);
    chainIntact();
    const cp = await h.ledger.waitForCheckpoint(h.ledger.size() - 1);
    expect(cp.size).toBe(size + 5);
  });
});

describe('durability', () => {
  /** Holds the store's syncs until released, as a slow disk would. */
  function holdSyncs(store: Harness['store']) {
    const sync = store.sync;
    const held: (() => void)[] = [];
    store.sync = () => sync().then(() => new Promise<void>((resolve) => held.push(resolve)));
    return {
      get waiting() {
        return held.length;
      },
      release: () => held.splice(0).forEach((r) => r()),
      restore: () => (store.sync = sync),
    };
  }
  const settle = () => new Promise((r) => setTimeout(r, 20));

  it('acknowledges an entry only after a sync covers it, and shows it nowhere before', async () => {
    const size = h.ledger.size();
    const syncs = holdSyncs(h.store);
    let answered = false;
    const res = h.post(h.sign(farm, 'batch.create', batchBody('SYNC-1'))).then((r) => ((answered = true), r));
    await settle();
    // Committed (the store holds it) but not yet durable: no answer, no size, no tree, no entry.
    expect(h.store.head().size).toBe(size + 1);
    expect(syncs.waiting).toBe(1);
    expect(answered).toBe(false);
    expect(h.ledger.size()).toBe(size);
    expect(h.ledger.integrator.size).toBe(size);
    expect((await h.app.request(`/v1/entries/${size}`)).status).toBe(404);
    // A second submission commits while the first group's sync is under way; it waits for its own.
    const res2 = h.post(h.sign(farm, 'batch.create', batchBody('SYNC-2')));
    await settle();
    expect(h.store.head().size).toBe(size + 2);
    syncs.release();
    expect((await res).status).toBe(201);
    expect(h.ledger.size()).toBe(size + 1);
    await settle();
    syncs.release();
    expect((await res2).status).toBe(201);
    expect(h.ledger.size()).toBe(size + 2);
    expect((await h.app.request(`/v1/entries/${size + 1}`)).status).toBe(200);
    syncs.restore();
    const cp = await h.ledger.waitForCheckpoint(size + 1);
    expect(cp.size).toBe(size + 2);
    chainIntact();
  });

  it('stops the log when a sync fails, acknowledging nothing it covered', async () => {
    const fatal: Error[] = [];
    const f = makeHarness({ onFatal: (e) => fatal.push(e) });
    try {
      const grower = await f.register('grower', 'producer');
      const size = f.ledger.size();
      f.store.sync = () => Promise.reject(new Error('EIO: i/o error, fdatasync'));
      const res = await f.post(f.sign(grower, 'batch.create', batchBody('EIO-1')));
      expect(res.status).toBe(503);
      expect((await problemOf(res)).code).toBe('storage_unavailable');
      expect(fatal).toHaveLength(1);
      expect(fatal[0]!.message).toMatch(/could not make its writes durable \(fsync failed: EIO/);
      expect(f.ledger.size()).toBe(size);
      expect(f.ledger.integrator.size).toBe(size);
      // Refused from then on, without writing.
      const again = await f.post(f.sign(grower, 'batch.create', batchBody('EIO-2')));
      expect(again.status).toBe(503);
      expect(f.store.head().size).toBe(size + 1);
    } finally {
      f.close();
    }
  });
});

describe('a document store that cannot be written', () => {
  it('refuses an upload with 503 and stores no row', async () => {
    // The documents directory cannot be created: a file stands in its place.
    writeFileSync(join(h.dir, 'documents'), '');
    const pdf = new TextEncoder().encode(`%PDF ${'y'.repeat(5_000)}`);
    const hex = toHex(sha256(pdf));
    const time = formatTime(h.clock.now());
    const auth = `Lotproof-Ed25519 actor="farm", time="${time}", sig="${toBase64(sign(uploadMessage('farm', hex, time), farm.key.secretKey))}"`;
    const up = await h.app.request(`/v1/documents/${hex}`, { method: 'PUT', headers: { 'content-type': 'application/pdf', authorization: auth }, body: Buffer.from(pdf) });
    expect(up.status).toBe(503);
    expect((await problemOf(up)).code).toBe('storage_unavailable');
    expect(h.store.document(hex)).toBeUndefined();
    await readsWork();
  });
});

describe('a read-only database', () => {
  it('refuses writes with 503, keeps reads, and recovers', async () => {
    const size = h.ledger.size();
    h.store.sqlite.pragma('query_only = ON');
    const res = await h.post(h.sign(farm, 'batch.create', batchBody('RO-1')));
    expect(res.status).toBe(503);
    const p = await problemOf(res);
    expect(p.code).toBe('storage_unavailable');
    expect(p.detail).toMatch(/readonly|read-only|read only/i);
    expect(h.ledger.size()).toBe(size);
    await readsWork();
    h.store.sqlite.pragma('query_only = OFF');
    expect((await h.post(h.sign(farm, 'batch.create', batchBody('RO-2')))).status).toBe(201);
    chainIntact();
  });

  it('refuses a group whole when its tree nodes cannot be written, and the next one goes through', async () => {
    const size = h.ledger.size();
    // The tree's nodes are written in the group's own transaction: when they fail, as when the
    // disk fills, nothing of the group is stored and its submitters get 503.
    const put = h.store.putTreeNodes;
    let failures = 0;
    h.store.putTreeNodes = (nodes) => {
      if (failures++ < 1) throw new Error('database or disk is full');
      put(nodes);
    };
    const res = await h.post(h.sign(farm, 'batch.create', batchBody('TREE-1')));
    expect(res.status).toBe(503);
    expect((await problemOf(res)).code).toBe('storage_unavailable');
    expect(h.store.head().size).toBe(size);
    expect(h.store.treeSize()).toBe(size);
    expect(h.ledger.size()).toBe(size);
    expect((await h.post(h.sign(farm, 'batch.create', batchBody('TREE-2')))).status).toBe(201);
    expect(h.ledger.integrator.size).toBe(size + 1);
    const cp = await h.ledger.waitForCheckpoint(size);
    expect(cp.size).toBe(size + 1);
    h.store.putTreeNodes = put;
    chainIntact();
  });
});

describe('key files', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
  const fresh = () => {
    const d = mkdtempSync(join(tmpdir(), 'lotproof-keys-'));
    dirs.push(d);
    return d;
  };

  it('refuses to start over an existing log whose log key is missing, and never makes a new one', async () => {
    const d = fresh();
    const svc = await startService(configFromEnv({ LOTPROOF_DATA: d }), { quiet: true });
    await svc.close();
    copyFileSync(join(d, 'log.key'), join(d, 'log.key.bak'));
    unlinkSync(join(d, 'log.key'));
    await expect(startService(configFromEnv({ LOTPROOF_DATA: d }), { quiet: true })).rejects.toThrow(/log\.key is missing/);
    expect(() => chmodSync(join(d, 'log.key'), 0o600)).toThrow();
  });

  it('refuses a key file others can read, and a directory in its place', async () => {
    const d = fresh();
    const svc = await startService(configFromEnv({ LOTPROOF_DATA: d }), { quiet: true });
    await svc.close();
    chmodSync(join(d, 'operator.key'), 0o644);
    await expect(startService(configFromEnv({ LOTPROOF_DATA: d }), { quiet: true })).rejects.toThrow(/accessible to other users/);
    chmodSync(join(d, 'operator.key'), 0o600);
    unlinkSync(join(d, 'log.key'));
    mkdirSync(join(d, 'log.key'));
    await expect(startService(configFromEnv({ LOTPROOF_DATA: d }), { quiet: true })).rejects.toThrow(/not a file/);
  });

  it('refuses a log key that is not the one named in log.init', async () => {
    const d = fresh();
    const e = fresh();
    await (await startService(configFromEnv({ LOTPROOF_DATA: d }), { quiet: true })).close();
    await (await startService(configFromEnv({ LOTPROOF_DATA: e }), { quiet: true })).close();
    copyFileSync(join(e, 'log.key'), join(d, 'log.key'));
    await expect(startService(configFromEnv({ LOTPROOF_DATA: d }), { quiet: true })).rejects.toThrow(/log key file does not hold the key named in log.init/);
  });
});
