// The integrator's tree (src/ledger/integrator.ts) on a real SQLite file: its in-memory copy of
// the upper tree levels must give exactly the nodes the store holds, whether they were cached
// when written, when first read, or not at all, and must spare the store those reads.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { utf8 } from '../../src/core/bytes.ts';
import { consistencyProof, hashLeaf, inclusionProof, rootAt, rootFromLeafHashes, type NodeReader } from '../../src/core/merkle.ts';
import { Integrator } from '../../src/ledger/integrator.ts';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite.ts';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()!();
});

function openStore(dir: string): SqliteStore {
  const store = openSqliteStore({ file: join(dir, 'lotproof.db'), documentsDir: join(dir, 'documents') });
  cleanups.push(() => store.close());
  return store;
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lotproof-integrator-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const leaf = (i: number) => utf8(`leaf ${i}`);

/** Reads straight from the store, with no cache in between. */
const storeReader =
  (store: SqliteStore): NodeReader =>
  (level, index) => {
    const h = store.treeNode(level, index);
    if (!h) throw new Error(`missing node ${level}/${index}`);
    return h;
  };

describe('the integrator', () => {
  it('answers every proof from its cached levels exactly as the store alone would', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 90 }), { minLength: 1, maxLength: 12 }), fc.array(fc.nat(), { minLength: 4, maxLength: 4 }), (chunks, picks) => {
        const dir = tempDir();
        const store = openStore(dir);
        const integrator = new Integrator(store);
        let size = 0;
        for (const n of chunks) {
          integrator.integrate(size, Array.from({ length: n }, (_, k) => leaf(size + k)));
          size += n;
        }
        const plain = storeReader(store);
        expect(integrator.root()).toEqual(rootFromLeafHashes(Array.from({ length: size }, (_, i) => hashLeaf(leaf(i)))));
        // The writing integrator (cache filled as nodes were written) and a fresh one over the
        // same file (cache filled as nodes are read) agree with the store node for node.
        const reopened = new Integrator(store);
        for (const it of [integrator, reopened]) {
          for (const p of picks) {
            const n = 1 + (p % size);
            const index = p % n;
            const old = 1 + ((p >> 3) % n);
            expect(inclusionProof(index, n, it.read)).toEqual(inclusionProof(index, n, plain));
            expect(consistencyProof(old, n, it.read)).toEqual(consistencyProof(old, n, plain));
            expect(rootAt(n, it.read)).toEqual(rootAt(n, plain));
          }
        }
      }),
      { numRuns: 25 },
    );
  });

  it('reads each upper-level node from the store at most once', () => {
    const store = openStore(tempDir());
    const writer = new Integrator(store);
    const size = 3000;
    writer.integrate(0, Array.from({ length: size }, (_, i) => leaf(i)));
    const reads: [number, number][] = [];
    const treeNode = store.treeNode.bind(store);
    store.treeNode = (level, index) => {
      reads.push([level, index]);
      return treeNode(level, index);
    };
    const integrator = new Integrator(store);
    reads.length = 0;
    const first = inclusionProof(1234, size, integrator.read);
    const firstReads = reads.length;
    expect(reads.some(([level]) => level >= 4)).toBe(true);
    reads.length = 0;
    expect(inclusionProof(1234, size, integrator.read)).toEqual(first);
    // The second time, only the levels below the cached ones come from the store.
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.length).toBeLessThan(firstReads);
    expect(reads.every(([level]) => level < 4)).toBe(true);
    // Nodes the integrator wrote itself are never read back from the store.
    reads.length = 0;
    writer.integrate(size, Array.from({ length: 64 }, (_, i) => leaf(size + i)));
    inclusionProof(size + 10, size + 64, writer.read);
    expect(reads.every(([level]) => level < 4)).toBe(true);
  });

  it('grows the tree proofs see only as staged groups become durable, and drops a group whose transaction failed', () => {
    const store = openStore(tempDir());
    const integrator = new Integrator(store);
    integrator.integrate(0, [leaf(0), leaf(1)]);
    const rootOf = (n: number) => rootFromLeafHashes(Array.from({ length: n }, (_, i) => hashLeaf(leaf(i))));
    // Two groups staged in their transactions, as the sequencer does.
    const a = store.write(() => integrator.stage(2, [leaf(2), leaf(3), leaf(4)]));
    integrator.staged(a);
    const b = store.write(() => integrator.stage(5, [leaf(5)]));
    integrator.staged(b);
    expect(store.treeSize()).toBe(6);
    expect(integrator.size).toBe(2);
    expect(integrator.root()).toEqual(rootOf(2));
    // A third whose transaction fails leaves nothing behind, and its leaves can be staged again.
    expect(() =>
      store.write(() => {
        integrator.stage(6, [leaf(6)]);
        throw new Error('the commit failed');
      }),
    ).toThrow('the commit failed');
    expect(store.treeSize()).toBe(6);
    const c = store.write(() => integrator.stage(6, [leaf(6)]));
    integrator.staged(c);
    // Out of order is a broken invariant.
    expect(() => store.write(() => integrator.stage(9, [leaf(9)]))).toThrow(/out of order/);
    integrator.advance(4); // inside group a: not yet
    expect(integrator.size).toBe(2);
    integrator.advance(5);
    expect(integrator.size).toBe(5);
    expect(integrator.root()).toEqual(rootOf(5));
    integrator.advance(7);
    expect(integrator.size).toBe(7);
    expect(integrator.root()).toEqual(rootOf(7));
    expect(rootAt(7, (level, index) => store.treeNode(level, index)!)).toEqual(rootOf(7));
  });

  it('catches up from the stored log where entries have no tree nodes (a log written when the tree was stored apart)', () => {
    const dir = tempDir();
    const store = openStore(dir);
    const n = 300;
    store.write((tx) => {
      for (let i = 0; i < n; i++) tx.appendEntry({ seq: i, hash: new Uint8Array(32), leaf: leaf(i), loggedAt: '2026-11-29T00:00:00.000Z', type: 'batch.create', actor: 'farm' });
    });
    const integrator = new Integrator(store);
    expect(integrator.size).toBe(0);
    integrator.catchUp(store.head().size, 64);
    expect(integrator.size).toBe(n);
    expect(store.treeSize()).toBe(n);
    expect(integrator.root()).toEqual(rootFromLeafHashes(Array.from({ length: n }, (_, i) => hashLeaf(leaf(i)))));
  });
});
