// RFC 6962 / RFC 9162 §2.1 Merkle tree: transparency-dev/merkle's published vectors, its RFC 6962
// reference tree, property tests over random append sequences, and read counts on large trees.
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { equalBytes, fromBase64, fromHex, toHex, utf8 } from '../../src/core/bytes.ts';
import { InvariantError, LedgerError } from '../../src/core/errors.ts';
import { sha256 } from '../../src/core/hash.ts';
import {
  EMPTY_ROOT,
  Frontier,
  HASH_SIZE,
  consistencyProof,
  hashChildren,
  hashLeaf,
  inclusionProof,
  rootAt,
  rootFromInclusion,
  rootFromLeafHashes,
  subtreeHash,
  verifyConsistency,
  verifyInclusion,
  type NodeReader,
  type SubtreeMemo,
} from '../../src/core/merkle.ts';

const VECTORS = fileURLToPath(new URL('../vectors/transparency-dev-merkle/', import.meta.url));

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

function hex(s: string): Uint8Array {
  const b = fromHex(s);
  if (b === undefined) throw new Error(`bad hex in vector: ${s}`);
  return b;
}

function nodeKey(level: number, index: number): string {
  return `${level}/${index}`;
}

/**
 * A NodeReader over a Map of stored nodes that also enforces the NodeReader contract: it throws
 * (failing the test) if asked for a node that is not complete within the given tree size.
 */
function readerFor(nodes: Map<string, Uint8Array>, size: number): NodeReader {
  return (level, index) => {
    if (!Number.isSafeInteger(level) || !Number.isSafeInteger(index) || level < 0 || index < 0) {
      throw new Error(`read of malformed node (${level}, ${index})`);
    }
    if ((index + 1) * 2 ** level > size) {
      throw new Error(`read of node (${level}, ${index}), not complete in a tree of size ${size}`);
    }
    const hash = nodes.get(nodeKey(level, index));
    if (hash === undefined) throw new Error(`node (${level}, ${index}) was never stored`);
    return hash;
  };
}

interface Log {
  leafHashes: Uint8Array[];
  nodes: Map<string, Uint8Array>;
  /** roots[s] is the root of the tree of the first s leaves, from Frontier.root(). */
  roots: Uint8Array[];
}

/** Appends leaves with distinct data to a Frontier, storing every node it reports. */
function buildLog(count: number, salt: number, onAppend?: (log: Log, frontier: Frontier) => void): Log {
  const frontier = new Frontier();
  const log: Log = { leafHashes: [], nodes: new Map(), roots: [frontier.root()] };
  for (let i = 0; i < count; i++) {
    const leafHash = hashLeaf(utf8(`lotproof test leaf ${salt}/${i}`));
    log.leafHashes.push(leafHash);
    for (const node of frontier.append(leafHash)) {
      const key = nodeKey(node.level, node.index);
      if (log.nodes.has(key)) throw new Error(`node ${key} reported twice`);
      log.nodes.set(key, node.hash);
    }
    log.roots.push(frontier.root());
    onAppend?.(log, frontier);
  }
  return log;
}

function flipBit(proof: Uint8Array[], element: number, byte: number, bit: number): Uint8Array[] {
  return proof.map((h, i) => {
    if (i !== element) return h;
    const copy = h.slice();
    copy[byte]! ^= 1 << bit;
    return copy;
  });
}

function expectOutOfRange(f: () => unknown): void {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(LedgerError);
  expect((caught as LedgerError).code).toBe('proof_out_of_range');
}

// ---------------------------------------------------------------------------------------------
// transparency-dev/merkle testdata probes
// ---------------------------------------------------------------------------------------------

function listJson(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listJson(path));
    else if (entry.name.endsWith('.json')) out.push(path);
  }
  return out.sort();
}

type Raw = Record<string, unknown>;

interface Probe {
  file: string;
  raw: Raw;
  /** Whether lotproof must accept the probe. */
  expected: boolean;
}

/**
 * Probes where lotproof's answer differs from upstream's, each with the reason. Policy: a root
 * that is not 32 bytes is malformed, so it never verifies, even against an identical one.
 */
const DEVIATIONS: ReadonlyMap<string, { expected: boolean; reason: string }> = new Map([
  [
    'consistency/additional/sizes-are-equal-one-and-proof-is-empty.json',
    {
      expected: false,
      reason: 'its equal roots are 12 bytes; Go compares them without checking their length',
    },
  ],
]);

function loadProbes(kind: 'inclusion' | 'consistency'): Probe[] {
  return listJson(join(VECTORS, kind)).map((path) => {
    const file = relative(VECTORS, path).split('\\').join('/');
    const raw = JSON.parse(readFileSync(path, 'utf8')) as Raw;
    // An unknown expected result is a broken vector, not a skipped one.
    if (typeof raw.wantErr !== 'boolean') throw new Error(`${file}: wantErr is not a boolean`);
    const deviation = DEVIATIONS.get(file);
    return { file, raw, expected: deviation ? deviation.expected : !raw.wantErr };
  });
}

function field(raw: Raw, name: string, file: string): Uint8Array {
  const v = raw[name];
  const b = typeof v === 'string' ? fromBase64(v) : undefined;
  if (b === undefined) throw new Error(`${file}: ${name} is not canonical base64`);
  return b;
}

function proofField(raw: Raw, file: string): Uint8Array[] {
  const v = raw.proof;
  if (v === null) return [];
  if (!Array.isArray(v)) throw new Error(`${file}: proof is neither null nor an array`);
  return v.map((h, i) => {
    const b = typeof h === 'string' ? fromBase64(h) : undefined;
    if (b === undefined) throw new Error(`${file}: proof[${i}] is not canonical base64`);
    return b;
  });
}

function numberField(raw: Raw, name: string, file: string): number {
  const v = raw[name];
  // JSON.parse turns 2^64 - 1 into 2^64; it is still an integer, just not a safe one.
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new Error(`${file}: bad ${name}`);
  return v;
}

const inclusionProbes = loadProbes('inclusion');
const consistencyProbes = loadProbes('consistency');

describe('transparency-dev/merkle inclusion probes', () => {
  it('are all present', () => {
    expect(inclusionProbes.length).toBe(98);
    expect(inclusionProbes.filter((p) => p.expected).length).toBe(6);
  });

  it.each(inclusionProbes.map((p) => [p.file, p] as const))('%s', (file, { raw, expected }) => {
    const index = numberField(raw, 'leafIdx', file);
    const size = numberField(raw, 'treeSize', file);
    const leafHash = field(raw, 'leafHash', file);
    const root = field(raw, 'root', file);
    const proof = proofField(raw, file);
    if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size)) expect(expected).toBe(false);

    expect(verifyInclusion(index, size, leafHash, proof, root)).toBe(expected);
    const computed = rootFromInclusion(index, size, leafHash, proof);
    if (expected) expect(toHex(computed!)).toBe(toHex(root));
    else expect(computed === undefined || !equalBytes(computed, root)).toBe(true);
  });
});

describe('transparency-dev/merkle consistency probes', () => {
  it('are all present', () => {
    expect(consistencyProbes.length).toBe(98);
    expect(consistencyProbes.filter((p) => p.expected).length).toBe(5);
  });

  it('deviate from upstream only where listed, for the stated reason', () => {
    const files = new Set([...inclusionProbes, ...consistencyProbes].map((p) => p.file));
    for (const [file, deviation] of DEVIATIONS) {
      expect(files.has(file)).toBe(true);
      const probe = consistencyProbes.find((p) => p.file === file)!;
      expect(probe.raw.wantErr).toBe(deviation.expected);
      // The probe is upstream's "equal sizes, equal roots, empty proof" case with short roots.
      const root1 = field(probe.raw, 'root1', file);
      const root2 = field(probe.raw, 'root2', file);
      expect(probe.raw.size1).toBe(probe.raw.size2);
      expect(equalBytes(root1, root2)).toBe(true);
      expect(root1.length).not.toBe(HASH_SIZE);
      // With well-formed roots the same case verifies.
      const size = probe.raw.size1 as number;
      const good = hashLeaf(utf8('x'));
      expect(verifyConsistency(size, size, good, good.slice(), [])).toBe(true);
    }
  });

  it.each(consistencyProbes.map((p) => [p.file, p] as const))('%s', (file, { raw, expected }) => {
    const size1 = numberField(raw, 'size1', file);
    const size2 = numberField(raw, 'size2', file);
    const root1 = field(raw, 'root1', file);
    const root2 = field(raw, 'root2', file);
    const proof = proofField(raw, file);
    expect(verifyConsistency(size1, size2, root1, root2, proof)).toBe(expected);
  });
});

// ---------------------------------------------------------------------------------------------
// RFC 6962 reference tree (testonly/constants.go, cmd/proofgen, rfc6962_test.go)
// ---------------------------------------------------------------------------------------------

interface Reference {
  hasher: {
    emptyRoot: string;
    emptyLeafHash: string;
    leafHash: { leafUtf8: string; hash: string };
    nodeHash: { leftUtf8: string; rightUtf8: string; hash: string };
  };
  referenceTree: {
    leafInputs: string[];
    nodeHashes: string[][];
    rootHashes: string[];
    inclusionProofs: { leafIndex: number; treeSize: number; proof: string[] }[];
    consistencyProofs: { size1: number; size2: number; proof: string[] }[];
  };
  subtreeDigests: { leafCount: number; subtreeHash: string; subtreeInclusionProof: string };
}

const reference = JSON.parse(
  readFileSync(join(VECTORS, 'rfc6962-reference-tree.json'), 'utf8'),
) as Reference;

describe('RFC 6962 hashing', () => {
  it('matches the published hasher values', () => {
    const h = reference.hasher;
    expect(toHex(EMPTY_ROOT)).toBe(h.emptyRoot);
    expect(toHex(hashLeaf(new Uint8Array(0)))).toBe(h.emptyLeafHash);
    expect(toHex(hashLeaf(utf8(h.leafHash.leafUtf8)))).toBe(h.leafHash.hash);
    expect(toHex(hashChildren(utf8(h.nodeHash.leftUtf8), utf8(h.nodeHash.rightUtf8)))).toBe(h.nodeHash.hash);
    expect(HASH_SIZE).toBe(32);
  });

  it('hashes alike with Node\'s native SHA-256 and with noble (as bundled for the browser)', async () => {
    const { sha256: noble } = await import('@noble/hashes/sha2.js');
    // FIPS 180-4 example ("abc") and lengths around the 64-byte block and its padding edges.
    expect(toHex(sha256(utf8('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    for (let n = 0; n <= 200; n++) {
      const data = new Uint8Array(n).map((_, i) => (i * 31 + n) & 0xff);
      const ours = sha256(data);
      expect(ours).toBeInstanceOf(Uint8Array);
      expect(ours.length).toBe(32);
      expect(toHex(ours), String(n)).toBe(toHex(noble(data)));
    }
  });

  it('gives every hash its own bytes, whatever is hashed after it, at any input size', async () => {
    // hashLeaf and hashChildren assemble their input in one reused buffer (up to 4 KiB, a
    // fresh one beyond), and sha256 copies the digest out: no answer may change afterwards.
    const { sha256: noble } = await import('@noble/hashes/sha2.js');
    const leafHashOf = (leaf: Uint8Array) => noble(new Uint8Array([0, ...leaf]));
    const sizes = [0, 1, 63, 64, 65, 640, 4094, 4095, 4096, 4097, 65_535];
    const leaves = sizes.map((n) => new Uint8Array(n).map((_, i) => (i * 7 + n) & 0xff));
    const got = leaves.map((l) => hashLeaf(l));
    const pairs = got.slice(1).map((h, i) => hashChildren(got[i]!, h));
    leaves.forEach((l, i) => expect(toHex(got[i]!), `leaf of ${sizes[i]} bytes`).toBe(toHex(leafHashOf(l))));
    got.slice(1).forEach((h, i) => expect(toHex(pairs[i]!)).toBe(toHex(noble(new Uint8Array([1, ...got[i]!, ...h])))));
    expect(new Set(got.map((h) => h.buffer)).size).toBe(got.length);
  });

  it('separates leaves from nodes and orders children', () => {
    const a = hashLeaf(utf8('Hello'));
    const b = hashLeaf(utf8('World'));
    expect(equalBytes(hashChildren(a, b), hashLeaf(new Uint8Array([...a, ...b])))).toBe(false);
    expect(equalBytes(hashChildren(a, b), hashChildren(b, a))).toBe(false);
  });
});

describe('the 8-leaf reference tree', () => {
  const tree = reference.referenceTree;
  const leafHashes = tree.leafInputs.map((s) => hashLeaf(hex(s)));
  const nodes = new Map<string, Uint8Array>();
  const frontier = new Frontier();
  const appended: { level: number; index: number; hash: string }[] = [];
  for (const leafHash of leafHashes) {
    for (const node of frontier.append(leafHash)) {
      nodes.set(nodeKey(node.level, node.index), node.hash);
      appended.push({ level: node.level, index: node.index, hash: toHex(node.hash) });
    }
  }

  it('has the published node hashes, each reported by exactly one append', () => {
    const published = tree.nodeHashes.flatMap((row, level) => row.map((hash, index) => ({ level, index, hash })));
    const byKey = (x: { level: number; index: number }) => x.level * 100 + x.index;
    expect([...appended].sort((x, y) => byKey(x) - byKey(y))).toEqual(published);
  });

  it('has the published root at every size', () => {
    expect(tree.rootHashes.length).toBe(9);
    const f = new Frontier();
    for (let size = 0; size <= 8; size++) {
      if (size > 0) f.append(leafHashes[size - 1]!);
      const want = tree.rootHashes[size];
      expect(toHex(f.root())).toBe(want);
      expect(toHex(rootAt(size, readerFor(nodes, size)))).toBe(want);
      expect(toHex(rootFromLeafHashes(leafHashes.slice(0, size)))).toBe(want);
      expect(toHex(subtreeHash(0, size, readerFor(nodes, size)))).toBe(want);
    }
  });

  it.each(tree.inclusionProofs.map((v) => [`leaf ${v.leafIndex} of ${v.treeSize}`, v] as const))(
    'gives the published inclusion proof of %s',
    (_name, v) => {
    const read = readerFor(nodes, v.treeSize);
    expect(inclusionProof(v.leafIndex, v.treeSize, read).map(toHex)).toEqual(v.proof);
    const root = hex(tree.rootHashes[v.treeSize]!);
    expect(verifyInclusion(v.leafIndex, v.treeSize, leafHashes[v.leafIndex]!, v.proof.map(hex), root)).toBe(true);
    },
  );

  it.each(tree.consistencyProofs)('gives the published consistency proof from $size1 to $size2', (v) => {
    const read = readerFor(nodes, v.size2);
    expect(consistencyProof(v.size1, v.size2, read).map(toHex)).toEqual(v.proof);
    const root1 = hex(tree.rootHashes[v.size1]!);
    const root2 = hex(tree.rootHashes[v.size2]!);
    expect(verifyConsistency(v.size1, v.size2, root1, root2, v.proof.map(hex))).toBe(true);
  });

  it('verifies every inclusion and consistency proof it can make', () => {
    for (let size = 1; size <= 8; size++) {
      const read = readerFor(nodes, size);
      const root = hex(tree.rootHashes[size]!);
      for (let index = 0; index < size; index++) {
        const proof = inclusionProof(index, size, read);
        expect(verifyInclusion(index, size, leafHashes[index]!, proof, root)).toBe(true);
      }
      for (let old = 0; old <= size; old++) {
        const proof = consistencyProof(old, size, read);
        expect(verifyConsistency(old, size, hex(tree.rootHashes[old]!), root, proof)).toBe(true);
      }
    }
  });
});

describe('draft-ietf-plants-merkle-tree-certs subtree digests (testonly/vectors_test.go)', () => {
  const { leafCount } = reference.subtreeDigests;
  const log = (() => {
    const nodes = new Map<string, Uint8Array>();
    const frontier = new Frontier();
    for (let i = 0; i < leafCount; i++) {
      for (const node of frontier.append(hashLeaf(new Uint8Array([i])))) {
        nodes.set(nodeKey(node.level, node.index), node.hash);
      }
    }
    return nodes;
  })();

  /** transparency-dev/merkle isSubtreeValid: start is a multiple of bit_ceil(end - start). */
  function isValidSubtree(start: number, end: number): boolean {
    if (start === 0 || start === end) return true;
    let ceil = 1;
    while (ceil < end - start) ceil *= 2;
    return start % ceil === 0;
  }

  function digest(lines: string[]): string {
    return toHex(sha256(utf8(lines.join(''))));
  }

  it('reproduces the subtree hash digest', () => {
    const lines: string[] = [];
    for (let end = 0; end <= leafCount; end++) {
      const read = readerFor(log, end);
      for (let start = 0; start <= end; start++) {
        if (!isValidSubtree(start, end)) continue;
        lines.push(`[${start}, ${end}) ${toHex(subtreeHash(start, end, read))}\n`);
      }
    }
    expect(digest(lines)).toBe(reference.subtreeDigests.subtreeHash);
  });

  it('reproduces the subtree inclusion proof digest, and every such proof verifies', () => {
    const lines: string[] = [];
    for (let end = 0; end <= leafCount; end++) {
      const read = readerFor(log, end);
      for (let start = 0; start <= end; start++) {
        if (!isValidSubtree(start, end)) continue;
        const size = end - start;
        // The subtree, shifted to start at leaf 0. Reads stay inside [start, end).
        const shifted: NodeReader = (level, index) => {
          if ((index + 1) * 2 ** level > size) throw new Error(`read outside subtree [${start}, ${end})`);
          return read(level, index + start / 2 ** level);
        };
        const root = subtreeHash(start, end, read);
        for (let index = start; index < end; index++) {
          const proof = inclusionProof(index - start, size, shifted);
          lines.push(`${index} [${start}, ${end})${proof.map((h) => ` ${toHex(h)}`).join('')}\n`);
          expect(verifyInclusion(index - start, size, hashLeaf(new Uint8Array([index])), proof, root)).toBe(true);
        }
      }
    }
    expect(digest(lines)).toBe(reference.subtreeDigests.subtreeInclusionProof);
  });
});

// ---------------------------------------------------------------------------------------------
// Exhaustive small trees and property tests
// ---------------------------------------------------------------------------------------------

describe('every proof in every tree up to 64 leaves', () => {
  it('is the same with a subtree memo shared across sizes, which keeps only ranges that are not nodes', () => {
    const count = 64;
    const log = buildLog(count, 11);
    const memo: SubtreeMemo = new Map();
    for (let size = 1; size <= count; size++) {
      const read = readerFor(log.nodes, size);
      for (let index = 0; index < size; index++) {
        expect(inclusionProof(index, size, read, memo).map(toHex), `${index} of ${size}`).toEqual(inclusionProof(index, size, read).map(toHex));
      }
    }
    expect(memo.size).toBeGreaterThan(0);
    for (const key of memo.keys()) {
      const [start, end] = key.split(':').map(Number) as [number, number];
      const n = end - start;
      expect(n & (n - 1), key).not.toBe(0);
      expect(toHex(memo.get(key)!)).toBe(toHex(subtreeHash(start, end, readerFor(log.nodes, count))));
    }
  });

  it('verifies, and reads O(log n) nodes', () => {
    const count = 64;
    const log = buildLog(count, 7);
    for (let size = 0; size <= count; size++) {
      let reads = 0;
      const base = readerFor(log.nodes, size);
      const read: NodeReader = (level, index) => {
        reads++;
        return base(level, index);
      };
      const bound = 2 * Math.ceil(Math.log2(Math.max(size, 1))) + 1;
      expect(toHex(rootAt(size, read))).toBe(toHex(log.roots[size]!));
      for (let index = 0; index < size; index++) {
        reads = 0;
        const proof = inclusionProof(index, size, read);
        expect(reads).toBeLessThanOrEqual(bound);
        expect(verifyInclusion(index, size, log.leafHashes[index]!, proof, log.roots[size]!)).toBe(true);
      }
      for (let old = 0; old <= size; old++) {
        reads = 0;
        const proof = consistencyProof(old, size, read);
        expect(reads).toBeLessThanOrEqual(bound);
        expect(verifyConsistency(old, size, log.roots[old]!, log.roots[size]!, proof)).toBe(true);
      }
    }
  });
});

describe('random append sequences', () => {
  it('keep rootAt, Frontier.root and the naive MTH equal after every append', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), fc.nat(), (count, salt) => {
        buildLog(count, salt, (log, frontier) => {
          const size = frontier.size;
          expect(size).toBe(log.leafHashes.length);
          const root = toHex(frontier.root());
          expect(toHex(rootAt(size, readerFor(log.nodes, size)))).toBe(root);
          expect(toHex(rootFromLeafHashes(log.leafHashes))).toBe(root);
          expect(frontier.peaks().map(toHex)).toEqual(
            Frontier.fromReader(size, readerFor(log.nodes, size)).peaks().map(toHex),
          );
        });
      }),
      { numRuns: 15 },
    );
  });

  it('produce a frontier that resumes from stored state exactly', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.nat(), fc.double({ min: 0, max: 1, noNaN: true }), (count, salt, cutAt) => {
        const log = buildLog(count, salt);
        const cut = Math.min(count, Math.floor(cutAt * (count + 1)));
        const fromReader = Frontier.fromReader(cut, readerFor(log.nodes, cut));
        const fromPeaks = new Frontier(cut, fromReader.peaks());
        for (const resumed of [fromReader, fromPeaks]) {
          expect(toHex(resumed.root())).toBe(toHex(log.roots[cut]!));
          for (let i = cut; i < count; i++) {
            for (const node of resumed.append(log.leafHashes[i]!)) {
              expect(toHex(node.hash)).toBe(toHex(log.nodes.get(nodeKey(node.level, node.index))!));
            }
          }
          expect(resumed.size).toBe(count);
          expect(toHex(resumed.root())).toBe(toHex(log.roots[count]!));
        }
      }),
      { numRuns: 30 },
    );
  });

  it('give inclusion proofs that verify at every size and fail when tampered with', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }),
        fc.nat(),
        fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 0, max: 7 }),
        (count, salt, picks, bit) => {
          const log = buildLog(count, salt);
          for (const pick of picks) {
            const index = Math.floor(pick * count);
            const leaf = log.leafHashes[index]!;
            for (let size = index + 1; size <= count; size++) {
              const proof = inclusionProof(index, size, readerFor(log.nodes, size));
              expect(verifyInclusion(index, size, leaf, proof, log.roots[size]!)).toBe(true);
              expect(toHex(rootFromInclusion(index, size, leaf, proof)!)).toBe(toHex(log.roots[size]!));
            }

            // Tamper with the proof in the full tree in every way a verifier must notice.
            const size = count;
            const root = log.roots[size]!;
            const proof = inclusionProof(index, size, readerFor(log.nodes, size));
            for (let e = 0; e < proof.length; e++) {
              for (let byte = 0; byte < HASH_SIZE; byte++) {
                expect(verifyInclusion(index, size, leaf, flipBit(proof, e, byte, bit), root)).toBe(false);
              }
            }
            for (let byte = 0; byte < HASH_SIZE; byte++) {
              const badLeaf = flipBit([leaf], 0, byte, bit)[0]!;
              expect(verifyInclusion(index, size, badLeaf, proof, root)).toBe(false);
              const badRoot = flipBit([root], 0, byte, bit)[0]!;
              expect(verifyInclusion(index, size, leaf, proof, badRoot)).toBe(false);
            }
            for (let other = 0; other < size; other++) {
              if (other === index) continue;
              expect(verifyInclusion(other, size, leaf, proof, root)).toBe(false);
              expect(verifyInclusion(index, size, log.leafHashes[other]!, proof, root)).toBe(false);
            }
            // A proof binds the leaf to one tree: it does not verify against the root of another
            // size. (The size itself is bound to the root by the signed checkpoint, not the proof.)
            for (let other = index + 1; other <= count + 1; other++) {
              if (other === size) continue;
              const otherRoot = log.roots[other] ?? hashLeaf(utf8('no such tree'));
              expect(verifyInclusion(index, other, leaf, proof, otherRoot)).toBe(false);
            }
            expect(verifyInclusion(index, size, leaf, [...proof, root], root)).toBe(false);
            if (proof.length > 0) {
              expect(verifyInclusion(index, size, leaf, proof.slice(1), root)).toBe(false);
              expect(verifyInclusion(index, size, leaf, proof.slice(0, -1), root)).toBe(false);
              expect(verifyInclusion(index, size, leaf, [...proof].reverse(), root)).toBe(proof.length === 1);
            }
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  it('give consistency proofs that verify and fail when tampered with', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }),
        fc.nat(),
        fc.array(
          fc.tuple(
            fc.double({ min: 0, max: 1, noNaN: true }),
            fc.double({ min: 0, max: 1, noNaN: true }),
          ),
          { minLength: 1, maxLength: 6 },
        ),
        fc.integer({ min: 0, max: 7 }),
        (count, salt, pairs, bit) => {
          const log = buildLog(count, salt);
          for (const [a, b] of pairs) {
            const x = Math.min(count, Math.floor(a * (count + 1)));
            const y = Math.min(count, Math.floor(b * (count + 1)));
            const [oldSize, newSize] = x <= y ? [x, y] : [y, x];
            const oldRoot = log.roots[oldSize]!;
            const newRoot = log.roots[newSize]!;
            const proof = consistencyProof(oldSize, newSize, readerFor(log.nodes, newSize));
            expect(verifyConsistency(oldSize, newSize, oldRoot, newRoot, proof)).toBe(true);

            for (let e = 0; e < proof.length; e++) {
              for (let byte = 0; byte < HASH_SIZE; byte++) {
                expect(verifyConsistency(oldSize, newSize, oldRoot, newRoot, flipBit(proof, e, byte, bit))).toBe(false);
              }
            }
            // Policy: every tree extends the empty tree, so from size 0 (empty proof, empty root)
            // nothing about the new tree is checked, and the checks of the new side are skipped.
            const fromEmpty = oldSize === 0;
            for (let byte = 0; byte < HASH_SIZE; byte++) {
              const badOld = flipBit([oldRoot], 0, byte, bit)[0]!;
              const badNew = flipBit([newRoot], 0, byte, bit)[0]!;
              expect(verifyConsistency(oldSize, newSize, badOld, newRoot, proof)).toBe(false);
              if (!fromEmpty) expect(verifyConsistency(oldSize, newSize, oldRoot, badNew, proof)).toBe(false);
            }
            // Other sizes, each with its own true root, must not accept this proof. An empty proof
            // is the right one from size 0 and for equal sizes, so those two cases are left out.
            for (let other = 1; other <= newSize; other++) {
              if (other === oldSize || (other === newSize && proof.length === 0)) continue;
              expect(verifyConsistency(other, newSize, log.roots[other]!, newRoot, proof)).toBe(false);
            }
            for (let other = oldSize; other <= count && !fromEmpty; other++) {
              if (other === newSize) continue;
              expect(verifyConsistency(oldSize, other, oldRoot, log.roots[other]!, proof)).toBe(false);
            }
            if (oldSize !== newSize) {
              expect(verifyConsistency(oldSize, newSize, newRoot, oldRoot, proof)).toBe(false);
            }
            expect(verifyConsistency(oldSize, newSize, oldRoot, newRoot, [...proof, newRoot])).toBe(false);
            if (proof.length > 0) {
              expect(verifyConsistency(oldSize, newSize, oldRoot, newRoot, proof.slice(1))).toBe(false);
              expect(verifyConsistency(oldSize, newSize, oldRoot, newRoot, proof.slice(0, -1))).toBe(false);
            }
          }
        },
      ),
      { numRuns: 25 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Large trees without building them
// ---------------------------------------------------------------------------------------------

describe('large trees', () => {
  /** A reader of arbitrary, distinct node hashes that counts its calls and checks the contract. */
  function countingReader(size: number): { read: NodeReader; calls: () => number; reset: () => void } {
    let calls = 0;
    const read: NodeReader = (level, index) => {
      calls++;
      if (!Number.isSafeInteger(index) || index < 0 || (index + 1) * 2 ** level > size) {
        throw new Error(`read of node (${level}, ${index}), not complete in a tree of size ${size}`);
      }
      return sha256(utf8(`node ${level}/${index}`));
    };
    return { read, calls: () => calls, reset: () => (calls = 0) };
  }

  /**
   * A reader for the tree whose leaf hashes are all equal: every complete node at a level then has
   * the same hash, so the reader is consistent for any size without building anything.
   */
  function uniformReader(): { read: NodeReader; leaf: Uint8Array; rootOf: (size: number) => Uint8Array } {
    const levels = [hashLeaf(utf8('uniform'))];
    for (let l = 1; l <= 53; l++) levels.push(hashChildren(levels[l - 1]!, levels[l - 1]!));
    const read: NodeReader = (level) => levels[level]!;
    // The root folds the peaks from the smallest (lowest set bit) up.
    const rootOf = (size: number): Uint8Array => {
      let root: Uint8Array | undefined;
      for (let level = 0; level <= 53; level++) {
        if (Math.floor(size / 2 ** level) % 2 === 1) root = root ? hashChildren(levels[level]!, root) : levels[level]!;
      }
      return root ?? EMPTY_ROOT;
    };
    return { read, leaf: levels[0]!, rootOf };
  }

  it('reads O(log n) nodes for proofs in a tree of 1,000,000 leaves', () => {
    const n = 1_000_000;
    const bound = 4 * Math.log2(n);
    const { read, calls, reset } = countingReader(n);
    const indices = [0, 1, 2, 3, 4095, 499_999, 524_287, 524_288, 999_998, 999_999, 123_457, 777_777];
    for (const index of indices) {
      reset();
      const proof = inclusionProof(index, n, read);
      expect(calls()).toBeLessThanOrEqual(bound);
      // The proof has the right shape: a verifier gets as far as computing a root from it.
      expect(rootFromInclusion(index, n, read(0, index), proof)).toBeDefined();
    }
    for (const oldSize of [1, 2, 3, 4, 7, 8, 1000, 500_000, 524_288, 524_289, 999_999, n]) {
      reset();
      consistencyProof(oldSize, n, read);
      expect(calls()).toBeLessThanOrEqual(bound);
    }
    reset();
    rootAt(n, read);
    expect(calls()).toBe(7); // one per set bit of 1,000,000
    reset();
    expect(Frontier.fromReader(n, read).peaks().length).toBe(7);
    expect(calls()).toBe(7);
  });

  it('makes proofs that verify in trees of up to 2^53 - 1 leaves', () => {
    const { read, leaf, rootOf } = uniformReader();
    const sizes = [1_000_000, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 40 + 12345, Number.MAX_SAFE_INTEGER];
    for (const size of sizes) {
      const root = rootOf(size);
      expect(toHex(rootAt(size, read))).toBe(toHex(root));
      expect(toHex(new Frontier(size, Frontier.fromReader(size, read).peaks()).root())).toBe(toHex(root));
      for (const index of [0, 1, Math.floor(size / 3), size - 2, size - 1].filter((i) => i >= 0)) {
        const proof = inclusionProof(index, size, read);
        expect(proof.length).toBeLessThanOrEqual(53);
        expect(verifyInclusion(index, size, leaf, proof, root)).toBe(true);
        expect(verifyInclusion(index, size, leaf, [...proof, leaf], root)).toBe(false);
      }
      for (const oldSize of [1, 2, 3, 2 ** 31 + 1, Math.floor(size / 2) + 1, size - 1, size].filter(
        (m) => m >= 1 && m <= size,
      )) {
        const proof = consistencyProof(oldSize, size, read);
        expect(verifyConsistency(oldSize, size, rootOf(oldSize), root, proof)).toBe(true);
      }
    }
    const last = new Frontier(Number.MAX_SAFE_INTEGER - 1, Frontier.fromReader(Number.MAX_SAFE_INTEGER - 1, read).peaks());
    last.append(leaf);
    expect(toHex(last.root())).toBe(toHex(rootOf(Number.MAX_SAFE_INTEGER)));
    expect(() => last.append(leaf)).toThrow(InvariantError);
  });
});

// ---------------------------------------------------------------------------------------------
// Edges and malformed input
// ---------------------------------------------------------------------------------------------

describe('edges', () => {
  const log = buildLog(7, 1);
  const read7 = readerFor(log.nodes, 7);
  const root7 = log.roots[7]!;
  const leaf3 = log.leafHashes[3]!;
  const proof3 = inclusionProof(3, 7, read7);
  const cproof = consistencyProof(3, 7, read7);
  const root3 = log.roots[3]!;

  it('refuses to make proofs out of range', () => {
    for (const [index, size] of [
      [7, 7],
      [0, 0],
      [-1, 7],
      [1.5, 7],
      [0, 7.5],
      [Number.NaN, 7],
      [0, Number.POSITIVE_INFINITY],
      [2 ** 53, 2 ** 53 + 2],
    ] as const) {
      expectOutOfRange(() => inclusionProof(index, size, read7));
    }
    for (const [oldSize, newSize] of [
      [8, 7],
      [-1, 7],
      [1, 2.5],
      [Number.NaN, 1],
      [1, 2 ** 53],
    ] as const) {
      expectOutOfRange(() => consistencyProof(oldSize, newSize, read7));
    }
    expectOutOfRange(() => rootAt(-1, read7));
    expectOutOfRange(() => subtreeHash(5, 4, read7));
    expectOutOfRange(() => Frontier.fromReader(0.5, read7));
  });

  it('makes empty consistency proofs from size 0 and between equal sizes', () => {
    expect(consistencyProof(0, 7, read7)).toEqual([]);
    expect(consistencyProof(0, 0, read7)).toEqual([]);
    expect(consistencyProof(7, 7, read7)).toEqual([]);
  });

  it('verifies consistency from the empty tree only with an empty proof and the empty root', () => {
    expect(verifyConsistency(0, 7, EMPTY_ROOT, root7, [])).toBe(true);
    expect(verifyConsistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])).toBe(true);
    expect(verifyConsistency(0, 7, root7, root7, [])).toBe(false);
    expect(verifyConsistency(0, 7, EMPTY_ROOT, root7, [root7])).toBe(false);
    expect(verifyConsistency(0, 0, EMPTY_ROOT, root7, [])).toBe(false);
    expect(verifyConsistency(7, 7, root7, root7, [])).toBe(true);
    expect(verifyConsistency(7, 7, root7, root3, [])).toBe(false);
    expect(verifyConsistency(7, 7, root7, root7, [root7])).toBe(false);
  });

  it('answers the empty tree with fresh copies of the empty root', () => {
    for (const root of [rootAt(0, read7), subtreeHash(3, 3, read7), new Frontier().root(), rootFromLeafHashes([])]) {
      expect(toHex(root)).toBe(toHex(EMPTY_ROOT));
      root[0] = root[0]! ^ 0xff;
    }
    expect(toHex(EMPTY_ROOT)).toBe(reference.hasher.emptyRoot);
  });

  it('never throws on malformed verification input', () => {
    const short = new Uint8Array(31);
    const long = new Uint8Array(33);
    const any = <T>(x: unknown) => x as T;
    const inclusionCases: [number, number, Uint8Array, Uint8Array[], Uint8Array][] = [
      [-1, 7, leaf3, proof3, root7],
      [3.5, 7, leaf3, proof3, root7],
      [Number.NaN, 7, leaf3, proof3, root7],
      [3, Number.POSITIVE_INFINITY, leaf3, proof3, root7],
      [3, 3, leaf3, proof3, root7],
      [7, 7, leaf3, proof3, root7],
      [2 ** 64, 2 ** 64 + 1, leaf3, proof3, root7],
      [3, 7, short, proof3, root7],
      [3, 7, long, proof3, root7],
      [3, 7, any(null), proof3, root7],
      [3, 7, any('leaf'), proof3, root7],
      [3, 7, leaf3, [...proof3, root7], root7],
      [3, 7, leaf3, proof3.slice(1), root7],
      [3, 7, leaf3, [...proof3.slice(0, -1), short], root7],
      [3, 7, leaf3, [...proof3.slice(0, -1), long], root7],
      [3, 7, leaf3, any(null), root7],
      [3, 7, leaf3, any([null, null, null]), root7],
      [3, 7, leaf3, any('proof'), root7],
      [3, 7, leaf3, Array.from({ length: 10_000 }, () => root7), root7],
      [3, 7, leaf3, proof3, short],
      [3, 7, leaf3, proof3, any(null)],
    ];
    expect(verifyInclusion(3, 7, leaf3, proof3, root7)).toBe(true);
    for (const [index, size, leaf, proof, root] of inclusionCases) {
      expect(() => verifyInclusion(index, size, leaf, proof, root)).not.toThrow();
      expect(verifyInclusion(index, size, leaf, proof, root)).toBe(false);
      expect(() => rootFromInclusion(index, size, leaf, proof)).not.toThrow();
    }
    for (const [index, size, leaf, proof] of inclusionCases.slice(0, -2)) {
      expect(rootFromInclusion(index, size, leaf, proof)).toBeUndefined();
    }

    const consistencyCases: [number, number, Uint8Array, Uint8Array, Uint8Array[]][] = [
      [7, 3, root7, root3, cproof],
      [-3, 7, root3, root7, cproof],
      [3.5, 7, root3, root7, cproof],
      [3, Number.NaN, root3, root7, cproof],
      [3, 7, short, root7, cproof],
      [3, 7, root3, long, cproof],
      [3, 7, any(undefined), root7, cproof],
      [3, 7, root3, root7, [...cproof, root7]],
      [3, 7, root3, root7, cproof.slice(1)],
      [3, 7, root3, root7, []],
      [3, 7, root3, root7, [...cproof.slice(0, -1), short]],
      [3, 7, root3, root7, any(null)],
      [3, 7, root3, root7, any([undefined])],
      [3, 7, root3, root7, Array.from({ length: 10_000 }, () => root7)],
      [7, 7, short, short, []],
      [0, 0, short, short, []],
    ];
    expect(verifyConsistency(3, 7, root3, root7, cproof)).toBe(true);
    for (const [oldSize, newSize, oldRoot, newRoot, proof] of consistencyCases) {
      expect(() => verifyConsistency(oldSize, newSize, oldRoot, newRoot, proof)).not.toThrow();
      expect(verifyConsistency(oldSize, newSize, oldRoot, newRoot, proof)).toBe(false);
    }
  });

  it('treats storage that returns a non-hash as a broken invariant', () => {
    const bad: NodeReader = () => new Uint8Array(31);
    expect(() => rootAt(3, bad)).toThrow(InvariantError);
    expect(() => inclusionProof(0, 3, bad)).toThrow(InvariantError);
    expect(() => Frontier.fromReader(3, bad)).toThrow(InvariantError);
  });

  it('refuses a frontier whose stored state has the wrong shape', () => {
    const h = log.leafHashes[0]!;
    expect(() => new Frontier(3, [h])).toThrow(InvariantError);
    expect(() => new Frontier(0, [h])).toThrow(InvariantError);
    expect(() => new Frontier(-1, [])).toThrow(InvariantError);
    expect(() => new Frontier(1.5, [h])).toThrow(InvariantError);
    expect(() => new Frontier(1, [new Uint8Array(31)])).toThrow(InvariantError);
    expect(() => new Frontier().append(new Uint8Array(33))).toThrow(InvariantError);
    expect(new Frontier(3, [h, h]).size).toBe(3);
  });

  it('shares no bytes with its callers', () => {
    const frontier = new Frontier();
    const leaf = log.leafHashes[0]!.slice();
    const [node] = frontier.append(leaf);
    const before = toHex(frontier.root());
    leaf.fill(0);
    node!.hash.fill(0);
    frontier.root().fill(0);
    frontier.peaks()[0]!.fill(0);
    expect(toHex(frontier.root())).toBe(before);

    const peaks = Frontier.fromReader(7, read7).peaks();
    const rebuilt = new Frontier(7, peaks);
    peaks[0]!.fill(0);
    expect(toHex(rebuilt.root())).toBe(toHex(root7));
  });

  it('reports the nodes an append completes, lowest first', () => {
    const frontier = new Frontier(7, Frontier.fromReader(7, read7).peaks());
    const created = frontier.append(hashLeaf(utf8('eighth')));
    expect(created.map((n) => [n.level, n.index])).toEqual([
      [0, 7],
      [1, 3],
      [2, 1],
      [3, 0],
    ]);
    expect(toHex(created[3]!.hash)).toBe(toHex(frontier.root()));
    expect(frontier.peaks().length).toBe(1);
    expect(frontier.append(hashLeaf(utf8('ninth'))).map((n) => [n.level, n.index])).toEqual([[0, 8]]);
  });

  it('hashes unaligned ranges as their compact range folded from the right', () => {
    // [1, 7) is covered by leaf 1, node (1, 1) over [2, 4), node (1, 2) over [4, 6) and leaf 6.
    const n = (level: number, index: number) => log.nodes.get(nodeKey(level, index))!;
    const want = hashChildren(n(0, 1), hashChildren(n(1, 1), hashChildren(n(1, 2), n(0, 6))));
    expect(toHex(subtreeHash(1, 7, read7))).toBe(toHex(want));
  });
});
